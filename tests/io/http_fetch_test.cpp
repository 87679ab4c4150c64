#include "tosca/io/http_fetch.h"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/temp_dir.h"

namespace {

namespace fs = std::filesystem;
using modak::io::fetch_url;
using modak::io::FetchOptions;
using modak::io::FetchResult;
using modak::io::parse_url;
using modak::io::UrlParts;

constexpr const char* kPython = "/usr/bin/python3";

// Serves a directory over http or https on 127.0.0.1 (port 0 = any free port), or, in "silent" mode,
// accepts connections and never answers. Prints the port on the first stdout line.
// Extra routes: /redirect?<url-encoded target> answers 302, /loop redirects to itself,
// /stream/<n> sends n bytes without Content-Length.
constexpr const char* kServerScript = R"PY(
import http.server, socket, ssl, sys, urllib.parse

def serve_silent():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    print(listener.getsockname()[1], flush=True)
    held = []
    while True:
        connection, _ = listener.accept()
        held.append(connection)

def make_handler(root):
    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=root, **kwargs)

        def log_message(self, *args):
            pass

        def redirect(self, target):
            self.send_response(302)
            self.send_header("Location", target)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self):
            if self.path.startswith("/redirect?"):
                self.redirect(urllib.parse.unquote(self.path[len("/redirect?"):]))
            elif self.path == "/loop":
                self.redirect("/loop")
            elif self.path.startswith("/stream/"):
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"x" * int(self.path[len("/stream/"):]))
            else:
                super().do_GET()
    return Handler

class Server(http.server.ThreadingHTTPServer):
    request_queue_size = 64  # the default backlog of 5 drops SYNs when several clients connect at once

def serve_directory(root, cert=None, key=None):
    server = Server(("127.0.0.1", 0), make_handler(root))
    if cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    server.serve_forever()

if sys.argv[1] == "silent":
    serve_silent()
elif sys.argv[1] == "http":
    serve_directory(sys.argv[2])
else:
    serve_directory(sys.argv[2], sys.argv[3], sys.argv[4])
)PY";

// ---- scaffolding ---------------------------------------------------------------------------------

using modak::test::TempDir;

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string find_program(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  for (std::size_t start = 0; start <= dirs.size();) {
    std::size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    const std::string candidate = dirs.substr(start, end - start) + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return {};
}

std::vector<char*> c_argv(std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  return argv;
}

// Runs a program to completion with its output discarded; returns its exit status (-1 if it did not exit).
int run_quietly(std::vector<std::string> args) {
  std::vector<char*> argv = c_argv(args);
  const pid_t pid = fork();
  if (pid == 0) {
    const int null_fd = open("/dev/null", O_WRONLY);
    dup2(null_fd, STDOUT_FILENO);
    dup2(null_fd, STDERR_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

// A child server process, killed by PID when this goes out of scope (and by the kernel, through
// PR_SET_PDEATHSIG, if the test binary itself dies first).
class ChildServer {
 public:
  ChildServer() = default;
  ChildServer(const ChildServer&) = delete;
  ChildServer& operator=(const ChildServer&) = delete;
  ~ChildServer() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (stdout_fd_ >= 0) close(stdout_fd_);
  }

  // Starts `args`, with stderr going to `log_path`, and waits for the port on its first stdout line.
  bool start(std::vector<std::string> args, const std::string& log_path, std::string& error) {
    if (!spawn(args, log_path)) {
      error = "fork or pipe failed";
      return false;
    }
    if (!read_port_line()) {
      error = "server did not report a port; its stderr:\n" + read_text(log_path);
      return false;
    }
    return true;
  }
  int port() const { return port_; }

 private:
  bool spawn(std::vector<std::string>& args, const std::string& log_path) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return false;
    std::vector<char*> argv = c_argv(args);
    const pid_t parent = getpid();
    pid_ = fork();
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(127);  // the parent died before prctl took effect
      dup2(fds[1], STDOUT_FILENO);
      const int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (log_fd >= 0) dup2(log_fd, STDERR_FILENO);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(fds[1]);
    stdout_fd_ = fds[0];
    return pid_ > 0;
  }

  bool read_port_line() {
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd readable{stdout_fd_, POLLIN, 0};
      if (poll(&readable, 1, 100) <= 0) continue;
      char c = 0;
      if (read(stdout_fd_, &c, 1) != 1) return false;
      if (c == '\n') {
        port_ = std::atoi(line.c_str());
        return port_ > 0;
      }
      line += c;
    }
    return false;
  }

  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  int port_ = 0;
};

bool python_missing() {
  if (access(kPython, X_OK) == 0) return false;
  MESSAGE("SKIP: " << kPython << " not found");
  return true;
}

// Starts the test server script in `dir` with the given mode arguments.
void start_server(ChildServer& server, const TempDir& dir, std::vector<std::string> mode_args) {
  write_text(dir.file("server.py"), kServerScript);
  std::vector<std::string> args{kPython, dir.file("server.py")};
  args.insert(args.end(), mode_args.begin(), mode_args.end());
  std::string error;
  REQUIRE_MESSAGE(server.start(args, dir.file("server.log"), error), error);
}

// A directory tree to serve, kept apart from the script and log.
std::string make_site(const TempDir& dir) {
  const std::string site = dir.file("site");
  fs::create_directory(site);
  write_text(site + "/service.yaml", "tosca_definitions_version: tosca_2_0\n");
  write_text(site + "/64k.bin", std::string(64 * 1024, 'a'));
  write_text(site + "/64k-plus-1.bin", std::string(64 * 1024 + 1, 'a'));
  return site;
}

FetchOptions loopback_options() {
  FetchOptions options;
  options.allowed_hosts = {"127.0.0.1"};
  options.allow_http = true;
  options.connect_timeout_ms = 1000;
  options.total_timeout_ms = 1500;
  return options;
}

std::string url_for(const char* scheme, int port, const std::string& path) {
  return std::string(scheme) + "://127.0.0.1:" + std::to_string(port) + path;
}

// A listening socket nobody should connect to; reports whether anyone did.
class TripwireListener {
 public:
  TripwireListener() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&address), length) != 0 || listen(fd_, 4) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0)
      throw std::runtime_error("cannot open a loopback listener");
    port_ = ntohs(address.sin_port);
  }
  ~TripwireListener() { close(fd_); }
  TripwireListener(const TripwireListener&) = delete;
  TripwireListener& operator=(const TripwireListener&) = delete;
  int port() const { return port_; }
  bool was_connected() const {
    const int connection = accept(fd_, nullptr, nullptr);
    if (connection < 0) return false;
    close(connection);
    return true;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

UrlParts parsed(std::string_view url) {
  UrlParts parts;
  parts.scheme = "<rejected>";
  if (!parse_url(url, parts)) return parts;
  return parts;
}

bool parse_fails(std::string_view url) {
  UrlParts parts;
  return !parse_url(url, parts);
}

}  // namespace

TEST_SUITE("unit") {
  TEST_CASE("parse_url splits and lower-cases scheme and host") {
    UrlParts parts = parsed("HTTPS://Example.COM:8443/Profiles/Base.yaml?x=1");
    CHECK(parts.scheme == "https");
    CHECK(parts.host == "example.com");
    CHECK(parts.port == "8443");
    CHECK(parts.path == "/Profiles/Base.yaml?x=1");  // path case is kept

    parts = parsed("http://127.0.0.1");
    CHECK(parts.host == "127.0.0.1");
    CHECK(parts.port.empty());
    CHECK(parts.path == "/");

    parts = parsed("http://[::1]:8080/a");
    CHECK(parts.host == "::1");
    CHECK(parts.port == "8080");

    CHECK(parsed("http://host?q").path == "/?q");
  }

  TEST_CASE("parse_url rejects what is not scheme://host[:port]/path") {
    CHECK(parse_fails(""));
    CHECK(parse_fails("example.com/a.yaml"));
    CHECK(parse_fails("/local/file.yaml"));
    CHECK(parse_fails("http:///path"));                  // empty host
    CHECK(parse_fails("http://allowed.org@evil.org/"));  // user info hides the real host
    CHECK(parse_fails("http://evil.org\\@allowed.org/"));
    CHECK(parse_fails("http://ex%61mple.com/"));
    CHECK(parse_fails("http://host:/"));
    CHECK(parse_fails("http://host:0/"));
    CHECK(parse_fails("http://host:65536/"));
    CHECK(parse_fails("http://host:80a/"));
    CHECK(parse_fails("http://[::1/"));
    CHECK(parse_fails("http://host/a b"));
    CHECK(parse_fails("http://host/a\nb"));
    CHECK(parse_fails("1http://host/"));
  }

  TEST_CASE("fetch_url refuses by policy before any network access") {
    FetchOptions options;
    options.allowed_hosts = {"example.org"};

    FetchResult result = fetch_url("ftp://example.org/a.yaml", options);
    CHECK_FALSE(result.ok);
    CHECK(result.error == "cannot fetch 'ftp://example.org/a.yaml': scheme 'ftp' is not supported (only http and https)");

    result = fetch_url("http://example.org/a.yaml", options);
    CHECK(result.error == "cannot fetch 'http://example.org/a.yaml': plain http is not allowed (only https)");

    result = fetch_url("https://example.com/a.yaml", options);
    CHECK(result.error ==
          "cannot fetch 'https://example.com/a.yaml': host 'example.com' is not in the allow-list (--allow-host)");

    result = fetch_url("https://sub.example.org/a.yaml", options);  // exact names: no subdomain matching
    CHECK(result.error ==
          "cannot fetch 'https://sub.example.org/a.yaml': host 'sub.example.org' is not in the allow-list "
          "(--allow-host)");

    result = fetch_url("https://example.org@example.com/", options);
    CHECK(result.error == "cannot fetch 'https://example.org@example.com/': not a valid http(s) URL");

    result = fetch_url("https://example.org/a.yaml", FetchOptions{});  // empty allow-list allows nothing
    CHECK(result.error ==
          "cannot fetch 'https://example.org/a.yaml': host 'example.org' is not in the allow-list (--allow-host)");

    options.ca_file = "/nonexistent/ca.pem";
    result = fetch_url("https://example.org/a.yaml", options);
    CHECK(result.error == "cannot fetch 'https://example.org/a.yaml': cannot read CA file '/nonexistent/ca.pem'");
    CHECK(result.http_status == 0);
    CHECK(result.body.empty());
  }
}

TEST_SUITE("real") {
  TEST_CASE("fetch: a host not in the allow-list is refused without connecting") {
    TripwireListener listener;
    FetchOptions options = loopback_options();
    options.allowed_hosts = {"localhost"};  // same machine, different name: still not allowed
    const std::string url = url_for("http", listener.port(), "/service.yaml");
    const FetchResult result = fetch_url(url, options);
    CHECK_FALSE(result.ok);
    CHECK(result.error == "cannot fetch '" + url + "': host '127.0.0.1' is not in the allow-list (--allow-host)");
    CHECK_FALSE(listener.was_connected());

    options.allowed_hosts = {"127.0.0.1"};  // the tripwire itself works: an allowed fetch does connect
    options.total_timeout_ms = 200;
    fetch_url(url, options);
    CHECK(listener.was_connected());
  }

  TEST_CASE("fetch: plain http from an allowed host, errors for 404 and oversized bodies") {
    if (python_missing()) return;
    TempDir dir;
    ChildServer server;
    start_server(server, dir, {"http", make_site(dir)});
    const FetchOptions options = loopback_options();

    const std::string ok_url = url_for("http", server.port(), "/service.yaml");
    FetchResult result = fetch_url(ok_url, options);
    CHECK_MESSAGE(result.ok, result.error);
    CHECK(result.http_status == 200);
    CHECK(result.body == "tosca_definitions_version: tosca_2_0\n");
    CHECK(result.final_url == ok_url);
    CHECK(result.error.empty());

    const std::string missing_url = url_for("http", server.port(), "/missing.yaml");
    result = fetch_url(missing_url, options);
    CHECK_FALSE(result.ok);
    CHECK(result.http_status == 404);
    CHECK(result.error == "cannot fetch '" + missing_url + "': HTTP 404");
    CHECK(result.body.empty());

    FetchOptions small = options;
    small.max_bytes = 64 * 1024;
    CHECK(fetch_url(url_for("http", server.port(), "/64k.bin"), small).ok);  // exactly at the limit
    CHECK(fetch_url(url_for("http", server.port(), "/stream/65536"), small).ok);
    // Declared by Content-Length (refused up front) and streamed without it (cut off while reading).
    for (const char* path : {"/64k-plus-1.bin", "/stream/65537", "/stream/10000000"}) {
      const std::string big_url = url_for("http", server.port(), path);
      result = fetch_url(big_url, small);
      CHECK_FALSE(result.ok);
      CHECK(result.error == "cannot fetch '" + big_url + "': response larger than 65536 bytes (limit max_fetch_bytes; raise it with --max-fetch-bytes)");
      CHECK(result.body.empty());
    }
  }

  TEST_CASE("fetch: redirects are followed only to allowed hosts and only so far") {
    if (python_missing()) return;
    TempDir dir;
    ChildServer server;
    start_server(server, dir, {"http", make_site(dir)});
    const FetchOptions options = loopback_options();
    const std::string port = std::to_string(server.port());

    std::string url = url_for("http", server.port(), "/redirect?/service.yaml");
    FetchResult result = fetch_url(url, options);
    CHECK_MESSAGE(result.ok, result.error);
    CHECK(result.body == "tosca_definitions_version: tosca_2_0\n");
    CHECK(result.final_url == url_for("http", server.port(), "/service.yaml"));

    url = url_for("http", server.port(), "/redirect?http%3A//localhost%3A" + port + "/service.yaml");
    result = fetch_url(url, options);
    CHECK_FALSE(result.ok);
    CHECK(result.error == "cannot fetch '" + url + "': redirected to 'http://localhost:" + port +
                              "/service.yaml', which is refused: host 'localhost' is not in the allow-list "
                              "(--allow-host)");
    CHECK(result.final_url == url);

    url = url_for("http", server.port(), "/loop");
    result = fetch_url(url, options);
    CHECK(result.error == "cannot fetch '" + url + "': too many redirects (more than 3)");

    FetchOptions no_redirects = options;
    no_redirects.max_redirects = 0;
    result = fetch_url(url_for("http", server.port(), "/redirect?/service.yaml"), no_redirects);
    CHECK_FALSE(result.ok);
    CHECK(result.http_status == 302);
  }

  TEST_CASE("fetch: a server that accepts but never answers times out") {
    if (python_missing()) return;
    TempDir dir;
    ChildServer server;
    start_server(server, dir, {"silent"});
    const FetchOptions options = loopback_options();
    const std::string url = url_for("http", server.port(), "/service.yaml");

    const auto started = std::chrono::steady_clock::now();
    const FetchResult result = fetch_url(url, options);
    const auto elapsed_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    CHECK_FALSE(result.ok);
    CHECK(result.error == "cannot fetch '" + url + "': timed out after 1500 ms (limit fetch_timeout_ms; raise it with --fetch-timeout)");
    CHECK(elapsed_ms >= 1400);
    CHECK(elapsed_ms < 3000);
  }

  TEST_CASE("fetch: https verifies certificates, an extra CA file makes a private one trusted") {
    if (python_missing()) return;
    const std::string openssl = find_program("openssl");
    if (openssl.empty()) {
      MESSAGE("SKIP: openssl not found");
      return;
    }
    TempDir dir;
    const std::string cert = dir.file("cert.pem");
    const std::string key = dir.file("key.pem");
    REQUIRE(run_quietly({openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                         "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out",
                         cert}) == 0);
    ChildServer server;
    start_server(server, dir, {"https", make_site(dir), cert, key});
    FetchOptions options = loopback_options();
    options.allow_http = false;
    const std::string url = url_for("https", server.port(), "/service.yaml");

    FetchResult result = fetch_url(url, options);
    CHECK_FALSE(result.ok);
    CHECK(result.error.rfind("cannot fetch '" + url + "': TLS certificate verification failed: ", 0) == 0);

    options.ca_file = cert;
    result = fetch_url(url, options);
    CHECK_MESSAGE(result.ok, result.error);
    CHECK(result.body == "tosca_definitions_version: tosca_2_0\n");

    // A redirect must not downgrade https to plain http unless http is allowed.
    const std::string downgrade =
        url_for("https", server.port(), "/redirect?http%3A//127.0.0.1%3A" + std::to_string(server.port()) + "/x");
    result = fetch_url(downgrade, options);
    CHECK_FALSE(result.ok);
    CHECK(result.error.find("which is refused: plain http is not allowed (only https)") != std::string::npos);
  }

  TEST_CASE("fetch: concurrent fetches from several threads") {
    if (python_missing()) return;
    TempDir dir;
    ChildServer server;
    start_server(server, dir, {"http", make_site(dir)});
    const FetchOptions options = loopback_options();
    const std::string url = url_for("http", server.port(), "/64k.bin");

    std::vector<FetchResult> results(8);
    std::vector<std::thread> threads;
    for (FetchResult& slot : results) threads.emplace_back([&slot, &url, &options] { slot = fetch_url(url, options); });
    for (std::thread& thread : threads) thread.join();
    for (const FetchResult& result : results) {
      CHECK_MESSAGE(result.ok, result.error);
      CHECK(result.body.size() == 64 * 1024);
    }
  }
}
