#include "tosca/io/zip_archive.h"

#include <zip.h>

#include <sys/stat.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <utility>

namespace modak::io {

namespace {

// The loader sets a CSAR's entry and total limits from max_file_bytes and max_total_bytes (the
// hints are tosca::limit_hint's text; io does not depend on the loader's table).
constexpr const char* kEntryLimit = "max_file_bytes";
constexpr const char* kTotalLimit = "max_total_bytes";
constexpr const char* kEntryHint = " (limit max_file_bytes; raise it with --max-file-bytes)";
constexpr const char* kTotalHint = " (limit max_total_bytes; raise it with --max-total-bytes)";

bool has_drive_letter(std::string_view path) {
  // "C:..." is absolute on Windows; refuse it so an archive cannot target another drive when unpacked there.
  return path.size() >= 2 && path[1] == ':' && std::isalpha(static_cast<unsigned char>(path[0])) != 0;
}

bool is_directory_name(std::string_view name) { return !name.empty() && name.back() == '/'; }

std::string strip_leading_dot_slash(std::string_view name) {
  while (name.size() >= 2 && name[0] == '.' && name[1] == '/') name.remove_prefix(2);
  return std::string(name);
}

// `saved_errno` is errno as it was right after zip_open, before anything else could overwrite it.
std::string open_error_message(int zip_error_code, int saved_errno) {
  std::string message;
  switch (zip_error_code) {
    case ZIP_ER_NOZIP:
      message = "not a zip archive";
      break;
    case ZIP_ER_NOENT:
      message = std::string("cannot open: ") + std::strerror(ENOENT);
      break;
    case ZIP_ER_OPEN:
    case ZIP_ER_READ:
      message = std::string("cannot open: ") + std::strerror(saved_errno);
      break;
    case ZIP_ER_INCONS:
      message = "corrupt zip archive: inconsistent central directory";
      break;
    default: {
      zip_error_t zip_error;
      zip_error_init_with_code(&zip_error, zip_error_code);
      message = std::string("cannot open zip archive: ") + zip_error_strerror(&zip_error);
      zip_error_fini(&zip_error);
    }
  }
  return message;
}

}  // namespace

bool normalize_relative_path(std::string_view in, std::string& out) {
  if (in.empty() || in.front() == '/' || has_drive_letter(in)) return false;
  if (in.find('\\') != std::string_view::npos || in.find('\0') != std::string_view::npos) return false;

  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (start <= in.size()) {
    std::size_t end = in.find('/', start);
    if (end == std::string_view::npos) end = in.size();
    std::string_view segment = in.substr(start, end - start);
    if (segment == "..") {
      if (segments.empty()) return false;  // would escape the root
      segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    start = end + 1;
  }
  if (segments.empty()) return false;

  std::string joined;
  for (std::string_view segment : segments) {
    if (!joined.empty()) joined += '/';
    joined += segment;
  }
  out = std::move(joined);
  return true;
}

std::unique_ptr<ZipArchive> ZipArchive::open(const std::string& path, std::string& error, ZipLimits limits) {
  int zip_error_code = 0;
  zip_t* handle = zip_open(path.c_str(), ZIP_RDONLY, &zip_error_code);
  const int saved_errno = errno;
  if (handle == nullptr) {
    error = open_error_message(zip_error_code, saved_errno);
    return nullptr;
  }
  std::unique_ptr<ZipArchive> archive(new ZipArchive(handle, limits));
  if (!archive->index_entries(error)) return nullptr;
  return archive;
}

ZipArchive::ZipArchive(zip* handle, ZipLimits limits) : handle_(handle), limits_(limits) {}

ZipArchive::~ZipArchive() {
  // Read-only: discard rather than close so nothing is ever written back.
  zip_discard(handle_);
}

bool ZipArchive::index_entries(std::string& error) {
  const zip_int64_t count = zip_get_num_entries(handle_, 0);
  if (count < 0) {
    error = "cannot list zip entries";
    return false;
  }
  if (static_cast<std::uint64_t>(count) > limits_.max_entries) {
    error = "zip archive has " + std::to_string(count) + " entries, more than the limit of " +
            std::to_string(limits_.max_entries);
    return false;
  }
  for (zip_uint64_t index = 0; index < static_cast<zip_uint64_t>(count); ++index) {
    const char* stored = zip_get_name(handle_, index, ZIP_FL_ENC_GUESS);
    if (stored == nullptr || is_directory_name(stored)) continue;
    std::string name;
    // Unsafe names stay verbatim so that callers can report them; read() rejects them anyway.
    if (!normalize_relative_path(stored, name)) name = strip_leading_dot_slash(stored);
    if (index_by_name_.emplace(name, index).second) entries_.push_back(name);
  }
  return true;
}

const std::vector<std::string>& ZipArchive::entries() const { return entries_; }

bool ZipArchive::contains(const std::string& name) const { return index_by_name_.count(name) != 0; }

bool ZipArchive::is_symlink(std::uint64_t index) const {
  zip_uint8_t opsys = 0;
  zip_uint32_t attributes = 0;
  if (zip_file_get_external_attributes(handle_, index, 0, &opsys, &attributes) != 0) return false;
  // Unix zips keep st_mode in the upper 16 bits of the external attributes.
  return opsys == ZIP_OPSYS_UNIX && ((attributes >> 16) & S_IFMT) == S_IFLNK;
}

bool ZipArchive::check_declared_size(std::uint64_t index, const std::string& name, std::string& error,
                                     std::string* limit) const {
  zip_stat_t stat;
  zip_stat_init(&stat);
  if (zip_stat_index(handle_, index, 0, &stat) != 0 || (stat.valid & ZIP_STAT_SIZE) == 0) return true;
  if (stat.size > limits_.max_entry_bytes) {
    error = "zip entry '" + name + "' is " + std::to_string(stat.size) + " bytes, more than the limit of " +
            std::to_string(limits_.max_entry_bytes) + " bytes" + kEntryHint;
    if (limit) *limit = kEntryLimit;
    return false;
  }
  if (stat.size > limits_.max_total_bytes - total_bytes_read_) {
    error = "reading zip entry '" + name + "' would exceed the total limit of " +
            std::to_string(limits_.max_total_bytes) + " bytes" + kTotalHint;
    if (limit) *limit = kTotalLimit;
    return false;
  }
  return true;
}

bool ZipArchive::inflate(std::uint64_t index, const std::string& name, std::string& out, std::string& error,
                         std::string* limit) {
  zip_file_t* file = zip_fopen_index(handle_, index, 0);
  if (file == nullptr) {
    error = "cannot open zip entry '" + name + "': " + zip_strerror(handle_);
    return false;
  }
  std::string data;
  std::array<char, 64 * 1024> buffer{};
  bool ok = true;
  for (;;) {
    const zip_int64_t got = zip_fread(file, buffer.data(), buffer.size());
    if (got < 0) {
      error = "cannot read zip entry '" + name + "': " + zip_file_strerror(file);
      ok = false;
      break;
    }
    if (got == 0) break;
    data.append(buffer.data(), static_cast<std::size_t>(got));
    // Counted on the inflated bytes, not the header, so an entry that lies about its size is still caught.
    if (data.size() > limits_.max_entry_bytes) {
      error = "zip entry '" + name + "' inflates to more than the limit of " +
              std::to_string(limits_.max_entry_bytes) + " bytes" + kEntryHint;
      if (limit) *limit = kEntryLimit;
      ok = false;
      break;
    }
    if (data.size() > limits_.max_total_bytes - total_bytes_read_) {
      error = "reading zip entry '" + name + "' would exceed the total limit of " +
              std::to_string(limits_.max_total_bytes) + " bytes" + kTotalHint;
      if (limit) *limit = kTotalLimit;
      ok = false;
      break;
    }
  }
  zip_fclose(file);
  if (!ok) return false;
  total_bytes_read_ += data.size();
  out = std::move(data);
  return true;
}

bool ZipArchive::read(const std::string& name, std::string& out, std::string& error, std::string* limit) {
  if (limit) limit->clear();
  std::string normalized;
  if (!normalize_relative_path(name, normalized)) {
    error = "unsafe zip entry name '" + name + "'";
    return false;
  }
  const auto found = index_by_name_.find(normalized);
  if (found == index_by_name_.end()) {
    error = "zip entry '" + normalized + "' not found";
    return false;
  }
  const std::uint64_t index = found->second;
  if (is_symlink(index)) {
    error = "zip entry '" + normalized + "' is a symbolic link, which is not allowed";
    return false;
  }
  if (!check_declared_size(index, normalized, error, limit)) return false;
  return inflate(index, normalized, out, error, limit);
}

}  // namespace modak::io
