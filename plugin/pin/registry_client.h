// A small client of the OCI distribution API (the Docker registry HTTP API v2) over libcurl: just
// enough to turn an image reference into the digest of the manifest it names today.
//
// Transport policy (docs/pinning.md): HTTPS with certificate verification, except for the
// loopback hosts `127.0.0.1`, `localhost` and `::1` (any port) and the hosts named with
// --insecure-registry, which are spoken to in plain HTTP. Redirects never leave HTTPS for HTTP.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace modak::pin {

// `[docker://][registry[:port]/]name[:tag][@digest]`. Docker Hub defaults apply: no registry →
// docker.io (spoken to at registry-1.docker.io), a one-component name → library/NAME, no tag and
// no digest → latest.
struct ImageRef {
  std::string original;    // as written
  std::string prefix;      // "docker://" or ""
  std::string registry;    // "docker.io", "quay.io", "127.0.0.1:5000"
  std::string repository;  // "library/ubuntu", "test/a"
  std::string tag;         // "latest" when neither tag nor digest was written
  std::string digest;      // "sha256:..." when written
  bool registry_written = false;  // the reference named its registry
  std::string written_name;       // the original without prefix, tag and digest ("ubuntu")

  std::string api_host() const;  // registry-1.docker.io for docker.io, else registry
  // The pinned form, in the spelling of the original: prefix + written name + "@" + digest.
  std::string pinned(const std::string& manifest_digest) const;
  std::string canonical() const;  // registry/repository[:tag][@digest]
};

bool parse_reference(const std::string& text, ImageRef& out, std::string& error);

// `Bearer realm="...",service="...",scope="..."` or `Basic realm="..."`.
struct Challenge {
  std::string scheme;  // lower case: "bearer", "basic"
  std::map<std::string, std::string> params;
};
bool parse_www_authenticate(const std::string& header, Challenge& out);

// Lower-case hex SHA-256 of `data` (OpenSSL libcrypto).
std::string sha256_hex(const std::string& data);

// OCI / Docker platform names: "amd64", "arm64", "ppc64le".
// From an ISA level of docs/knowledge.md (x86-64*, armv8*, power9, ...); empty when unknown.
std::string architecture_for_isa(const std::string& isa_level);
// The architecture this binary runs on.
std::string host_architecture();

// From an image index or manifest list (JSON text): the digest of the entry for linux/ARCH
// (arm64 prefers variant v8 or none). False with `error` naming the platforms the index offers.
bool choose_platform(const std::string& index_json, const std::string& architecture, std::string& digest,
                     std::string& error);

struct ClientOptions {
  long timeout_seconds = 30;           // whole request; also the low-speed abort window
  long connect_timeout_seconds = 10;   // capped by timeout_seconds
  std::string auth;                    // "user:password" (basic, or to fetch a bearer token)
  std::vector<std::string> insecure_registries;  // "host" or "host:port": plain HTTP
  std::string ca_file;                 // extra CA bundle for HTTPS
};

// Credentials from the MODAK_REGISTRY_AUTH environment variable when `flag` is empty.
std::string registry_auth_from(const std::string& flag);

struct Resolved {
  std::string digest;        // what to pin: the platform's manifest for an index, else the manifest
  std::string media_type;    // of the manifest the tag names
  std::string index_digest;  // the index's own digest, when the tag names an index
};

class RegistryClient {
 public:
  explicit RegistryClient(ClientOptions options);
  ~RegistryClient();
  RegistryClient(const RegistryClient&) = delete;
  RegistryClient& operator=(const RegistryClient&) = delete;

  // Resolves the reference's tag (or checks its digest) to a manifest digest for `architecture`.
  bool resolve(const ImageRef& ref, const std::string& architecture, Resolved& out, std::string& error);

  bool uses_http(const ImageRef& ref) const;

 private:
  struct Response {
    long status = 0;
    std::string body;
    std::map<std::string, std::string> headers;  // lower-case names
  };
  bool request(const std::string& url, const std::string& authorization, bool https_only, Response& r,
               std::string& error);
  bool fetch_token(const Challenge& c, const ImageRef& ref, std::string& token, std::string& error);
  bool get_manifest(const ImageRef& ref, const std::string& reference, Response& r, std::string& error);

  ClientOptions options_;
  std::map<std::string, std::string> authorization_;  // registry/repository -> Authorization header
};

}  // namespace modak::pin
