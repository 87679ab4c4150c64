// Loads the entry file and follows imports: local files, import roots, CSAR directories and zips,
// and URLs (libcurl, allow-listed). Each distinct file is parsed once, so cycles terminate.
#include <sys/stat.h>

#include <cstring>
#include <filesystem>
#include <map>
#include <set>

#include "tosca/io/files.h"
#include "tosca/io/http_fetch.h"
#include "tosca/io/zip_archive.h"
#include "tosca/load/csar.h"
#include "tosca/load/limits.h"
#include "tosca/load/service.h"

namespace modak::tosca {

namespace fs = std::filesystem;
using diag::Code;

std::string Origin::display() const {
  switch (kind) {
    case Kind::Zip: return container + "/" + path;
    default: return path;
  }
}

std::string default_share_dir() {
  if (const char* env = std::getenv("MODAK_SHARE_DIR"); env && *env) return env;
  std::error_code ec;
  if (fs::exists(fs::path(MODAK_SHARE_DIR_INSTALL) / "tosca" / "normative-1.3.yaml", ec)) return MODAK_SHARE_DIR_INSTALL;
  return MODAK_SHARE_DIR_BUILD;
}

namespace {

// TOSCA.meta is a handful of "Name: value" lines: a fixed bound (docs/limits.md), no flag.
constexpr std::uint64_t kMaxMetaBytes = 1 << 20;
constexpr const char* kMetaTooLarge = "TOSCA.meta is larger than 1 MiB, the fixed bound for it";

bool is_url(std::string_view s) { return s.find("://") != std::string_view::npos; }

bool path_within(const fs::path& p, const fs::path& root) {
  auto rel = p.lexically_relative(root);
  return !rel.empty() && *rel.begin() != "..";
}

// Also after following symbolic links: the real file lies in the real root.
bool really_within(const fs::path& p, const fs::path& root) {
  std::error_code ec, ec2;
  fs::path real = fs::canonical(p, ec), real_root = fs::canonical(root, ec2);
  return !ec && !ec2 && path_within(real, real_root);
}

std::string first_component(std::string_view s) {
  auto slash = s.find('/');
  return std::string(slash == std::string_view::npos ? s : s.substr(0, slash));
}

// The four names SODALITE uses for "a copy of iac-modules next to the blueprint".
bool is_library_alias(const std::string& prefix) {
  return prefix == "modules" || prefix == "sodalite" || prefix == "iac-modules" || prefix == "library";
}

class Importer {
 public:
  Importer(const LoadOptions& o, Service& s, diag::Sink& sink)
      : opt_(o), svc_(s), sink_(sink),
        bundled_library_((o.share_dir.empty() ? default_share_dir() : o.share_dir) + "/sodalite") {}

  bool load_entry(const std::string& path);
  bool load_entry_text(std::string content, const std::string& name, const std::string& base_dir);

 private:
  struct Resolved {
    Origin origin;
    std::string key;  // identity for "loaded once"
  };

  void load_normative();
  void load_profile_types(const std::string& version);
  int add_unit(const Origin& origin, std::string content, int importer, const yaml::Node* site,
               const std::string& prefix, bool implicit);
  void follow_imports(int unit_index);
  void import_one(int unit_index, const yaml::Node* entry, const yaml::Node* repositories);
  bool resolve(const Unit& from, const std::string& spec, const yaml::Node* site, Resolved& out);
  bool resolve_local(const Unit& from, const std::string& spec, const yaml::Node* site, Resolved& out);
  bool resolve_in_zip(const Unit& from, const std::string& spec, const yaml::Node* site, Resolved& out);
  bool read(const Origin& o, std::string& content, const yaml::Node* site);
  bool open_csar_dir(const fs::path& dir, Origin& out);
  bool open_csar_zip(const std::string& path, Origin& out);
  const std::string* library_dir(const std::string& prefix) const;
  io::ZipArchive* zip(const std::string& path, std::string& error);
  diag::Location where(const yaml::Node* n) const { return svc_.where(n); }
  diag::Location here_or(const yaml::Node* n, const std::string& file) const {
    return n ? where(n) : diag::Location{file, 0, 0};
  }
  // A limit error about a whole file: at the import entry that names it, else at the file's
  // start (the blueprint itself, modak's own type files), as for a YAML-level limit in it.
  diag::Location limit_at(const yaml::Node* n, const std::string& file) const {
    return n ? where(n) : diag::Location{file, 1, 1};
  }

  const LoadOptions& opt_;
  Service& svc_;
  diag::Sink& sink_;
  std::map<std::string, int> loaded_;  // resolved key -> unit index
  std::map<std::string, std::unique_ptr<io::ZipArchive>> zips_;
  std::string entry_dir_;  // directory of the entry file (tosca-parser resolved nested imports here)
  std::uint32_t imports_ = 0;
  std::string bundled_library_;
  bool bundled_noted_ = false;
};

const std::string* Importer::library_dir(const std::string& prefix) const {
  for (const auto& [name, dir] : opt_.import_roots)
    if (name == prefix) return &dir;
  if (!is_library_alias(prefix)) return nullptr;
  for (const auto& [name, dir] : opt_.import_roots)
    if (is_library_alias(name)) return &dir;
  // No iac-modules copy given: use modak's own restatement of its interfaces (share/sodalite).
  return &bundled_library_;
}

io::ZipArchive* Importer::zip(const std::string& path, std::string& error) {
  auto it = zips_.find(path);
  if (it != zips_.end()) return it->second.get();
  io::ZipLimits zl;
  zl.max_entry_bytes = opt_.limits.max_file_bytes;
  zl.max_total_bytes = opt_.limits.max_total_bytes;
  auto z = io::ZipArchive::open(path, error, zl);
  if (!z) return nullptr;
  return (zips_[path] = std::move(z)).get();
}

// io reports a file over a limit with the limit's hint already in the message (it does not
// depend on limits.h); the hint is appended here should it ever not be.
std::string with_hint(std::string message, const std::string& limit) {
  const std::string hint = limit_hint(limit);
  if (message.size() < hint.size() || message.compare(message.size() - hint.size(), hint.size(), hint) != 0)
    message += " " + hint;
  return message;
}

bool Importer::read(const Origin& o, std::string& content, const yaml::Node* site) {
  std::string error;
  std::string limit;  // set when the read failed on a limit: its name
  bool ok = false;
  switch (o.kind) {
    case Origin::Kind::File: {
      bool too_large = false;
      ok = io::read_file(o.path, content, error, opt_.limits.max_file_bytes, &too_large);
      if (too_large) limit = "max_file_bytes";
      break;
    }
    case Origin::Kind::Zip:
      if (auto* z = zip(o.container, error)) ok = z->read(o.path, content, error, &limit);
      break;
    case Origin::Kind::Url: {
      io::FetchOptions fo;
      fo.allowed_hosts = opt_.allowed_hosts;
      fo.allow_http = opt_.allow_http;
      fo.ca_file = opt_.ca_file;
      fo.max_bytes = opt_.limits.max_fetch_bytes;
      fo.total_timeout_ms = opt_.limits.fetch_timeout_ms;
      auto r = io::fetch_url(o.path, fo);
      ok = r.ok;
      if (ok) content = std::move(r.body);
      else {
        sink_.error(Code::ImportUrl, here_or(site, o.path), r.error);
        return false;
      }
      break;
    }
    case Origin::Kind::Memory: error = "in-memory source cannot be re-read"; break;
  }
  if (!ok && !limit.empty()) {
    sink_.error(Code::Limit, limit_at(site, o.display()), with_hint(error, limit));
    return false;
  }
  if (!ok) {
    sink_.error(Code::IoError, here_or(site, o.display()), error);
    return false;
  }
  svc_.bytes_loaded += content.size();
  if (svc_.bytes_loaded > opt_.limits.max_total_bytes) {
    sink_.error(Code::Limit, limit_at(site, o.display()),
                "total size of loaded files exceeds " + std::to_string(opt_.limits.max_total_bytes) + " bytes " +
                    limit_hint("max_total_bytes"));
    return false;
  }
  return true;
}

int Importer::add_unit(const Origin& origin, std::string content, int importer, const yaml::Node* site,
                       const std::string& prefix, bool implicit) {
  Unit u;
  u.origin = origin;
  u.source = svc_.sources.add(origin.display());
  u.importer = importer;
  u.import_site = site;
  u.namespace_prefix = prefix;
  u.implicit = implicit;
  u.root = yaml::load_yaml(content, u.source, svc_.sources, svc_.arena, sink_, opt_.limits.yaml);
  if (u.root && u.root->is_map())
    if (const auto* v = u.root->get("tosca_definitions_version"); v && v->is_scalar()) u.version = v->text;
  svc_.units.push_back(std::move(u));
  return static_cast<int>(svc_.units.size() - 1);
}

void Importer::load_normative() {
  if (!opt_.load_normative) return;
  std::string share = opt_.share_dir.empty() ? default_share_dir() : opt_.share_dir;
  // The normative types first (unit 0), then the spec's non-normative Docker and VM image types.
  for (const char* file : {"/tosca/normative-1.3.yaml", "/tosca/non-normative-1.3.yaml"}) {
    Origin o{Origin::Kind::File, share + file, "", ""};
    std::string content;
    if (!read(o, content, nullptr)) return;
    add_unit(o, std::move(content), -1, nullptr, "", true);
  }
}

bool Importer::open_csar_dir(const fs::path& dir, Origin& out) {
  std::error_code ec;
  fs::path root = fs::canonical(dir, ec);
  std::string entry, error, meta;
  std::uint32_t entry_line = 0, entry_column = 0;
  fs::path meta_path = root / "TOSCA-Metadata" / "TOSCA.meta";
  if (fs::exists(meta_path, ec) && !really_within(meta_path, root)) {
    sink_.error(Code::ImportEscape, {meta_path.string(), 0, 0}, "TOSCA.meta is a link that leads out of the CSAR root");
    return false;
  }
  if (fs::exists(meta_path, ec)) {
    bool too_large = false;
    if (!io::read_file(meta_path.string(), meta, error, kMaxMetaBytes, &too_large) && too_large)
      error = kMetaTooLarge;  // a fixed bound: --max-file-bytes does not raise it
    if (!error.empty() || !parse_tosca_meta(meta, entry, error, &entry_line, &entry_column)) {
      sink_.error(Code::CsarInvalid, {meta_path.string(), 0, 0}, error);
      return false;
    }
  } else {
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(root, ec))
      if (e.is_regular_file()) files.push_back(e.path().filename().string());
    if (!pick_root_yaml(files, entry, error)) {
      sink_.error(Code::CsarInvalid, {root.string(), 0, 0}, error);
      return false;
    }
  }
  fs::path target = (root / entry).lexically_normal();
  if (!path_within(target, root)) {
    sink_.error(Code::ImportEscape, {meta_path.string(), entry_line, entry_column},
                "Entry-Definitions '" + entry + "' leaves the CSAR root");
    return false;
  }
  if (!fs::is_regular_file(target, ec)) {
    sink_.error(Code::CsarInvalid, {meta_path.string(), entry_line, entry_column},
                "Entry-Definitions names '" + entry + "', which is not a file in the CSAR");
    return false;
  }
  if (!really_within(target, root)) {
    sink_.error(Code::ImportEscape, {entry_line ? meta_path.string() : target.string(), entry_line, entry_column},
                "'" + entry + "' is a link that leads out of the CSAR root");
    return false;
  }
  out = Origin{Origin::Kind::File, target.string(), "", root.string()};
  return true;
}

bool Importer::open_csar_zip(const std::string& path, Origin& out) {
  std::string error, meta, entry;
  io::ZipArchive* z = zip(path, error);
  if (!z) {
    sink_.error(Code::CsarInvalid, {path, 0, 0}, error);
    return false;
  }
  if (z->contains("TOSCA-Metadata/TOSCA.meta")) {
    if (z->read("TOSCA-Metadata/TOSCA.meta", meta, error) && meta.size() > kMaxMetaBytes) error = kMetaTooLarge;
    if (!error.empty() || !parse_tosca_meta(meta, entry, error)) {
      sink_.error(Code::CsarInvalid, {path + "/TOSCA-Metadata/TOSCA.meta", 0, 0}, error);
      return false;
    }
  } else {
    std::vector<std::string> root_files;
    for (const auto& e : z->entries())
      if (e.find('/') == std::string::npos) root_files.push_back(e);
    if (!pick_root_yaml(root_files, entry, error)) {
      sink_.error(Code::CsarInvalid, {path, 0, 0}, error);
      return false;
    }
  }
  std::string norm;
  if (!io::normalize_relative_path(entry, norm)) {
    sink_.error(Code::ImportEscape, {path + "/TOSCA-Metadata/TOSCA.meta", 0, 0},
                "Entry-Definitions '" + entry + "' leaves the CSAR root");
    return false;
  }
  out = Origin{Origin::Kind::Zip, norm, path, ""};
  return true;
}

bool Importer::load_entry(const std::string& path) {
  load_normative();
  std::error_code ec;
  fs::path p(path);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    sink_.error(Code::IoError, {path, 0, 0}, "cannot open '" + path + "': " + std::strerror(errno));
    return false;
  }
  Origin origin;
  if (S_ISDIR(st.st_mode)) {
    if (!open_csar_dir(p, origin)) return false;
  } else {
    std::string head;
    std::string err;
    bool zip_magic = false;
    if (FILE* f = std::fopen(path.c_str(), "rb")) {
      char buf[4] = {};
      zip_magic = std::fread(buf, 1, 4, f) == 4 && buf[0] == 'P' && buf[1] == 'K' && buf[2] == 3 && buf[3] == 4;
      std::fclose(f);
    }
    if (zip_magic) {
      if (!open_csar_zip(fs::absolute(p).lexically_normal().string(), origin)) return false;
    } else {
      // A lone service file is not a CSAR: relative imports may climb (tosca-parser's samples do).
      fs::path abs = fs::absolute(p).lexically_normal();
      origin = Origin{Origin::Kind::File, abs.string(), "", ""};
    }
  }
  entry_dir_ = origin.kind == Origin::Kind::File ? fs::path(origin.path).parent_path().string() : "";
  std::string content;
  if (!read(origin, content, nullptr)) return false;
  loaded_[origin.display()] = static_cast<int>(svc_.units.size());
  svc_.root = add_unit(origin, std::move(content), -1, nullptr, "", false);
  load_profile_types(svc_.units[static_cast<std::size_t>(svc_.root)].version);
  follow_imports(svc_.root);
  return svc_.units[static_cast<std::size_t>(svc_.root)].root != nullptr;
}

// Extension profiles modak implements bring their types along (loaded after the entry file so
// that the entry's version is known; type names do not depend on load order).
void Importer::load_profile_types(const std::string& version) {
  if (!opt_.load_normative || version != "tosca_simple_profile_for_nfv_1_0") return;
  std::string share = opt_.share_dir.empty() ? default_share_dir() : opt_.share_dir;
  Origin o{Origin::Kind::File, share + "/tosca/nfv-1.0.yaml", "", ""};
  std::string content;
  if (read(o, content, nullptr)) add_unit(o, std::move(content), -1, nullptr, "", true);
}

bool Importer::load_entry_text(std::string content, const std::string& name, const std::string& base_dir) {
  load_normative();
  fs::path base = fs::absolute(base_dir.empty() ? fs::path(".") : fs::path(base_dir)).lexically_normal();
  entry_dir_ = base.string();
  Origin origin{Origin::Kind::File, (base / name).string(), "", base.string()};
  svc_.bytes_loaded += content.size();
  svc_.root = add_unit(origin, std::move(content), -1, nullptr, "", false);
  svc_.units.back().origin.kind = Origin::Kind::File;
  follow_imports(svc_.root);
  return svc_.units[static_cast<std::size_t>(svc_.root)].root != nullptr;
}

void Importer::follow_imports(int unit_index) {
  // Breadth-first over units as they are added; indexes stay valid, references do not.
  for (std::size_t i = static_cast<std::size_t>(unit_index); i < svc_.units.size(); ++i) {
    const yaml::Node* root = svc_.units[i].root;
    if (!root || !root->is_map()) continue;
    const yaml::Node* imports = root->get("imports");
    if (!imports || !imports->is_seq()) continue;  // shape errors are the grammar check's
    const yaml::Node* repositories = root->get("repositories");
    for (const yaml::Node* entry : imports->children) import_one(static_cast<int>(i), entry, repositories);
  }
}

void Importer::import_one(int unit_index, const yaml::Node* entry, const yaml::Node* repositories) {
  std::string spec, prefix, repository;
  const yaml::Node* site = entry;
  const yaml::Node* repository_node = nullptr;
  if (entry->is_scalar()) {
    spec = entry->text;
  } else if (entry->is_map()) {
    // Long form {file, repository, namespace_prefix, namespace_uri}, or TOSCA 1.0's {name: file-or-long-form}.
    const yaml::Node* def = entry;
    if (!entry->get("file") && entry->size() == 1) def = entry->value_at(0);
    if (def->is_scalar()) {
      spec = def->text;
      site = def;
    } else if (def->is_map()) {
      if (const auto* f = def->get("file"); f && f->is_scalar()) spec = f->text, site = f;
      if (const auto* r = def->get("repository"); r && r->is_scalar()) repository = r->text, repository_node = r;
      if (const auto* p = def->get("namespace_prefix"); p && p->is_scalar()) prefix = p->text;
    }
  }
  if (spec.empty()) return;  // the grammar check reports malformed import entries
  if (++imports_ > opt_.limits.max_imports) {
    if (imports_ == opt_.limits.max_imports + 1)
      sink_.error(Code::Limit, where(site),
                  "more than " + std::to_string(opt_.limits.max_imports) + " imports " + limit_hint("max_imports"));
    return;
  }
  if (!repository.empty()) {
    const yaml::Node* repo = repositories ? repositories->get(repository) : nullptr;
    const yaml::Node* url = repo && repo->is_map() ? repo->get("url") : repo;
    if (!url || !url->is_scalar()) {
      sink_.error(Code::UnknownRepository, where(repository_node ? repository_node : site),
                  "import names repository '" + repository + "', which this file does not define");
      return;
    }
    std::string base = url->text;
    if (!base.empty() && base.back() != '/') base += '/';
    spec = base + spec;
  }
  Resolved r;
  const Unit from = svc_.units[static_cast<std::size_t>(unit_index)];
  if (!resolve(from, spec, site, r)) return;
  if (auto it = loaded_.find(r.key); it != loaded_.end()) {
    // Loaded once: repeated imports end here. If the file is an ancestor of this one, it is a cycle.
    for (int u = unit_index; u >= 0; u = svc_.units[static_cast<std::size_t>(u)].importer)
      if (u == it->second) {
        svc_.import_cycles.push_back({site, it->second});
        break;
      }
    return;
  }
  std::string content;
  if (!read(r.origin, content, site)) return;
  loaded_[r.key] = static_cast<int>(svc_.units.size());
  add_unit(r.origin, std::move(content), unit_index, site, prefix.empty() ? from.namespace_prefix : prefix, false);
}

bool Importer::resolve(const Unit& from, const std::string& spec, const yaml::Node* site, Resolved& out) {
  if (is_url(spec)) {
    out.origin = Origin{Origin::Kind::Url, spec, "", ""};
    out.key = spec;
    return true;
  }
  if (from.origin.kind == Origin::Kind::Url) {
    std::string base = from.origin.path.substr(0, from.origin.path.rfind('/') + 1);
    if (spec.find("..") != std::string::npos || (!spec.empty() && spec[0] == '/')) {
      sink_.error(Code::ImportEscape, where(site), "relative import '" + spec + "' leaves the URL's directory");
      return false;
    }
    out.origin = Origin{Origin::Kind::Url, base + spec, "", ""};
    out.key = out.origin.path;
    return true;
  }
  if (from.origin.kind == Origin::Kind::Zip) return resolve_in_zip(from, spec, site, out);
  return resolve_local(from, spec, site, out);
}

bool Importer::resolve_in_zip(const Unit& from, const std::string& spec, const yaml::Node* site, Resolved& out) {
  std::string joined = (!spec.empty() && spec[0] == '/')
                           ? spec.substr(1)
                           : fs::path(from.origin.path).parent_path().append(spec).string();
  std::string norm;
  if (!io::normalize_relative_path(joined, norm)) {
    sink_.error(Code::ImportEscape, where(site), "import '" + spec + "' leaves the CSAR root");
    return false;
  }
  std::string error;
  io::ZipArchive* z = zip(from.origin.container, error);
  if (z && !z->contains(norm)) {
    if (const std::string* dir = library_dir(first_component(spec))) {
      fs::path libroot = fs::path(*dir).lexically_normal();
      fs::path p = (libroot / spec.substr(spec.find('/') + 1)).lexically_normal();
      std::error_code ec;
      if (!path_within(p, libroot) || (fs::exists(p, ec) && !really_within(p, libroot))) {
        sink_.error(Code::ImportEscape, where(site), "import '" + spec + "' leaves '" + libroot.string() + "'");
        return false;
      }
      out.origin = Origin{Origin::Kind::File, p.string(), "", libroot.string()};
      out.key = out.origin.path;
      return true;
    }
    sink_.error(Code::ImportNotFound, where(site), "imported file '" + spec + "' is not in the CSAR");
    return false;
  }
  out.origin = Origin{Origin::Kind::Zip, norm, from.origin.container, ""};
  out.key = out.origin.display();
  return true;
}

bool Importer::resolve_local(const Unit& from, const std::string& spec, const yaml::Node* site, Resolved& out) {
  std::error_code ec;
  const fs::path root = from.origin.root;
  fs::path base = fs::path(from.origin.path).parent_path();
  fs::path candidate = (!spec.empty() && spec[0] == '/' && !root.empty()) ? root / spec.substr(1) : base / spec;
  candidate = candidate.lexically_normal();
  auto accept = [&](const fs::path& p, const std::string& new_root) {
    out.origin = Origin{Origin::Kind::File, p.string(), "", new_root};
    out.key = p.string();
    return true;
  };
  bool escapes = !root.empty() && !path_within(candidate, root);
  if (!escapes && fs::is_regular_file(candidate, ec)) {
    // Symlinks may not lead out of the root either.
    fs::path real = fs::canonical(candidate, ec);
    fs::path real_root = root.empty() ? fs::path() : fs::canonical(root, ec);
    if (!root.empty() && !path_within(real, real_root)) {
      sink_.error(Code::ImportEscape, where(site),
                  "import '" + spec + "' is a link that leads out of '" + root.string() + "'");
      return false;
    }
    return accept(candidate, from.origin.root);
  }
  // SODALITE's library prefixes: "modules/x.yaml", or a relative path that lands in "<root>/modules/...".
  // A library file's "../../modules/x" means the modules folder beside the blueprint that holds
  // the library, so the path is also read relative to the library root's parent.
  fs::path mapping_base = root.empty() ? fs::path(entry_dir_) : root;
  std::string rel_to_root = mapping_base.empty() ? spec : candidate.lexically_relative(mapping_base).string();
  std::string rel_to_parent = root.empty() ? spec : candidate.lexically_relative(root.parent_path()).string();
  for (const std::string& s : {spec, rel_to_root, rel_to_parent}) {
    auto slash = s.find('/');
    if (slash == std::string::npos) continue;
    if (const std::string* dir = library_dir(first_component(s))) {
      fs::path libroot = fs::path(*dir).lexically_normal();
      fs::path p = (libroot / s.substr(slash + 1)).lexically_normal();
      if (!path_within(p, libroot)) break;
      if (fs::is_regular_file(p, ec)) {
        if (!really_within(p, libroot)) {
          sink_.error(Code::ImportEscape, where(site),
                      "import '" + spec + "' is a link that leads out of '" + libroot.string() + "'");
          return false;
        }
        if (dir == &bundled_library_ && !bundled_noted_) {
          bundled_noted_ = true;
          sink_.note(Code::ImportNotFound, where(site),
                     "'" + first_component(s) + "/' resolved against modak's bundled SODALITE types (" + *dir +
                         "); give --import-path modules=DIR to use your iac-modules copy");
        }
        return accept(p, libroot.string());
      }
    }
  }
  if (escapes) {
    sink_.error(Code::ImportEscape, where(site), "import '" + spec + "' leaves '" + root.string() + "'");
    return false;
  }
  // tosca-parser resolved nested imports against the entry file's directory; accept with a warning.
  // It also let a path carry leading folders of its own test tree ("data/custom_types/x.yaml").
  if (!entry_dir_.empty()) {
    for (std::string_view tail = spec; !tail.empty();) {
      fs::path alt = (fs::path(entry_dir_) / std::string(tail)).lexically_normal();
      if (alt != candidate && path_within(alt, entry_dir_) && fs::is_regular_file(alt, ec)) {
        sink_.warning(Code::ImportNotFound, where(site),
                      "'" + spec + "' is not beside the importing file; using '" + alt.string() +
                          "' relative to the entry file (as tosca-parser does)");
        return accept(alt, from.origin.root);
      }
      auto slash = tail.find('/');
      tail = slash == std::string_view::npos ? std::string_view() : tail.substr(slash + 1);
    }
  }
  auto& d = sink_.error(Code::ImportNotFound, where(site), "imported file '" + spec + "' not found (looked for '" +
                                                               candidate.string() + "')");
  if (std::string p = first_component(spec); !opt_.import_roots.empty() || is_library_alias(p))
    d.notes.push_back({diag::Severity::Note, Code::ImportNotFound, where(site),
                       is_library_alias(p) && !library_dir(p)
                           ? "'" + p + "/' names SODALITE's iac-modules; map it with --import-path modules=DIR"
                           : "no import root maps '" + p + "/'",
                       {}});
  return false;
}

}  // namespace

bool load_service(const std::string& path, const LoadOptions& options, Service& out, diag::Sink& sink) {
  Importer imp(options, out, sink);
  return imp.load_entry(path);
}

bool load_service_text(std::string content, const std::string& display_name, const std::string& base_dir,
                       const LoadOptions& options, Service& out, diag::Sink& sink) {
  Importer imp(options, out, sink);
  return imp.load_entry_text(std::move(content), display_name, base_dir);
}

}  // namespace modak::tosca
