#include "tosca/io/zip_archive.h"
#include "tests/support/temp_dir.h"

#include <doctest/doctest.h>
#include <zip.h>

#include <sys/stat.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace fs = std::filesystem;
using modak::io::normalize_relative_path;
using modak::io::ZipArchive;
using modak::io::ZipLimits;

using modak::test::TempDir;

enum class Kind { file, directory, symlink };

struct Entry {
  std::string name;
  std::string content;
  Kind kind = Kind::file;
};

Entry directory_entry(const std::string& name) { return {name, "", Kind::directory}; }
Entry symlink_entry(const std::string& name, const std::string& target) { return {name, target, Kind::symlink}; }

void add_entry(zip_t* archive, const Entry& entry) {
  if (entry.kind == Kind::directory) {
    REQUIRE(zip_dir_add(archive, entry.name.c_str(), ZIP_FL_ENC_UTF_8) >= 0);
    return;
  }
  // libzip reads the buffer at zip_close time; `entry` outlives that (see write_zip).
  zip_source_t* source = zip_source_buffer(archive, entry.content.data(), entry.content.size(), 0);
  REQUIRE(source != nullptr);
  const zip_int64_t index = zip_file_add(archive, entry.name.c_str(), source, ZIP_FL_ENC_UTF_8);
  REQUIRE(index >= 0);
  if (entry.kind == Kind::symlink) {
    // How `zip --symlinks` marks a link: unix st_mode in the upper 16 bits, the target as content.
    const zip_uint32_t mode = S_IFLNK | 0777;
    REQUIRE(zip_file_set_external_attributes(archive, static_cast<zip_uint64_t>(index), 0, ZIP_OPSYS_UNIX,
                                             mode << 16) == 0);
  }
}

void write_zip(const std::string& path, const std::vector<Entry>& entries) {
  int error_code = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error_code);
  REQUIRE(archive != nullptr);
  for (const Entry& entry : entries) add_entry(archive, entry);
  REQUIRE(zip_close(archive) == 0);
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

void put_le32(std::string& bytes, std::size_t offset, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) bytes[offset + i] = static_cast<char>((value >> (8 * i)) & 0xff);
}

// Rewrites the uncompressed size of every entry, in both the local and the central headers, so the
// archive claims less than the deflated data really holds.
void forge_uncompressed_size(const std::string& path, std::uint32_t claimed_size) {
  std::string bytes = read_bytes(path);
  const std::string local_signature("PK\x03\x04", 4);
  const std::string central_signature("PK\x01\x02", 4);
  for (std::size_t at = bytes.find(local_signature); at != std::string::npos; at = bytes.find(local_signature, at + 4))
    put_le32(bytes, at + 22, claimed_size);
  for (std::size_t at = bytes.find(central_signature); at != std::string::npos;
       at = bytes.find(central_signature, at + 4))
    put_le32(bytes, at + 24, claimed_size);
  write_bytes(path, bytes);
}

std::unique_ptr<ZipArchive> open_or_fail(const std::string& path, ZipLimits limits = {}) {
  std::string error;
  auto archive = ZipArchive::open(path, error, limits);
  INFO("open error: " << error);
  REQUIRE(archive != nullptr);
  return archive;
}

std::string normalized(std::string_view in) {
  std::string out = "<unchanged>";
  return normalize_relative_path(in, out) ? out : "<rejected>";
}

}  // namespace

TEST_SUITE("unit") {
  TEST_CASE("normalize_relative_path collapses dots and rejects escapes") {
    CHECK(normalized("a/b.yaml") == "a/b.yaml");
    CHECK(normalized("./a/./b.yaml") == "a/b.yaml");
    CHECK(normalized("a/x/../b.yaml") == "a/b.yaml");
    CHECK(normalized("a//b/") == "a/b");
    CHECK(normalized("a/..") == "<rejected>");  // normalises to nothing
    CHECK(normalized("") == "<rejected>");
    CHECK(normalized("..") == "<rejected>");
    CHECK(normalized("../evil") == "<rejected>");
    CHECK(normalized("a/../../evil") == "<rejected>");
    CHECK(normalized("/etc/passwd") == "<rejected>");
    CHECK(normalized("C:/windows") == "<rejected>");
    CHECK(normalized("a\\b") == "<rejected>");
    CHECK(normalized(std::string_view("a\0b", 3)) == "<rejected>");
    CHECK(normalized("...") == "...");  // a legal file name, not a parent reference
  }

  TEST_CASE("zip: entries are listed normalised, without directories, and read back") {
    TempDir dir;
    const std::string path = dir.file("ok.zip");
    write_zip(path, {directory_entry("Definitions/"), {"Definitions/main.yaml", "tosca_definitions_version: x\n"},
                     {"./TOSCA-Metadata/TOSCA.meta", "TOSCA-Meta-File-Version: 1.1\n"}, {"empty.txt", ""}});
    auto archive = open_or_fail(path);

    CHECK(archive->entries() ==
          std::vector<std::string>{"Definitions/main.yaml", "TOSCA-Metadata/TOSCA.meta", "empty.txt"});
    CHECK(archive->contains("TOSCA-Metadata/TOSCA.meta"));
    CHECK_FALSE(archive->contains("Definitions/"));
    CHECK_FALSE(archive->contains("./TOSCA-Metadata/TOSCA.meta"));  // contains() takes normalised names

    std::string content;
    std::string error;
    CHECK(archive->read("Definitions/main.yaml", content, error));
    CHECK(content == "tosca_definitions_version: x\n");
    CHECK(archive->read("Definitions/../TOSCA-Metadata/TOSCA.meta", content, error));  // read() normalises
    CHECK(content == "TOSCA-Meta-File-Version: 1.1\n");
    CHECK(archive->read("empty.txt", content, error));
    CHECK(content.empty());
  }

  TEST_CASE("zip: a missing entry is an error naming it") {
    TempDir dir;
    write_zip(dir.file("a.zip"), {{"a.yaml", "a"}});
    auto archive = open_or_fail(dir.file("a.zip"));
    std::string content = "untouched";
    std::string error;
    CHECK_FALSE(archive->read("b.yaml", content, error));
    CHECK(error == "zip entry 'b.yaml' not found");
    CHECK(content == "untouched");
  }

  TEST_CASE("zip: path-traversal and absolute entry names are listed but never read") {
    TempDir dir;
    write_zip(dir.file("evil.zip"), {{"../evil", "x"}, {"/etc/passwd", "root"}, {"fine.yaml", "ok"}});
    auto archive = open_or_fail(dir.file("evil.zip"));
    CHECK(archive->entries() == std::vector<std::string>{"../evil", "/etc/passwd", "fine.yaml"});

    std::string content;
    std::string error;
    CHECK_FALSE(archive->read("../evil", content, error));
    CHECK(error == "unsafe zip entry name '../evil'");
    CHECK_FALSE(archive->read("/etc/passwd", content, error));
    CHECK(error == "unsafe zip entry name '/etc/passwd'");
    CHECK_FALSE(archive->read("evil", content, error));  // the escaped file is not reachable another way
    CHECK_FALSE(archive->read("etc/passwd", content, error));
    CHECK_FALSE(archive->read("a\\b", content, error));
    CHECK(archive->read("fine.yaml", content, error));
  }

  TEST_CASE("zip: a symlink entry is refused") {
    TempDir dir;
    write_zip(dir.file("link.zip"), {symlink_entry("passwd.yaml", "/etc/passwd")});
    auto archive = open_or_fail(dir.file("link.zip"));
    CHECK(archive->contains("passwd.yaml"));
    std::string content;
    std::string error;
    CHECK_FALSE(archive->read("passwd.yaml", content, error));
    CHECK(error == "zip entry 'passwd.yaml' is a symbolic link, which is not allowed");
  }

  TEST_CASE("zip: an entry over max_entry_bytes is refused by its declared size") {
    TempDir dir;
    write_zip(dir.file("big.zip"), {{"big.txt", std::string(200, 'x')}, {"small.txt", std::string(100, 'x')}});
    ZipLimits limits;
    limits.max_entry_bytes = 100;
    auto archive = open_or_fail(dir.file("big.zip"), limits);
    std::string content;
    std::string error;
    std::string limit;
    CHECK_FALSE(archive->read("big.txt", content, error, &limit));
    CHECK(error == "zip entry 'big.txt' is 200 bytes, more than the limit of 100 bytes (limit max_file_bytes; raise it with --max-file-bytes)");
    CHECK(limit == "max_file_bytes");
    CHECK(archive->read("small.txt", content, error, &limit));  // exactly at the limit is fine
    CHECK(limit.empty());
    CHECK_FALSE(archive->read("absent.txt", content, error, &limit));
    CHECK(limit.empty());  // not a limit: an I/O error
  }

  TEST_CASE("zip: an entry whose header understates its size is stopped while inflating") {
    TempDir dir;
    const std::string path = dir.file("liar.zip");
    write_zip(path, {{"bomb.txt", std::string(1 << 20, '\0')}});  // deflates to about 1 KiB
    forge_uncompressed_size(path, 10);
    ZipLimits limits;
    limits.max_entry_bytes = 4096;
    auto archive = open_or_fail(path, limits);
    std::string content;
    std::string error;
    std::string limit;
    CHECK_FALSE(archive->read("bomb.txt", content, error, &limit));
    CHECK(limit == "max_file_bytes");
    CHECK(error == "zip entry 'bomb.txt' inflates to more than the limit of 4096 bytes (limit max_file_bytes; raise it with --max-file-bytes)");
  }

  TEST_CASE("zip: the running total of bytes read is capped") {
    TempDir dir;
    write_zip(dir.file("two.zip"), {{"one.txt", std::string(60, 'a')}, {"two.txt", std::string(60, 'b')}});
    ZipLimits limits;
    limits.max_total_bytes = 100;
    auto archive = open_or_fail(dir.file("two.zip"), limits);
    std::string content;
    std::string error;
    CHECK(archive->read("one.txt", content, error));
    std::string limit;
    CHECK_FALSE(archive->read("two.txt", content, error, &limit));
    CHECK(limit == "max_total_bytes");
    CHECK(error == "reading zip entry 'two.txt' would exceed the total limit of 100 bytes (limit max_total_bytes; raise it with --max-total-bytes)");
    CHECK_FALSE(archive->read("one.txt", content, error));  // re-reading counts too
  }

  TEST_CASE("zip: too many entries is refused at open") {
    TempDir dir;
    write_zip(dir.file("many.zip"), {{"a", "1"}, {"b", "2"}, {"c", "3"}});
    ZipLimits limits;
    limits.max_entries = 2;
    std::string error;
    CHECK(ZipArchive::open(dir.file("many.zip"), error, limits) == nullptr);
    CHECK(error == "zip archive has 3 entries, more than the limit of 2");
  }

  TEST_CASE("zip: files that are not zip archives are reported plainly") {
    TempDir dir;
    write_bytes(dir.file("plain.yaml"), "tosca_definitions_version: tosca_2_0\n");
    std::string error;
    CHECK(ZipArchive::open(dir.file("plain.yaml"), error) == nullptr);
    CHECK(error == "not a zip archive");
    CHECK(ZipArchive::open(dir.file("absent.zip"), error) == nullptr);
    CHECK(error == "cannot open: No such file or directory");
  }
}
