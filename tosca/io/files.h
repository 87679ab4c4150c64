// Reading local files with a size bound, and writing outputs atomically.
#pragma once

#include <cstdint>
#include <string>

namespace modak::io {

// Reads a whole regular file. Fails with a reason for a missing file, a directory, a file
// larger than `max_bytes` (then `*too_large` is set, when given: a `limit` error, not an I/O
// one), or a read error.
bool read_file(const std::string& path, std::string& out, std::string& error,
               std::uint64_t max_bytes = 64ull << 20, bool* too_large = nullptr);

// Writes `content` to a temporary file beside `path` and renames it over `path`, so readers
// never see a half-written file and a failure leaves the previous file intact. A device or named
// pipe (`-o /dev/null`) is written in place instead; a directory is an error.
bool write_file_atomic(const std::string& path, const std::string& content, std::string& error);

}  // namespace modak::io
