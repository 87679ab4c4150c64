#include "plugin/render/output.h"

#include <zip.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "tosca/io/files.h"

namespace modak::render {

namespace fs = std::filesystem;

namespace {

constexpr std::uintmax_t kMaxCopiedFile = 64ull << 20;

bool write_text(const fs::path& path, const std::string& content, std::string& error) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  return io::write_file_atomic(path.string(), content, error);
}

// Copies a tree, skipping links (they could lead out of it), VCS folders, huge files and `skip`.
void copy_tree(const fs::path& from, const fs::path& to, const std::vector<fs::path>& skip) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(from, fs::directory_options::skip_permission_denied, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    const fs::path& p = it->path();
    bool skipped = p.filename() == ".git";
    for (const auto& s : skip) skipped |= p.lexically_normal() == s;
    if (skipped) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_symlink(ec)) continue;
    fs::path rel = p.lexically_relative(from);
    if (it->is_directory(ec)) fs::create_directories(to / rel, ec);
    else if (it->is_regular_file(ec) && it->file_size(ec) <= kMaxCopiedFile)
      fs::copy_file(p, to / rel, fs::copy_options::overwrite_existing, ec);
  }
}

std::string first_component(const std::string& s) { return s.substr(0, s.find('/')); }

// The libraries the entry file reaches through import roots ("modules/..."), copied beside it
// so that the output deploys on its own (xOpera needs the types' playbooks too).
void copy_libraries(const tosca::Service& svc, const fs::path& tmp) {
  const yaml::Node* root = svc.root_unit().root;
  const yaml::Node* imports = root && root->is_map() ? root->get("imports") : nullptr;
  if (!imports || !imports->is_seq()) return;
  std::set<std::string> prefixes;
  for (const yaml::Node* e : imports->children) {
    const yaml::Node* f = e->is_map() ? e->get("file") : e;
    if (f && f->is_scalar() && f->text.find('/') != std::string::npos) prefixes.insert(first_component(f->text));
  }
  for (const auto& prefix : prefixes) {
    if (fs::exists(tmp / prefix)) continue;  // already beside the blueprint
    // The unit loaded from this prefix tells which directory it came from.
    for (const auto& u : svc.units) {
      if (u.implicit || u.origin.root.empty() || u.importer != svc.root) continue;
      const yaml::Node* site = u.import_site;
      if (!site || site->text.rfind(prefix + "/", 0) != 0) continue;
      copy_tree(u.origin.root, tmp / prefix, {});
      break;
    }
  }
}

std::string tosca_meta(const std::string& entry) {
  return "TOSCA-Meta-File-Version: 1.1\nCSAR-Version: 1.1\nCreated-By: modak\nEntry-Definitions: " + entry + "\n";
}

bool write_csar(const fs::path& dir, const fs::path& zip_path, std::string& error) {
  fs::path tmp = zip_path;
  tmp += ".tmp";
  int zerr = 0;
  zip_t* z = zip_open(tmp.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &zerr);
  if (!z) {
    error = "cannot create '" + tmp.string() + "'";
    return false;
  }
  std::error_code ec;
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(dir, ec))
    if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());  // deterministic archives
  for (const auto& f : files) {
    std::string name = f.lexically_relative(dir).string();
    zip_source_t* src = zip_source_file(z, f.c_str(), 0, -1);
    if (!src || zip_file_add(z, name.c_str(), src, ZIP_FL_OVERWRITE | ZIP_FL_ENC_UTF_8) < 0) {
      if (src) zip_source_free(src);
      error = "cannot add '" + name + "' to the CSAR";
      zip_discard(z);
      return false;
    }
  }
  if (zip_close(z) != 0) {
    error = "cannot write '" + tmp.string() + "'";
    zip_discard(z);
    return false;
  }
  fs::rename(tmp, zip_path, ec);
  if (ec) error = "cannot rename the CSAR into place: " + ec.message();
  return !ec;
}

}  // namespace

bool write_output(const tosca::Service& svc, const std::string& service_text, const std::vector<Artefact>& artefacts,
                  const WriteOptions& o, std::string& error) {
  std::error_code ec;
  fs::path out = fs::absolute(o.out_dir).lexically_normal();
  fs::path entry = svc.root_unit().origin.path;
  fs::path entry_dir = entry.parent_path();
  if (fs::exists(out, ec) && !fs::is_directory(out, ec)) {
    error = "'" + out.string() + "' exists and is not a directory";
    return false;
  }
  if (!entry_dir.empty() && (out == entry_dir || entry_dir.lexically_relative(out).string().rfind("..", 0) != 0)) {
    error = "the output directory '" + out.string() + "' would contain the input; choose another";
    return false;
  }
  fs::create_directories(out.parent_path(), ec);
  fs::path tmp = out;
  tmp += ".modak-tmp";
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp, ec);
  auto fail = [&](const std::string& why) {
    error = why;
    fs::remove_all(tmp, ec);
    return false;
  };
  // The blueprint's own folder (its relative imports, playbooks and files), then the libraries.
  fs::path old = out;
  old += ".modak-old";
  if (svc.root_unit().origin.kind == tosca::Origin::Kind::File && !entry_dir.empty()) copy_tree(entry_dir, tmp, {out, tmp, old});
  copy_libraries(svc, tmp);
  std::string entry_name = "service.yaml";
  // The copied original would sit beside the rewritten blueprint under another name (service.yml):
  // remove it, so that nobody deploys the unoptimised one by habit.
  if (entry.filename() != entry_name) fs::remove(tmp / entry.filename(), ec);
  if (!write_text(tmp / entry_name, service_text, error)) return fail(error);
  for (const auto& a : artefacts) {
    fs::path p = (tmp / a.path).lexically_normal();
    if (p.lexically_relative(tmp).string().rfind("..", 0) == 0) return fail("artefact path '" + a.path + "' leaves the output");
    if (!write_text(p, a.content, error)) return fail(error);
    if (a.path.rfind("jobs/", 0) == 0) fs::permissions(p, fs::perms::owner_exec | fs::perms::group_exec, fs::perm_options::add, ec);
  }
  if (!write_text(tmp / "TOSCA-Metadata" / "TOSCA.meta", tosca_meta(entry_name), error)) return fail(error);
  // Swap the new directory in; the previous one is removed only once the new one is in place.
  fs::remove_all(old, ec);
  if (fs::exists(out, ec)) {
    fs::rename(out, old, ec);
    if (ec) return fail("cannot move the previous output aside: " + ec.message());
  }
  fs::rename(tmp, out, ec);
  if (ec) {
    fs::rename(old, out, ec);
    return fail("cannot move the output into place");
  }
  fs::remove_all(old, ec);
  if (o.csar) {
    fs::path zip_path = out;
    zip_path += ".csar";
    if (!write_csar(out, zip_path, error)) return false;
  }
  return true;
}

}  // namespace modak::render
