#pragma once
// Fetching remote TOSCA imports over http(s), safely: only allow-listed hosts (checked on every
// redirect hop), bounded size and time, TLS verification always on. Thread-safe; no shared state
// apart from libcurl's one-time global initialisation.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace modak::io {

struct FetchOptions {
  std::uint64_t max_bytes = 16ull << 20;   // abort when the body grows past this
  long connect_timeout_ms = 5000;
  long total_timeout_ms = 20000;           // whole transfer, all redirect hops together; also a low-speed abort
                                           // so a server that never answers cannot hang us
  std::vector<std::string> allowed_hosts;  // exact host names / IPs allowed, case-insensitive (IPv6 without
                                           // brackets); empty = none allowed
  bool allow_any_host = false;
  std::string ca_file;                     // extra CA bundle (PEM) for https, trusted in addition to the system
                                           // default; empty = system default only
  bool allow_http = false;                 // plain http only when true (https always allowed if host is allowed)
  int max_redirects = 3;                   // redirects are followed only to allowed hosts, re-checked on each hop
};

struct FetchResult {
  bool ok = false;
  long http_status = 0;   // status of the last response received, 0 when none arrived
  std::string body;       // the body on success; empty on failure
  std::string error;      // names the URL and the reason; empty on success
  std::string final_url;  // the last URL requested (after redirects)
};

FetchResult fetch_url(const std::string& url, const FetchOptions& options);

// Parses scheme://host[:port]/path ; returns false for anything else. Lower-cases scheme and host.
// Rejects user info ("user@host"), empty hosts, host characters outside [a-z0-9.-_] (an IPv6 literal in
// brackets is accepted and stored without them), non-numeric or out-of-range ports, and whitespace or
// control characters anywhere. `path` keeps any query and fragment; it is "/" when the URL has none.
struct UrlParts {
  std::string scheme, host, port, path;
};
bool parse_url(std::string_view url, UrlParts& out);

}  // namespace modak::io
