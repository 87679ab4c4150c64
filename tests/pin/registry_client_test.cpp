// Digest pinning without a registry: reference parsing, WWW-Authenticate parsing, the platform
// choice in an image index, and SHA-256. The live registry is tests/scripts/pin_registry_test.sh.
#include <doctest/doctest.h>

#include "plugin/pin/registry_client.h"

using namespace modak::pin;

namespace {
ImageRef parse_ok(const std::string& s) {
  ImageRef r;
  std::string error;
  INFO(s);
  CHECK_MESSAGE(parse_reference(s, r, error), error);
  return r;
}
std::string parse_error(const std::string& s) {
  ImageRef r;
  std::string error;
  CHECK_FALSE(parse_reference(s, r, error));
  return error;
}
}  // namespace

TEST_SUITE("unit") {
TEST_CASE("pin: Docker Hub defaults") {
  ImageRef r = parse_ok("ubuntu");
  CHECK(r.registry == "docker.io");
  CHECK(r.api_host() == "registry-1.docker.io");
  CHECK(r.repository == "library/ubuntu");
  CHECK(r.tag == "latest");
  CHECK(r.digest.empty());
  CHECK(r.pinned("sha256:" + std::string(64, 'a')) == "ubuntu@sha256:" + std::string(64, 'a'));

  r = parse_ok("docker://ethcscs/openmpi:3.1.3");
  CHECK(r.prefix == "docker://");
  CHECK(r.registry == "docker.io");
  CHECK(r.repository == "ethcscs/openmpi");
  CHECK(r.tag == "3.1.3");
  CHECK(r.pinned("sha256:" + std::string(64, '0')) == "docker://ethcscs/openmpi@sha256:" + std::string(64, '0'));

  r = parse_ok("docker.io/library/debian:bookworm");
  CHECK(r.repository == "library/debian");
  CHECK(r.written_name == "docker.io/library/debian");
  r = parse_ok("index.docker.io/nginx");
  CHECK(r.registry == "docker.io");
  CHECK(r.repository == "library/nginx");
}

TEST_CASE("pin: registries, ports, tags and digests") {
  ImageRef r = parse_ok("127.0.0.1:5000/test/a:1");
  CHECK(r.registry == "127.0.0.1:5000");
  CHECK(r.repository == "test/a");
  CHECK(r.tag == "1");
  CHECK(r.written_name == "127.0.0.1:5000/test/a");

  r = parse_ok("localhost/app");  // localhost counts as a registry even without a port
  CHECK(r.registry == "localhost");
  CHECK(r.repository == "app");
  CHECK(r.tag == "latest");

  r = parse_ok("localhost:5000/app");  // the port is not a tag
  CHECK(r.registry == "localhost:5000");
  CHECK(r.tag == "latest");

  const std::string d = "sha256:" + std::string(64, 'f');
  r = parse_ok("quay.io/org/sub/app:v1.2-rc_3@" + d);
  CHECK(r.registry == "quay.io");
  CHECK(r.repository == "org/sub/app");
  CHECK(r.tag == "v1.2-rc_3");
  CHECK(r.digest == d);
  CHECK(r.pinned(d) == "quay.io/org/sub/app@" + d);

  r = parse_ok("ghcr.io/a/b@" + d);
  CHECK(r.tag.empty());
  CHECK(r.canonical() == "ghcr.io/a/b@" + d);

  r = parse_ok("modakopt/modak:tensorflow-2.1-cpu-pip");
  CHECK(r.repository == "modakopt/modak");
  CHECK(r.tag == "tensorflow-2.1-cpu-pip");
}

TEST_CASE("pin: malformed references are refused with a reason") {
  CHECK(parse_error("").find("empty") != std::string::npos);
  CHECK(parse_error("docker://AI/containers/tensorflow/x").find("repository") != std::string::npos);
  CHECK(parse_error("shub://org/img").find("not a registry image reference") != std::string::npos);
  CHECK(parse_error("ubuntu@sha256:abc").find("digest") != std::string::npos);
  CHECK(parse_error("ubuntu:bad/tag").find("registry") != std::string::npos);  // a port must be digits
  CHECK(parse_ok("[::1]:5000/a/b:2").registry == "[::1]:5000");
  CHECK(parse_error("ubuntu:-x").find("tag") != std::string::npos);
  CHECK(parse_error("a//b").find("repository") != std::string::npos);
}

TEST_CASE("pin: WWW-Authenticate challenges") {
  Challenge c;
  REQUIRE(parse_www_authenticate(
      R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/ubuntu:pull")", c));
  CHECK(c.scheme == "bearer");
  CHECK(c.params["realm"] == "https://auth.docker.io/token");
  CHECK(c.params["service"] == "registry.docker.io");
  CHECK(c.params["scope"] == "repository:library/ubuntu:pull");

  REQUIRE(parse_www_authenticate(R"(Basic realm="Registry Realm")", c));
  CHECK(c.scheme == "basic");
  CHECK(c.params["realm"] == "Registry Realm");

  // Spaces after commas, unquoted values, scopes with commas inside quotes, escaped quotes.
  REQUIRE(parse_www_authenticate(R"(bearer realm=https://r.example/t, service = reg ,scope="repository:a/b:pull,push", error="x\"y")", c));
  CHECK(c.scheme == "bearer");
  CHECK(c.params["realm"] == "https://r.example/t");
  CHECK(c.params["service"] == "reg");
  CHECK(c.params["scope"] == "repository:a/b:pull,push");
  CHECK(c.params["error"] == "x\"y");

  CHECK_FALSE(parse_www_authenticate(R"(Bearer realm="unterminated)", c));
  CHECK_FALSE(parse_www_authenticate("   ", c));
}

TEST_CASE("pin: the platform entry of an image index") {
  const std::string index = R"({
    "schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.index.v1+json",
    "manifests": [
      {"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 1,
       "digest": "sha256:1111111111111111111111111111111111111111111111111111111111111111",
       "platform": {"architecture": "amd64", "os": "linux"}},
      {"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 1,
       "digest": "sha256:2222222222222222222222222222222222222222222222222222222222222222",
       "platform": {"architecture": "arm64", "os": "linux", "variant": "v7"}},
      {"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 1,
       "digest": "sha256:3333333333333333333333333333333333333333333333333333333333333333",
       "platform": {"architecture": "arm64", "os": "linux", "variant": "v8"}},
      {"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 1,
       "digest": "sha256:4444444444444444444444444444444444444444444444444444444444444444",
       "platform": {"architecture": "ppc64le", "os": "windows"}},
      {"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 1,
       "digest": "sha256:5555555555555555555555555555555555555555555555555555555555555555",
       "platform": {"architecture": "unknown", "os": "unknown"}}
    ]})";
  std::string digest, error;
  REQUIRE(choose_platform(index, "amd64", digest, error));
  CHECK(digest == "sha256:" + std::string(64, '1'));
  REQUIRE(choose_platform(index, "arm64", digest, error));
  CHECK(digest == "sha256:" + std::string(64, '3'));  // v8 preferred
  CHECK_FALSE(choose_platform(index, "ppc64le", digest, error));  // only a windows one
  CHECK(error.find("linux/ppc64le") != std::string::npos);
  CHECK(error.find("linux/amd64") != std::string::npos);  // what it offers
  CHECK(error.find("unknown") == std::string::npos);      // attestations are not platforms
  CHECK_FALSE(choose_platform("{\"manifests\": 3}", "amd64", digest, error));
  CHECK_FALSE(choose_platform("not json", "amd64", digest, error));
}

TEST_CASE("pin: ISA levels to OCI architectures") {
  CHECK(architecture_for_isa("x86-64") == "amd64");
  CHECK(architecture_for_isa("x86-64-v3") == "amd64");
  CHECK(architecture_for_isa("armv8-a") == "arm64");
  CHECK(architecture_for_isa("armv8.2-a") == "arm64");
  CHECK(architecture_for_isa("power9") == "ppc64le");
  CHECK(architecture_for_isa("arm64") == "arm64");
  CHECK(architecture_for_isa("ppc64le") == "ppc64le");
  CHECK(architecture_for_isa("riscv64").empty());
  CHECK_FALSE(host_architecture().empty());
}

TEST_CASE("pin: sha256") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex(std::string(1000000, 'a')) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("pin: credentials from the flag or MODAK_REGISTRY_AUTH") {
  setenv("MODAK_REGISTRY_AUTH", "env:secret", 1);
  CHECK(registry_auth_from("") == "env:secret");
  CHECK(registry_auth_from("flag:pw") == "flag:pw");
  unsetenv("MODAK_REGISTRY_AUTH");
  CHECK(registry_auth_from("").empty());
}

TEST_CASE("pin: plain HTTP only for loopback and --insecure-registry hosts") {
  ClientOptions o;
  o.insecure_registries = {"reg.lan:5000", "other.lan"};
  RegistryClient c(o);
  auto http = [&](const std::string& s) { return c.uses_http(parse_ok(s)); };
  CHECK(http("127.0.0.1:5000/a"));
  CHECK(http("localhost/a"));
  CHECK(http("reg.lan:5000/a"));
  CHECK(http("other.lan:443/a"));
  CHECK_FALSE(http("reg.lan/a"));  // only the named port
  CHECK_FALSE(http("127.0.0.2:5000/a"));
  CHECK_FALSE(http("ubuntu"));
  CHECK_FALSE(http("quay.io/a/b"));
}

TEST_CASE("pin: a refused connection is a clear, quick error") {
  ClientOptions o;
  o.timeout_seconds = 5;
  RegistryClient c(o);
  Resolved r;
  std::string error;
  // Port 1 on loopback: nothing listens there in the test environment.
  CHECK_FALSE(c.resolve(parse_ok("127.0.0.1:1/x/y:1"), "amd64", r, error));
  CHECK(error.find("cannot connect") != std::string::npos);
}
}
