#include "tosca/io/http_fetch.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <utility>

namespace modak::io {

namespace {

using Clock = std::chrono::steady_clock;
using CurlHandle = std::unique_ptr<CURL, decltype(&curl_easy_cleanup)>;

// curl_global_init is not thread-safe, so it runs exactly once; its result is read-only afterwards.
CURLcode init_curl_once() {
  static std::once_flag once;
  static CURLcode result = CURLE_OK;
  std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  return result;
}

// ---- URL parsing -------------------------------------------------------------------------------

std::string to_lower(std::string_view text) {
  std::string lowered(text);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lowered;
}

bool is_valid_scheme(std::string_view scheme) {
  if (scheme.empty() || std::isalpha(static_cast<unsigned char>(scheme[0])) == 0) return false;
  return std::all_of(scheme.begin(), scheme.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '+' || c == '-' || c == '.';
  });
}

// A deliberately narrow host alphabet: anything libcurl might read differently from us (percent escapes,
// backslashes, user info) is refused, so the host we allow-list is the host libcurl connects to.
bool is_valid_host_name(std::string_view host) {
  return !host.empty() && std::all_of(host.begin(), host.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '.' || c == '-' || c == '_';
  });
}

bool is_valid_ipv6_literal(std::string_view host) {
  return !host.empty() && std::all_of(host.begin(), host.end(), [](unsigned char c) {
    return std::isxdigit(c) != 0 || c == ':' || c == '.';
  });
}

bool is_valid_port(std::string_view port) {
  if (port.empty() || port.size() > 5) return false;
  if (!std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) return false;
  const int value = std::stoi(std::string(port));
  return value >= 1 && value <= 65535;
}

bool has_space_or_control(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](unsigned char c) { return c <= 0x20 || c == 0x7f; });
}

// Splits "host[:port]" or "[v6]:port" into its parts.
bool parse_authority(std::string_view authority, std::string& host, std::string& port) {
  std::string_view host_part = authority;
  std::string_view port_part;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return false;
    host_part = authority.substr(1, close - 1);
    const std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return false;
      port_part = rest.substr(1);
      if (port_part.empty()) return false;
    }
    if (!is_valid_ipv6_literal(host_part)) return false;
  } else {
    const std::size_t colon = authority.find(':');
    if (colon != std::string_view::npos) {
      host_part = authority.substr(0, colon);
      port_part = authority.substr(colon + 1);
      if (port_part.empty()) return false;
    }
    if (!is_valid_host_name(host_part)) return false;
  }
  if (!port_part.empty() && !is_valid_port(port_part)) return false;
  host = to_lower(host_part);
  port = std::string(port_part);
  return true;
}

// Rebuilds the URL from the checked parts, so that libcurl sees exactly what the allow-list saw.
std::string build_url(const UrlParts& parts) {
  const bool ipv6 = parts.host.find(':') != std::string::npos;
  std::string url = parts.scheme + "://" + (ipv6 ? "[" + parts.host + "]" : parts.host);
  if (!parts.port.empty()) url += ":" + parts.port;
  return url + parts.path;
}

// ---- policy ------------------------------------------------------------------------------------

// `host` is already lower-case; host names are case-insensitive, so "Example.org" on the allow-list matches.
bool is_host_allowed(const std::string& host, const FetchOptions& options) {
  if (options.allow_any_host) return true;
  return std::any_of(options.allowed_hosts.begin(), options.allowed_hosts.end(),
                     [&host](const std::string& allowed) { return to_lower(allowed) == host; });
}

// Why this URL may not be requested; empty when it may.
std::string refusal_reason(std::string_view url, const FetchOptions& options, UrlParts& parts) {
  if (!parse_url(url, parts)) return "not a valid http(s) URL";
  if (parts.scheme != "http" && parts.scheme != "https")
    return "scheme '" + parts.scheme + "' is not supported (only http and https)";
  if (parts.scheme == "http" && !options.allow_http) return "plain http is not allowed (only https)";
  if (!is_host_allowed(parts.host, options)) return "host '" + parts.host + "' is not in the allow-list (--allow-host)";
  return {};
}

// ---- CA bundle ---------------------------------------------------------------------------------

bool read_whole_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream contents;
  contents << in.rdbuf();
  out = contents.str();
  return !in.bad();
}

// CURLOPT_CAINFO would replace the system bundle; the extra CA must be trusted *in addition*, so the
// system bundle and the extra file are concatenated into one in-memory PEM blob.
bool build_ca_bundle(CURL* curl, const std::string& extra_ca_file, std::string& bundle, std::string& error) {
  std::string extra;
  if (!read_whole_file(extra_ca_file, extra)) {
    error = "cannot read CA file '" + extra_ca_file + "'";
    return false;
  }
  char* default_ca_file = nullptr;
  std::string system_bundle;
  if (curl_easy_getinfo(curl, CURLINFO_CAINFO, &default_ca_file) == CURLE_OK && default_ca_file != nullptr)
    read_whole_file(default_ca_file, system_bundle);  // a missing system bundle only loses the system CAs
  bundle = system_bundle + "\n" + extra;
  return true;
}

// ---- one request -------------------------------------------------------------------------------

struct BodySink {
  std::string body;
  std::uint64_t max_bytes = 0;
  bool too_large = false;
};

std::size_t append_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* sink = static_cast<BodySink*>(user);
  const std::size_t bytes = size * count;
  if (sink->body.size() + bytes > sink->max_bytes) {
    sink->too_large = true;
    return 0;  // makes libcurl abort the transfer with CURLE_WRITE_ERROR
  }
  sink->body.append(data, bytes);
  return bytes;
}

struct HopResult {
  CURLcode code = CURLE_OK;
  long http_status = 0;
  bool connected = false;
  bool too_large = false;
  std::string redirect_url;
  std::string curl_message;
  std::string body;
};

struct HopSettings {
  long connect_timeout_ms = 0;
  long timeout_ms = 0;
  long low_speed_seconds = 0;
  const std::string* ca_bundle = nullptr;  // null: system default
  std::uint64_t max_bytes = 0;
};

// Every hop shares one deadline, so a chain of redirects cannot stretch the total time.
HopSettings hop_settings(const FetchOptions& options, long time_left_ms, const std::string* ca_bundle) {
  HopSettings settings;
  settings.timeout_ms = time_left_ms;
  settings.connect_timeout_ms = std::min(options.connect_timeout_ms, time_left_ms);
  // libcurl's low-speed window is whole seconds: round the total timeout up so it never fires first.
  settings.low_speed_seconds = std::max(1L, (options.total_timeout_ms + 999) / 1000);
  settings.ca_bundle = ca_bundle;
  settings.max_bytes = options.max_bytes;
  return settings;
}

void configure_transfer(CURL* curl, const std::string& url, const HopSettings& settings, BodySink& sink,
                        char* error_buffer) {
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);  // redirects are followed by hand, re-checking each hop
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);        // timeouts must not use signals in a threaded program
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, settings.connect_timeout_ms);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, settings.timeout_ms);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, settings.low_speed_seconds);
  curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(settings.max_bytes));
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "modak");
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  if (settings.ca_bundle != nullptr) {
    curl_blob blob{const_cast<char*>(settings.ca_bundle->data()), settings.ca_bundle->size(), CURL_BLOB_COPY};
    curl_easy_setopt(curl, CURLOPT_CAINFO_BLOB, &blob);
  }
}

HopResult perform_hop(CURL* curl, const std::string& url, const HopSettings& settings) {
  curl_easy_reset(curl);
  BodySink sink;
  sink.max_bytes = settings.max_bytes;
  char error_buffer[CURL_ERROR_SIZE] = {};
  configure_transfer(curl, url, settings, sink, error_buffer);

  HopResult hop;
  hop.code = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &hop.http_status);
  curl_off_t connect_time_us = 0;
  curl_easy_getinfo(curl, CURLINFO_CONNECT_TIME_T, &connect_time_us);
  hop.connected = connect_time_us > 0;
  char* redirect_url = nullptr;
  if (curl_easy_getinfo(curl, CURLINFO_REDIRECT_URL, &redirect_url) == CURLE_OK && redirect_url != nullptr)
    hop.redirect_url = redirect_url;
  hop.too_large = sink.too_large || hop.code == CURLE_FILESIZE_EXCEEDED;
  hop.curl_message = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(hop.code);
  hop.body = std::move(sink.body);
  return hop;
}

std::string timeout_text(const FetchOptions& options) {
  return "timed out after " + std::to_string(options.total_timeout_ms) +
         " ms (limit fetch_timeout_ms; raise it with --fetch-timeout)";
}

std::string describe_transfer_failure(const HopResult& hop, const HopSettings& settings,
                                      const FetchOptions& options) {
  if (hop.too_large)
    return "response larger than " + std::to_string(options.max_bytes) + " bytes (limit max_fetch_bytes; raise it with --max-fetch-bytes)";
  switch (hop.code) {
    case CURLE_OPERATION_TIMEDOUT:
      if (!hop.connected)
        return "connection timed out after " + std::to_string(settings.connect_timeout_ms) +
               " ms (connecting may take at most " + std::to_string(options.connect_timeout_ms) +
               " ms, within limit fetch_timeout_ms; raise it with --fetch-timeout)";
      return timeout_text(options);
    case CURLE_PEER_FAILED_VERIFICATION:
      return "TLS certificate verification failed: " + hop.curl_message;
    case CURLE_SSL_CACERT_BADFILE:
      return "cannot use the CA bundle: " + hop.curl_message;
    case CURLE_COULDNT_RESOLVE_HOST:
      return "cannot resolve host: " + hop.curl_message;
    case CURLE_COULDNT_CONNECT:
      return "cannot connect: " + hop.curl_message;
    default:
      return hop.curl_message;
  }
}

bool is_redirect(const HopResult& hop) {
  return hop.http_status >= 300 && hop.http_status < 400 && !hop.redirect_url.empty();
}

long remaining_ms(Clock::time_point deadline) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
}

// `last_url` is the last URL requested, or the original one when nothing was requested.
FetchResult failure(const std::string& url, const std::string& reason, const std::string& last_url,
                    long http_status = 0) {
  FetchResult result;
  result.http_status = http_status;
  result.error = "cannot fetch '" + url + "': " + reason;
  result.final_url = last_url;
  return result;
}

}  // namespace

bool parse_url(std::string_view url, UrlParts& out) {
  if (has_space_or_control(url)) return false;
  const std::size_t separator = url.find("://");
  if (separator == std::string_view::npos || !is_valid_scheme(url.substr(0, separator))) return false;
  const std::string_view after_scheme = url.substr(separator + 3);
  const std::size_t authority_end = after_scheme.find_first_of("/?#");
  const std::string_view authority = after_scheme.substr(0, authority_end);
  if (authority.find('@') != std::string_view::npos) return false;  // "https://allowed@evil/" tricks

  UrlParts parts;
  if (!parse_authority(authority, parts.host, parts.port)) return false;
  parts.scheme = to_lower(url.substr(0, separator));
  parts.path = authority_end == std::string_view::npos ? "/" : std::string(after_scheme.substr(authority_end));
  if (parts.path.front() != '/') parts.path.insert(0, "/");
  out = std::move(parts);
  return true;
}

FetchResult fetch_url(const std::string& url, const FetchOptions& options) {
  if (init_curl_once() != CURLE_OK) return failure(url, "libcurl initialisation failed", url);
  CurlHandle curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) return failure(url, "libcurl initialisation failed", url);

  std::string ca_bundle;
  std::string ca_error;
  if (!options.ca_file.empty() && !build_ca_bundle(curl.get(), options.ca_file, ca_bundle, ca_error))
    return failure(url, ca_error, url);

  const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(options.total_timeout_ms);
  std::string next_url = url;
  std::string last_requested = url;
  for (int redirects = 0;; ++redirects) {
    UrlParts parts;
    const std::string refusal = refusal_reason(next_url, options, parts);
    if (!refusal.empty()) {
      if (redirects == 0) return failure(url, refusal, last_requested);
      return failure(url, "redirected to '" + next_url + "', which is refused: " + refusal, last_requested);
    }
    const long time_left_ms = remaining_ms(deadline);
    if (time_left_ms <= 0)
      return failure(url, timeout_text(options), last_requested);

    const HopSettings settings = hop_settings(options, time_left_ms, options.ca_file.empty() ? nullptr : &ca_bundle);
    last_requested = build_url(parts);
    HopResult hop = perform_hop(curl.get(), last_requested, settings);

    if (hop.code != CURLE_OK)
      return failure(url, describe_transfer_failure(hop, settings, options), last_requested, hop.http_status);
    if (is_redirect(hop)) {
      if (redirects >= options.max_redirects)
        return failure(url, "too many redirects (more than " + std::to_string(options.max_redirects) + ")",
                       last_requested, hop.http_status);
      next_url = hop.redirect_url;
      continue;
    }
    if (hop.http_status < 200 || hop.http_status >= 300)
      return failure(url, "HTTP " + std::to_string(hop.http_status), last_requested, hop.http_status);

    FetchResult result;
    result.ok = true;
    result.http_status = hop.http_status;
    result.body = std::move(hop.body);
    result.final_url = last_requested;
    return result;
  }
}

}  // namespace modak::io
