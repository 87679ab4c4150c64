// The loaded form of a service template: every file it pulls in (imports, the normative types),
// parsed into one arena, with where each came from.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tosca/diag/diagnostics.h"
#include "tosca/yaml/loader.h"
#include "tosca/yaml/node.h"

namespace modak::tosca {

// Where a file was read from. Relative imports resolve against it.
struct Origin {
  enum class Kind { File, Zip, Url, Memory };
  Kind kind = Kind::File;
  std::string path;       // File: absolute path; Zip: entry name; Url: the URL; Memory: display name
  std::string container;  // Zip: path of the archive
  std::string root;       // File: the directory nothing may escape (CSAR root), empty when unbounded
  std::string display() const;
};

// One loaded file.
struct Unit {
  std::uint32_t source = 0;
  Origin origin;
  const yaml::Node* root = nullptr;
  std::string version;           // its tosca_definitions_version, as written
  std::string namespace_prefix;  // from the import that brought it in
  bool implicit = false;         // the normative types modak loads itself
  int importer = -1;             // index of the unit that imported it first
  const yaml::Node* import_site = nullptr;
};

struct Limits {
  std::uint64_t max_file_bytes = 32ull << 20;
  std::uint64_t max_total_bytes = 256ull << 20;
  std::uint32_t max_imports = 2000;
  yaml::LoadLimits yaml;
  std::uint64_t max_fetch_bytes = 16ull << 20;
  long fetch_timeout_ms = 20000;
};

struct LoadOptions {
  // Import roots: an import starting with "<prefix>/" that does not exist relative to the
  // importing file is looked up under the directory. "modules" also answers for "sodalite",
  // "iac-modules" and "library" (all mean a copy of SODALITE's iac-modules).
  std::vector<std::pair<std::string, std::string>> import_roots;
  std::vector<std::string> allowed_hosts;  // URL imports: hosts that may be fetched
  bool allow_http = false;
  std::string ca_file;
  std::string share_dir;  // where share/tosca/normative-1.3.yaml is
  bool load_normative = true;
  Limits limits;
};

struct Service {
  yaml::SourceTable sources;
  yaml::Arena arena;
  std::vector<Unit> units;
  int root = -1;  // index of the entry file's unit
  std::uint64_t bytes_loaded = 0;
  // Imports that close a cycle (the file was already being loaded further up the chain). The
  // profile decides whether that is an error (strict) or a tolerated quirk (sodalite).
  struct Cycle {
    const yaml::Node* site;
    int target;
  };
  std::vector<Cycle> import_cycles;

  diag::Location where(const yaml::Node* n) const { return yaml::location_of(sources, n->mark); }
  const Unit& root_unit() const { return units.at(static_cast<std::size_t>(root)); }
};

// Loads a service template from a file, a CSAR directory or a CSAR zip, with its imports.
// Problems go to `sink`; returns false when nothing usable was loaded.
bool load_service(const std::string& path, const LoadOptions& options, Service& out, diag::Sink& sink);

// Loads from text held in memory (imports resolve relative to `base_dir`).
bool load_service_text(std::string content, const std::string& display_name, const std::string& base_dir,
                       const LoadOptions& options, Service& out, diag::Sink& sink);

// The share directory: $MODAK_SHARE_DIR, else the install location, else the source tree.
std::string default_share_dir();

}  // namespace modak::tosca
