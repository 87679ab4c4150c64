// Every input limit (tosca/load/limits.h, docs/limits.md), table-driven: each row builds a small
// valid blueprint that exceeds the limit once the limit is set low, and checks that validation
// then fails with a located error naming the limit and the flag that raises it — and that the
// same blueprint is valid with the default. The URL fetch limits need a server: they are checked
// in tests/scripts/limits_cli_test.py (loopback only) and tests/io/http_fetch_test.cpp.
#include <doctest/doctest.h>

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include "tosca/diag/codes.h"
#include "tosca/load/limits.h"
#include "tosca/validator.h"
#include "tests/support/temp_dir.h"

namespace {

namespace fs = std::filesystem;
using modak::diag::Code;
using modak::diag::Severity;
using modak::tosca::find_limit;
using modak::tosca::limit_specs;
using modak::tosca::LimitSpec;
using modak::tosca::parse_limit_value;

using modak::test::TempDir;

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

const std::string kHead = "tosca_definitions_version: tosca_simple_yaml_1_3\n";
const std::string kTopology = "topology_template:\n  node_templates:\n    box:\n      type: tosca.nodes.Compute\n";

// A valid imported file of about `bytes` bytes (a long description).
std::string padded(std::size_t bytes) { return kHead + "description: " + std::string(bytes, 'x') + "\n"; }

struct Row {
  const char* limit;
  const char* value;  // small enough to be exceeded
  // Writes the blueprint into the folder; returns the path to validate.
  std::function<fs::path(const TempDir&)> make;
  std::string file;  // where the error must point, relative to the folder ("" = the entry)
  std::uint32_t line, column;
  Code code = Code::Limit;
};

std::string nested(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

// An alias tree of 10 x 10 x 10 x 10 leaves: small text, 11111 nodes once expanded. (The limit
// is per file, and modak's own normative types file has a few thousand nodes.)
const std::string kAliases =
    "dsl_definitions:\n"
    "  a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
    "  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    "  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
    "  d: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n";

std::vector<Row> rows() {
  return {
      // An imported file over the size limit: located at the import entry.
      {"max_file_bytes", "40KiB",
       [](const TempDir& t) {
         write(t / "big.yaml", padded(50000));
         write(t / "service.yaml", kHead + "imports:\n  - big.yaml\n" + kTopology);
         return t / "service.yaml";
       },
       "service.yaml", 3, 5},
      // The normative types (about 32 KB) count too; the import is what goes over.
      {"max_total_bytes", "36000",
       [](const TempDir& t) {
         write(t / "types.yaml", padded(10000));
         write(t / "service.yaml", kHead + "imports:\n  - types.yaml\n" + kTopology);
         return t / "service.yaml";
       },
       "service.yaml", 3, 5},
      {"max_scalar_bytes", "1KiB",
       [](const TempDir& t) {
         write(t / "service.yaml", kHead + "description: " + std::string(2000, 'x') + "\n" + kTopology);
         return t / "service.yaml";
       },
       "service.yaml", 2, 14},
      {"max_depth", "8",
       [](const TempDir& t) {
         write(t / "service.yaml", kHead + "dsl_definitions:\n  deep: " + nested(12) + "\n" + kTopology);
         return t / "service.yaml";
       },
       "service.yaml", 3, 15},
      {"max_expanded_nodes", "10000",
       [](const TempDir& t) {
         write(t / "service.yaml", kHead + kAliases + kTopology);
         return t / "service.yaml";
       },
       "service.yaml", 6, 6},
      // The third import entry is the one over the limit.
      {"max_imports", "2",
       [](const TempDir& t) {
         for (const char* f : {"a.yaml", "b.yaml", "c.yaml"}) write(t / f, kHead);
         write(t / "service.yaml", kHead + "imports:\n  - a.yaml\n  - b.yaml\n  - c.yaml\n" + kTopology);
         return t / "service.yaml";
       },
       "service.yaml", 5, 5},
      // A CSAR zip: an entry over max_file_bytes, located at the import that reads it.
      {"max_file_bytes", "40KiB",
       [](const TempDir& t) {
         write(t / "src" / "big.yaml", padded(50000));
         write(t / "src" / "service.yaml", kHead + "imports:\n  - big.yaml\n" + kTopology);
         write(t / "src" / "TOSCA-Metadata" / "TOSCA.meta", "TOSCA-Meta-File-Version: 1.1\nEntry-Definitions: service.yaml\n");
         std::string cmd = "cd '" + (t / "src").string() +
                           "' && /usr/bin/python3 -c \"import zipfile\nz=zipfile.ZipFile('../app.csar','w',zipfile.ZIP_DEFLATED)\n"
                           "[z.write(f) for f in ['TOSCA-Metadata/TOSCA.meta','service.yaml','big.yaml']]\"";
         REQUIRE(std::system(cmd.c_str()) == 0);
         return t / "app.csar";
       },
       "app.csar/service.yaml", 3, 5},
      // A CSAR zip whose entry definitions are themselves over max_file_bytes: at the entry's start.
      {"max_file_bytes", "40KiB",
       [](const TempDir& t) {
         write(t / "src" / "service.yaml", kHead + "description: " + std::string(50000, 'x') + "\n" + kTopology);
         write(t / "src" / "TOSCA-Metadata" / "TOSCA.meta", "TOSCA-Meta-File-Version: 1.1\nEntry-Definitions: service.yaml\n");
         std::string cmd = "cd '" + (t / "src").string() +
                           "' && /usr/bin/python3 -c \"import zipfile\nz=zipfile.ZipFile('../app.csar','w',zipfile.ZIP_DEFLATED)\n"
                           "[z.write(f) for f in ['TOSCA-Metadata/TOSCA.meta','service.yaml']]\"";
         REQUIRE(std::system(cmd.c_str()) == 0);
         return t / "app.csar";
       },
       "app.csar/service.yaml", 1, 1},
      // The same zip, its import over max_total_bytes.
      {"max_total_bytes", "36000",
       [](const TempDir& t) {
         write(t / "src" / "types.yaml", padded(10000));
         write(t / "src" / "service.yaml", kHead + "imports:\n  - types.yaml\n" + kTopology);
         write(t / "src" / "TOSCA-Metadata" / "TOSCA.meta", "TOSCA-Meta-File-Version: 1.1\nEntry-Definitions: service.yaml\n");
         std::string cmd = "cd '" + (t / "src").string() +
                           "' && /usr/bin/python3 -c \"import zipfile\nz=zipfile.ZipFile('../app.csar','w',zipfile.ZIP_DEFLATED)\n"
                           "[z.write(f) for f in ['TOSCA-Metadata/TOSCA.meta','service.yaml','types.yaml']]\"";
         REQUIRE(std::system(cmd.c_str()) == 0);
         return t / "app.csar";
       },
       "app.csar/service.yaml", 3, 5},
  };
}

struct Outcome {
  bool valid = false;
  std::vector<modak::diag::Diagnostic> errors;
};

Outcome validate(const fs::path& path, const modak::tosca::Limits& limits) {
  modak::tosca::ValidateOptions o;
  o.load.limits = limits;
  auto model = std::make_unique<modak::tosca::Model>();
  modak::diag::Sink sink;
  Outcome out;
  out.valid = modak::tosca::validate(path.string(), o, *model, sink);
  for (const auto& d : sink.all())
    if (d.severity == Severity::Error) out.errors.push_back(d);
  return out;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string show(const std::vector<modak::diag::Diagnostic>& ds) {
  std::string s;
  for (const auto& d : ds)
    s += d.where.file + ":" + std::to_string(d.where.line) + ":" + std::to_string(d.where.column) + ": " +
         std::string(modak::diag::code_name(d.code)) + ": " + d.message + "\n";
  return s;
}

}  // namespace

TEST_SUITE("unit") {
  TEST_CASE("limits: each one, exceeded, is a located error naming the limit and its flag, and the default passes") {
    for (const Row& row : rows()) {
      const LimitSpec* spec = find_limit(row.limit);
      REQUIRE(spec != nullptr);
      const std::string limit_name = row.limit;
      CAPTURE(limit_name);
      CAPTURE(row.file);
      TempDir t;
      fs::path input = row.make(t);
      modak::tosca::Limits small;
      std::uint64_t value = 0;
      std::string error;
      REQUIRE_MESSAGE(parse_limit_value(*spec, row.value, value, error), error);
      spec->set(small, value);

      Outcome with_default = validate(input, modak::tosca::Limits{});
      CHECK_MESSAGE(with_default.valid, show(with_default.errors));

      Outcome limited = validate(input, small);
      CHECK_FALSE(limited.valid);
      const std::string hint = "(limit " + std::string(spec->name) + "; raise it with " + spec->flag + ")";
      REQUIRE(hint == modak::tosca::limit_hint(spec->name));
      const modak::diag::Diagnostic* hit = nullptr;
      for (const auto& d : limited.errors)
        if (ends_with(d.message, hint)) hit = &d;
      REQUIRE_MESSAGE(hit != nullptr, "no error ending with '" << hint << "' among:\n" << show(limited.errors));
      CHECK_MESSAGE(hit->where.file == (fs::path(t / "x").parent_path() / row.file).string(), show(limited.errors));
      CHECK(hit->where.line == row.line);
      CHECK(hit->where.column == row.column);
      CHECK(hit->code == row.code);
    }
  }

  TEST_CASE("limits: a blueprint file over max_file_bytes is refused, naming the limit and its flag") {
    TempDir t;
    write(t / "service.yaml", kHead + "description: " + std::string(50000, 'x') + "\n" + kTopology);
    modak::tosca::Limits small;
    small.max_file_bytes = 40000;
    CHECK(validate(t / "service.yaml", modak::tosca::Limits{}).valid);
    Outcome o = validate(t / "service.yaml", small);
    CHECK_FALSE(o.valid);
    REQUIRE(!o.errors.empty());
    CHECK_MESSAGE(o.errors.size() == 1, show(o.errors));
    CHECK(o.errors[0].code == Code::Limit);
    CHECK(o.errors[0].where.file == (t / "service.yaml").string());
    CHECK(o.errors[0].where.line == 1);
    CHECK(o.errors[0].where.column == 1);
    CHECK_MESSAGE(ends_with(o.errors[0].message, modak::tosca::limit_hint("max_file_bytes")), o.errors[0].message);
  }

  TEST_CASE("limits: a CSAR's TOSCA.meta over its fixed 1 MiB bound says so, without a flag that would not raise it") {
    TempDir t;
    write(t / "csar" / "service.yaml", kHead + kTopology);
    write(t / "csar" / "TOSCA-Metadata" / "TOSCA.meta",
          "TOSCA-Meta-File-Version: 1.1\nEntry-Definitions: service.yaml\n" + std::string(2 << 20, '#') + "\n");
    Outcome o = validate(t / "csar", modak::tosca::Limits{});
    CHECK_FALSE(o.valid);
    REQUIRE_MESSAGE(o.errors.size() == 1, show(o.errors));
    CHECK(o.errors[0].code == Code::CsarInvalid);
    CHECK(o.errors[0].message == "TOSCA.meta is larger than 1 MiB, the fixed bound for it");
  }

  TEST_CASE("limits: values take units, and bad values are refused with the reason") {
    auto parse = [](const char* name, const char* text) -> std::uint64_t {
      std::uint64_t v = 0;
      std::string error;
      if (!parse_limit_value(*find_limit(name), text, v, error)) return UINT64_MAX;
      return v;
    };
    CHECK(parse("max_file_bytes", "65536") == 65536);
    CHECK(parse("max_file_bytes", "64KiB") == 65536);
    CHECK(parse("max_file_bytes", "64kib") == 65536);
    CHECK(parse("max_file_bytes", "32MiB") == 32ull << 20);
    CHECK(parse("max_file_bytes", "2GiB") == 2ull << 30);
    CHECK(parse("max_file_bytes", "64kB") == 64000);
    CHECK(parse("max_file_bytes", "1M") == 1000000);
    CHECK(parse("max_file_bytes", "10 B") == 10);
    CHECK(parse("max_file_bytes", "0") == UINT64_MAX);  // below the minimum of 1
    CHECK(parse("max_file_bytes", "12XB") == UINT64_MAX);
    CHECK(parse("max_file_bytes", "-1") == UINT64_MAX);
    CHECK(parse("max_file_bytes", "99999999999GiB") == UINT64_MAX);  // overflows
    CHECK(parse("fetch_timeout_ms", "20") == 20000);  // seconds, as curl --max-time
    CHECK(parse("fetch_timeout_ms", "500ms") == 500);
    CHECK(parse("fetch_timeout_ms", "2min") == 120000);
    CHECK(parse("fetch_timeout_ms", "0") == UINT64_MAX);
    CHECK(parse("fetch_timeout_ms", "3h") == UINT64_MAX);
    CHECK(parse("max_imports", "0") == 0);  // no imports at all
    CHECK(parse("max_imports", "4294967296") == UINT64_MAX);
    CHECK(parse("max_depth", "10k") == UINT64_MAX);  // counts take no unit
    std::uint64_t v = 0;
    std::string error;
    CHECK_FALSE(parse_limit_value(*find_limit("max_total_bytes"), "1 parsec", v, error));
    CHECK(error == "unknown size unit 'parsec' (B, kB, MB, GB, KiB, MiB, GiB)");
  }

  TEST_CASE("limits: the defaults in --help and docs/limits.md are the code's") {
    std::ifstream in(fs::path(MODAK_SOURCE_DIR) / "docs" / "limits.md");
    std::string doc{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    REQUIRE(!doc.empty());
    const modak::tosca::Limits defaults;
    for (const auto& spec : limit_specs()) {
      CAPTURE(spec.name);
      std::uint64_t value = spec.get(defaults);
      // --help says "(default X" with X in the flag's own syntax.
      std::smatch m;
      std::string help = spec.help;
      REQUIRE(std::regex_search(help, m, std::regex(R"(\(default ([0-9A-Za-z]+))")));
      std::uint64_t from_help = 0;
      std::string error;
      CHECK(parse_limit_value(spec, m[1].str(), from_help, error));
      CHECK(from_help == value);
      // docs/limits.md has a table row: | `name` | default (exact value) | `--flag` | ...
      std::string row_start = "| `" + std::string(spec.name) + "` |";
      auto at = doc.find(row_start);
      REQUIRE_MESSAGE(at != std::string::npos, "docs/limits.md has no row for " << spec.name);
      std::string row = doc.substr(at, doc.find('\n', at) - at);
      CHECK_MESSAGE(row.find("`" + std::string(spec.flag) + "`") != std::string::npos, row);
      CHECK_MESSAGE(row.find("(" + std::to_string(value) + ")") != std::string::npos, row);
    }
  }
}
