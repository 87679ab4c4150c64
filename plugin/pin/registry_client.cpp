#include "plugin/pin/registry_client.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>

namespace modak::pin {

namespace {

constexpr const char* kDockerHub = "docker.io";
constexpr const char* kAccept =
    "Accept: application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";
constexpr std::size_t kMaxBody = 8u << 20;  // manifests and token answers are a few KiB

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string trim(const std::string& s) {
  std::size_t b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

bool valid_digest(const std::string& d) {
  static const std::regex sha256("sha256:[a-f0-9]{64}");
  static const std::regex other("[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}");
  return std::regex_match(d, sha256) || (d.rfind("sha256:", 0) != 0 && std::regex_match(d, other));
}

std::string host_of(const std::string& registry) {
  if (!registry.empty() && registry[0] == '[') {  // [::1]:5000
    auto close = registry.find(']');
    return close == std::string::npos ? registry : registry.substr(1, close - 1);
  }
  auto colon = registry.rfind(':');
  return colon == std::string::npos ? registry : registry.substr(0, colon);
}

std::string base64(const std::string& s) {
  std::string out(4 * ((s.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(s.data()),
                          static_cast<int>(s.size()));
  out.resize(n < 0 ? 0 : static_cast<std::size_t>(n));
  return out;
}

std::string media_type_of(const std::string& content_type, const nlohmann::json& body) {
  std::string t = trim(content_type.substr(0, content_type.find(';')));
  if (body.is_object() && body.contains("mediaType") && body["mediaType"].is_string()) {
    std::string m = body["mediaType"].get<std::string>();
    if (t.empty() || t == "application/json" || t == "application/octet-stream") t = m;
  }
  if (t.empty() && body.is_object() && body.contains("manifests")) t = "application/vnd.oci.image.index.v1+json";
  return t;
}

bool is_index(const std::string& media_type) {
  return media_type == "application/vnd.oci.image.index.v1+json" ||
         media_type == "application/vnd.docker.distribution.manifest.list.v2+json";
}

// "MANIFEST_UNKNOWN: manifest unknown" from the registry's error body, when it has one.
std::string registry_error(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("errors") || !j["errors"].is_array() || j["errors"].empty()) return "";
  const auto& e = j["errors"][0];
  std::string code = e.value("code", ""), message = e.is_object() && e.contains("message") && e["message"].is_string()
                                                         ? e["message"].get<std::string>()
                                                         : "";
  return code + (code.empty() || message.empty() ? "" : ": ") + message;
}

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* body = static_cast<std::string*>(user);
  if (body->size() + size * n > kMaxBody) return 0;  // aborts the transfer (CURLE_WRITE_ERROR)
  body->append(data, size * n);
  return size * n;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* headers = static_cast<std::map<std::string, std::string>*>(user);
  std::string line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) headers->clear();  // a new response (after a redirect)
  auto colon = line.find(':');
  if (colon != std::string::npos) (*headers)[lower(trim(line.substr(0, colon)))] = trim(line.substr(colon + 1));
  return size * n;
}

std::once_flag curl_once;

}  // namespace

// --- references -------------------------------------------------------------------------------

std::string ImageRef::api_host() const { return registry == kDockerHub ? "registry-1.docker.io" : registry; }

std::string ImageRef::pinned(const std::string& manifest_digest) const {
  return prefix + written_name + "@" + manifest_digest;
}

std::string ImageRef::canonical() const {
  return registry + "/" + repository + (tag.empty() ? "" : ":" + tag) + (digest.empty() ? "" : "@" + digest);
}

bool parse_reference(const std::string& text, ImageRef& out, std::string& error) {
  out = ImageRef{};
  out.original = text;
  std::string s = trim(text);
  if (s.rfind("docker://", 0) == 0) {
    out.prefix = "docker://";
    s = s.substr(9);
  } else if (s.find("://") != std::string::npos) {
    error = "'" + text + "' is not a registry image reference (only docker:// or a plain reference can be pinned)";
    return false;
  }
  if (s.empty()) {
    error = "empty image reference";
    return false;
  }
  if (auto at = s.find('@'); at != std::string::npos) {
    out.digest = s.substr(at + 1);
    s = s.substr(0, at);
    if (!valid_digest(out.digest)) {
      error = "'" + text + "': malformed digest '" + out.digest + "' (expected sha256: and 64 lower-case hex digits)";
      return false;
    }
  }
  std::string rest = s;
  if (auto slash = s.find('/'); slash != std::string::npos) {
    std::string first = s.substr(0, slash);
    if (first.find('.') != std::string::npos || first.find(':') != std::string::npos || first == "localhost") {
      out.registry = first;
      out.registry_written = true;
      rest = s.substr(slash + 1);
    }
  }
  if (!out.registry_written) out.registry = kDockerHub;
  if (out.registry == "index.docker.io" || out.registry == "registry-1.docker.io") out.registry = kDockerHub;
  std::string name = rest;
  auto last_slash = rest.rfind('/');
  if (auto colon = rest.rfind(':'); colon != std::string::npos && (last_slash == std::string::npos || colon > last_slash)) {
    out.tag = rest.substr(colon + 1);
    name = rest.substr(0, colon);
    static const std::regex tag_re("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    if (!std::regex_match(out.tag, tag_re)) {
      error = "'" + text + "': malformed tag '" + out.tag + "'";
      return false;
    }
  }
  static const std::regex repo_re("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*");
  if (name.empty() || !std::regex_match(name, repo_re)) {
    error = "'" + text + "': malformed repository name '" + name +
            "' (lower-case letters, digits and . _ - separators, components joined by /)";
    return false;
  }
  static const std::regex registry_re(
      "(?:\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*)"
      "(?::[0-9]{1,5})?");
  if (!std::regex_match(out.registry, registry_re)) {
    error = "'" + text + "': malformed registry '" + out.registry + "'";
    return false;
  }
  out.written_name = (out.registry_written ? s.substr(0, s.size() - rest.size()) : std::string()) + name;
  out.repository = name;
  if (out.registry == kDockerHub && name.find('/') == std::string::npos) out.repository = "library/" + name;
  if (out.tag.empty() && out.digest.empty()) out.tag = "latest";
  return true;
}

// --- WWW-Authenticate ---------------------------------------------------------------------------

bool parse_www_authenticate(const std::string& header, Challenge& out) {
  out = Challenge{};
  std::string h = trim(header);
  std::size_t i = 0;
  while (i < h.size() && !std::isspace(static_cast<unsigned char>(h[i]))) ++i;
  out.scheme = lower(h.substr(0, i));
  if (out.scheme.empty()) return false;
  while (i < h.size()) {
    while (i < h.size() && (std::isspace(static_cast<unsigned char>(h[i])) || h[i] == ',')) ++i;
    std::size_t k = i;
    while (i < h.size() && h[i] != '=' && h[i] != ',') ++i;
    std::string key = lower(trim(h.substr(k, i - k)));
    if (i >= h.size() || h[i] != '=') {
      if (!key.empty()) out.params[key] = "";
      continue;
    }
    ++i;  // '='
    std::string value;
    if (i < h.size() && h[i] == '"') {
      ++i;
      while (i < h.size() && h[i] != '"') {
        if (h[i] == '\\' && i + 1 < h.size()) ++i;
        value += h[i++];
      }
      if (i >= h.size()) return false;  // unterminated quote
      ++i;
    } else {
      std::size_t v = i;
      while (i < h.size() && h[i] != ',') ++i;
      value = trim(h.substr(v, i - v));
    }
    if (!key.empty()) out.params[key] = value;
  }
  return true;
}

// --- digests and platforms ---------------------------------------------------------------------

std::string sha256_hex(const std::string& data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

std::string architecture_for_isa(const std::string& isa_level) {
  std::string s = lower(isa_level);
  if (s.rfind("x86-64", 0) == 0 || s.rfind("x86_64", 0) == 0 || s == "amd64") return "amd64";
  if (s.rfind("arm", 0) == 0 || s.rfind("aarch64", 0) == 0) return "arm64";
  if (s.rfind("power", 0) == 0 || s.rfind("ppc64", 0) == 0) return "ppc64le";
  return "";
}

std::string host_architecture() {
#if defined(__x86_64__)
  return "amd64";
#elif defined(__aarch64__)
  return "arm64";
#elif defined(__powerpc64__)
  return "ppc64le";
#else
  return "amd64";
#endif
}

bool choose_platform(const std::string& index_json, const std::string& architecture, std::string& digest,
                     std::string& error) {
  auto j = nlohmann::json::parse(index_json, nullptr, false);
  if (!j.is_object() || !j.contains("manifests") || !j["manifests"].is_array()) {
    error = "the image index is not valid JSON with a 'manifests' list";
    return false;
  }
  std::string best, offered;
  int best_rank = -1;
  for (const auto& m : j["manifests"]) {
    if (!m.is_object() || !m.contains("digest") || !m["digest"].is_string()) continue;
    const auto p = m.contains("platform") && m["platform"].is_object() ? m["platform"] : nlohmann::json::object();
    std::string os = p.value("os", ""), arch = p.value("architecture", ""), variant = p.value("variant", "");
    if (arch.empty() || arch == "unknown") continue;  // attestation manifests and the like
    offered += (offered.empty() ? "" : ", ") + os + "/" + arch + (variant.empty() ? "" : "/" + variant);
    if (os != "linux" || arch != architecture) continue;
    int rank = variant.empty() || (architecture == "arm64" && variant == "v8") ? 2 : 1;
    if (rank > best_rank) {
      best_rank = rank;
      best = m["digest"].get<std::string>();
    }
  }
  if (best.empty()) {
    error = "the image index has no linux/" + architecture + " entry (it offers: " + (offered.empty() ? "nothing" : offered) + ")";
    return false;
  }
  if (!valid_digest(best)) {
    error = "the image index names a malformed digest '" + best + "'";
    return false;
  }
  digest = best;
  return true;
}

std::string registry_auth_from(const std::string& flag) {
  if (!flag.empty()) return flag;
  const char* env = std::getenv("MODAK_REGISTRY_AUTH");
  return env ? env : "";
}

// --- the client ---------------------------------------------------------------------------------

RegistryClient::RegistryClient(ClientOptions options) : options_(std::move(options)) {
  std::call_once(curl_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (options_.timeout_seconds <= 0) options_.timeout_seconds = 30;
  if (options_.connect_timeout_seconds <= 0 || options_.connect_timeout_seconds > options_.timeout_seconds)
    options_.connect_timeout_seconds = options_.timeout_seconds;
}

RegistryClient::~RegistryClient() = default;

bool RegistryClient::uses_http(const ImageRef& ref) const {
  std::string host = lower(host_of(ref.registry));
  if (host == "127.0.0.1" || host == "localhost" || host == "::1") return true;
  for (const auto& r : options_.insecure_registries)
    if (lower(r) == lower(ref.registry) || lower(r) == host) return true;
  return false;
}

bool RegistryClient::request(const std::string& url, const std::string& authorization, bool https_only, Response& r,
                             std::string& error) {
  r = Response{};
  CURL* c = curl_easy_init();
  if (!c) {
    error = "cannot initialise libcurl";
    return false;
  }
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_slist* headers = curl_slist_append(nullptr, kAccept);
  if (!authorization.empty()) headers = curl_slist_append(headers, ("Authorization: " + authorization).c_str());
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "modak-pin");
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, https_only ? "https" : "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, https_only ? "https" : "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, options_.connect_timeout_seconds);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, options_.timeout_seconds);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, options_.timeout_seconds);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options_.ca_file.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.headers);
  CURLcode rc = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(c);
  if (rc == CURLE_OK) return true;
  std::string detail = errbuf[0] ? errbuf : curl_easy_strerror(rc);
  std::string where = url.substr(0, url.find('/', url.find("://") + 3));
  switch (rc) {
    case CURLE_COULDNT_CONNECT:
      error = "cannot connect to " + where + ": " + detail + " (is the registry running and the address right?)";
      break;
    case CURLE_COULDNT_RESOLVE_HOST:
      error = "cannot resolve the registry host of " + where + ": " + detail;
      break;
    case CURLE_OPERATION_TIMEDOUT:
      error = "no answer from " + where + " within the timeout of " + std::to_string(options_.timeout_seconds) +
              " s (" + detail + ")";
      break;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
      error = "TLS error talking to " + where + ": " + detail +
              " (a private CA: pass its certificate with --ca-file; a plain-HTTP registry: --insecure-registry HOST)";
      break;
    case CURLE_UNSUPPORTED_PROTOCOL:
      error = "refused " + url + ": " + detail + " (plain HTTP is only used for loopback hosts and --insecure-registry)";
      break;
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
      error = where + " closed the connection without an answer: " + detail;
      break;
    case CURLE_WRITE_ERROR:
      error = "the answer of " + url + " is larger than " + std::to_string(kMaxBody >> 20) + " MiB";
      break;
    default:
      error = "request to " + url + " failed: " + detail;
  }
  return false;
}

bool RegistryClient::fetch_token(const Challenge& ch, const ImageRef& ref, std::string& token, std::string& error) {
  auto realm = ch.params.find("realm");
  if (realm == ch.params.end() || realm->second.empty()) {
    error = ref.registry + " asks for a bearer token but names no realm";
    return false;
  }
  CURL* esc = curl_easy_init();
  auto escape = [esc](const std::string& s) {
    char* e = curl_easy_escape(esc, s.c_str(), static_cast<int>(s.size()));
    std::string out = e ? e : "";
    curl_free(e);
    return out;
  };
  std::string url = realm->second;
  char sep = url.find('?') == std::string::npos ? '?' : '&';
  if (auto s = ch.params.find("service"); s != ch.params.end()) {
    url += sep + std::string("service=") + escape(s->second);
    sep = '&';
  }
  auto scope = ch.params.find("scope");
  url += sep + std::string("scope=") + escape(scope != ch.params.end() ? scope->second : "repository:" + ref.repository + ":pull");
  curl_easy_cleanup(esc);
  std::string auth = options_.auth.empty() ? "" : "Basic " + base64(options_.auth);
  Response r;
  if (!request(url, auth, !uses_http(ref), r, error)) {
    error = "bearer token for " + ref.registry + ": " + error;
    return false;
  }
  if (r.status == 401 || r.status == 403) {
    error = "the token service of " + ref.registry + " refused " +
            (options_.auth.empty() ? "an anonymous request" : "the credentials") + " (HTTP " + std::to_string(r.status) +
            ")" + (options_.auth.empty() ? "; pass --registry-auth USER:PASSWORD or set MODAK_REGISTRY_AUTH" : "");
    return false;
  }
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (r.status != 200 || !j.is_object()) {
    error = "the token service of " + ref.registry + " answered HTTP " + std::to_string(r.status) + " without a token";
    return false;
  }
  for (const char* key : {"token", "access_token"})
    if (j.contains(key) && j[key].is_string() && !j[key].get<std::string>().empty()) {
      token = j[key].get<std::string>();
      return true;
    }
  error = "the token service of " + ref.registry + " answered without a token";
  return false;
}

bool RegistryClient::get_manifest(const ImageRef& ref, const std::string& reference, Response& r, std::string& error) {
  const std::string url = std::string(uses_http(ref) ? "http" : "https") + "://" + ref.api_host() + "/v2/" +
                          ref.repository + "/manifests/" + reference;
  const bool https_only = !uses_http(ref);
  const std::string key = ref.registry + "/" + ref.repository;
  std::string& auth = authorization_[key];
  if (!request(url, auth, https_only, r, error)) return false;
  if (r.status == 401) {
    Challenge ch;
    auto h = r.headers.find("www-authenticate");
    if (h == r.headers.end() || !parse_www_authenticate(h->second, ch)) {
      error = ref.canonical() + ": unauthorized (HTTP 401) and the registry names no usable authentication scheme";
      return false;
    }
    if (ch.scheme == "bearer") {
      std::string token;
      if (!fetch_token(ch, ref, token, error)) return false;
      auth = "Bearer " + token;
    } else if (ch.scheme == "basic") {
      if (options_.auth.empty()) {
        error = ref.canonical() + ": unauthorized (HTTP 401): " + ref.registry +
                " needs credentials; pass --registry-auth USER:PASSWORD or set MODAK_REGISTRY_AUTH";
        return false;
      }
      auth = "Basic " + base64(options_.auth);
    } else {
      error = ref.canonical() + ": unauthorized (HTTP 401) with an unsupported scheme '" + ch.scheme + "'";
      return false;
    }
    if (!request(url, auth, https_only, r, error)) return false;
    if (r.status == 401) {
      auth.clear();
      error = ref.canonical() + ": unauthorized (HTTP 401): " + ref.registry + " rejected " +
              (options_.auth.empty() ? "the anonymous token" : "the credentials") +
              (options_.auth.empty() ? "; pass --registry-auth USER:PASSWORD or set MODAK_REGISTRY_AUTH" : "");
      return false;
    }
  }
  if (r.status == 200) return true;
  std::string why = registry_error(r.body);
  if (r.status == 404)
    error = ref.canonical() + ": not found (HTTP 404" + (why.empty() ? "" : ", " + why) + "): no manifest '" + reference +
            "' in " + ref.registry + "/" + ref.repository;
  else if (r.status == 403)
    error = ref.canonical() + ": forbidden (HTTP 403" + (why.empty() ? "" : ", " + why) + ")";
  else
    error = ref.canonical() + ": the registry answered HTTP " + std::to_string(r.status) + (why.empty() ? "" : " (" + why + ")");
  return false;
}

bool RegistryClient::resolve(const ImageRef& ref, const std::string& architecture, Resolved& out, std::string& error) {
  out = Resolved{};
  Response r;
  if (!get_manifest(ref, ref.digest.empty() ? ref.tag : ref.digest, r, error)) return false;
  auto verify = [&](const Response& resp, const std::string& expected, std::string& digest) {
    const std::string computed = "sha256:" + sha256_hex(resp.body);
    auto h = resp.headers.find("docker-content-digest");
    digest = h != resp.headers.end() && !h->second.empty() ? h->second : computed;
    if (digest.rfind("sha256:", 0) == 0 && digest != computed) {
      error = ref.canonical() + ": the registry says the manifest is " + digest + " but its content hashes to " + computed;
      return false;
    }
    if (!expected.empty() && digest != expected) {
      error = ref.canonical() + ": asked for " + expected + " and got a manifest with digest " + digest;
      return false;
    }
    return true;
  };
  std::string digest;
  if (!verify(r, ref.digest, digest)) return false;
  auto body = nlohmann::json::parse(r.body, nullptr, false);
  auto ct = r.headers.find("content-type");
  out.media_type = media_type_of(ct == r.headers.end() ? "" : ct->second, body);
  if (!is_index(out.media_type)) {
    out.digest = digest;
    return true;
  }
  out.index_digest = digest;
  std::string entry;
  if (!choose_platform(r.body, architecture, entry, error)) {
    error = ref.canonical() + ": " + error;
    return false;
  }
  // The entry must exist too: a pinned reference that cannot be pulled is worse than a tag.
  Response m;
  if (!get_manifest(ref, entry, m, error)) return false;
  std::string entry_digest;
  if (!verify(m, entry, entry_digest)) return false;
  out.digest = entry;
  return true;
}

}  // namespace modak::pin
