#include "tosca/io/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace modak::io {

namespace {
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};
std::string errno_text() { return std::strerror(errno); }
}  // namespace

bool read_file(const std::string& path, std::string& out, std::string& error, std::uint64_t max_bytes,
               bool* too_large) {
  if (too_large) *too_large = false;
  Fd f;
  f.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (f.fd < 0) {
    error = "cannot open '" + path + "': " + errno_text();
    return false;
  }
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) {
    error = "cannot stat '" + path + "': " + errno_text();
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    error = "'" + path + "' is not a regular file";
    return false;
  }
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes) {
    error = "'" + path + "' has " + std::to_string(st.st_size) + " bytes, more than the limit of " +
            std::to_string(max_bytes) + " bytes (limit max_file_bytes; raise it with --max-file-bytes)";
    if (too_large) *too_large = true;
    return false;
  }
  out.clear();
  out.resize(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::read(f.fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = "cannot read '" + path + "': " + errno_text();
      return false;
    }
    if (n == 0) break;  // the file shrank while we read it
    done += static_cast<std::size_t>(n);
  }
  out.resize(done);
  return true;
}

namespace {

bool write_all(int fd, const std::string& content, const std::string& name, std::string& error) {
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = "cannot write '" + name + "': " + errno_text();
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// `-o /dev/null`, a named pipe: written in place. Renaming a temporary file over them would
// replace the device or pipe itself (as root, /dev/null would become a plain file). Files under
// /dev and /proc are never replaced either: /dev/stdout is a link to whatever stdout is, even a
// plain file, and renaming over the link would replace it.
bool is_special(const std::string& path, bool& is_dir) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return false;
  is_dir = S_ISDIR(st.st_mode);
  if (is_dir) return false;
  return !S_ISREG(st.st_mode) || path.rfind("/dev/", 0) == 0 || path.rfind("/proc/", 0) == 0;
}

// A link to a regular file: its target is replaced, so the link stays a link.
std::string through_links(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return path;
  std::error_code ec;
  std::filesystem::path real = std::filesystem::canonical(path, ec);
  return ec ? path : real.string();
}

}  // namespace

bool write_file_atomic(const std::string& path, const std::string& content, std::string& error) {
  namespace fs = std::filesystem;
  bool is_dir = false;
  if (is_special(path, is_dir)) {
    // /dev/stdout and /dev/stderr: the descriptor itself, so `>>` still appends.
    if (path == "/dev/stdout") return write_all(STDOUT_FILENO, content, path, error);
    if (path == "/dev/stderr") return write_all(STDERR_FILENO, content, path, error);
    Fd f;
    f.fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (f.fd < 0) {
      error = "cannot open '" + path + "': " + errno_text();
      return false;
    }
    return write_all(f.fd, content, path, error);
  }
  if (is_dir) {
    error = "cannot write '" + path + "': it is a directory";
    return false;
  }
  fs::path target(through_links(path));
  std::string tmpl = (target.parent_path().empty() ? fs::path(".") : target.parent_path()).string() + "/." +
                     target.filename().string() + ".tmp-XXXXXX";
  std::string tmp = tmpl;
  Fd f;
  f.fd = ::mkstemp(tmp.data());
  if (f.fd < 0) {
    error = "cannot create a temporary file beside '" + path + "': " + errno_text();
    return false;
  }
  if (!write_all(f.fd, content, tmp, error)) {
    ::unlink(tmp.c_str());
    return false;
  }
  if (::fchmod(f.fd, 0644) != 0 || ::fsync(f.fd) != 0) {
    error = "cannot finish '" + tmp + "': " + errno_text();
    ::unlink(tmp.c_str());
    return false;
  }
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    error = "cannot rename '" + tmp + "' to '" + target.string() + "': " + errno_text();
    ::unlink(tmp.c_str());
    return false;
  }
  return true;
}

}  // namespace modak::io
