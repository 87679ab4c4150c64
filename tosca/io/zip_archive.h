#pragma once
// Read-only access to zip archives (CSAR files) with guards against hostile archives:
// path traversal, symlink entries and decompression bombs.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct zip;  // libzip's archive handle (zip_t); kept out of this header.

namespace modak::io {

struct ZipLimits {
  std::uint64_t max_entry_bytes = 64ull << 20;   // largest single entry, uncompressed
  std::uint64_t max_total_bytes = 256ull << 20;  // all read() calls together, uncompressed
  std::size_t max_entries = 100000;
};

// Not thread-safe: libzip handles may not be shared between threads. Use one ZipArchive per thread.
class ZipArchive {
 public:
  // Opens a zip file read-only. On failure returns nullptr and sets `error` to a human-readable reason
  // (e.g. "not a zip archive", "cannot open: No such file or directory").
  static std::unique_ptr<ZipArchive> open(const std::string& path, std::string& error, ZipLimits limits = {});
  ~ZipArchive();
  ZipArchive(const ZipArchive&) = delete;
  ZipArchive& operator=(const ZipArchive&) = delete;

  // Entry names as stored (normalised: no leading "./"), directories excluded, in archive order.
  // A stored name that is unsafe (e.g. "../evil") is listed verbatim so callers can report it;
  // read() refuses it. When two stored names normalise to the same name only the first is kept.
  const std::vector<std::string>& entries() const;
  bool contains(const std::string& name) const;  // exact, normalised name

  // Reads one entry. Fails (false + error) when: the name is unsafe (absolute, contains "..", backslash, NUL),
  // the entry does not exist, the entry is a symlink (unix external attributes S_IFLNK), it exceeds
  // max_entry_bytes (checked against the declared size AND while inflating, so a lying header cannot
  // exceed it), or the running total of bytes read would exceed max_total_bytes (zip bomb guard).
  // For those two, `*limit` (when given) is set to the name of the loader's limit the message's hint
  // quotes, "max_file_bytes" or "max_total_bytes" (a `limit` error, not an I/O one); otherwise it is
  // left empty.
  bool read(const std::string& name, std::string& out, std::string& error, std::string* limit = nullptr);

 private:
  ZipArchive(zip* handle, ZipLimits limits);
  bool index_entries(std::string& error);
  bool is_symlink(std::uint64_t index) const;
  bool check_declared_size(std::uint64_t index, const std::string& name, std::string& error,
                           std::string* limit) const;
  bool inflate(std::uint64_t index, const std::string& name, std::string& out, std::string& error,
               std::string* limit);

  zip* handle_;
  ZipLimits limits_;
  std::uint64_t total_bytes_read_ = 0;
  std::vector<std::string> entries_;
  std::unordered_map<std::string, std::uint64_t> index_by_name_;
};

// Normalises a relative path inside an archive or CSAR: collapses "." and "a/..", rejects (returns false)
// anything that is absolute, escapes the root with "..", or contains a backslash or NUL.
// Empty segments ("a//b") and a trailing "/" are dropped; a path that normalises to nothing is rejected.
bool normalize_relative_path(std::string_view in, std::string& out);

}  // namespace modak::io
