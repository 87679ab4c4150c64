#include "plugin/render/output.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include "tosca/io/zip_archive.h"

namespace modak::render {

namespace fs = std::filesystem;

namespace {

constexpr std::uintmax_t kMaxCopiedFile = 64ull << 20;

std::string errno_text() { return std::strerror(errno); }

// Temporary names beside the output OUT: ".OUT.modak-tmp-XXXXXX" (the directory being built) and
// ".OUT.csar.modak-tmp-XXXXXX" (the zip being built). Unique, so concurrent runs do not collide;
// hidden, and never copied into an output.
std::string temp_prefix(const fs::path& out) { return "." + out.filename().string() + "."; }

bool within_or_equal(const fs::path& p, const fs::path& dir) {
  auto rel = p.lexically_relative(dir);
  return !rel.empty() && *rel.begin() != "..";
}

fs::path canonical_or_self(const fs::path& p) {
  std::error_code ec;
  fs::path c = fs::weakly_canonical(p, ec);
  return ec ? p.lexically_normal() : c;
}

// The directory being filled. Every operation checks its result; the first failure is kept in
// `error` and stops the write.
class Staging {
 public:
  Staging(fs::path root, const WriteOptions& o, std::vector<std::string>* notes)
      : root_(std::move(root)), o_(o), notes_(notes) {}

  const fs::path& root() const { return root_; }
  std::string error;

  bool fail(std::string why) {
    if (error.empty()) error = std::move(why);
    return false;
  }
  void note(std::string what) {
    if (notes_) notes_->push_back(std::move(what));
  }

  bool mkdirs(const fs::path& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return fail("cannot create '" + dir.string() + "': " + ec.message());
    return true;
  }

  // One file, plainly: no temporary file, rename or fsync per file, because the staging directory
  // as a whole is synced once and swapped in atomically at the end, and nobody reads it before.
  // (One fsync per job script made preprocess of a 1000-job blueprint wait for the disk: 4 s
  // instead of 0.3 s.) O_NOFOLLOW: the staging directory holds no links (the copy leaves them
  // out), so one found here is refused rather than written through.
  bool write(const fs::path& path, const std::string& content) {
    if (!mkdirs(path.parent_path())) return false;
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) return fail("cannot create '" + path.string() + "': " + errno_text());
    bool ok = ::fchmod(fd, 0644) == 0;  // 0644 whatever the umask, as write_file_atomic
    for (std::size_t done = 0; ok && done < content.size();) {
      ssize_t n = ::write(fd, content.data() + done, content.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) ok = false;
      else done += static_cast<std::size_t>(n);
    }
    if (!ok) {
      std::string why = errno_text();
      ::close(fd);
      return fail("cannot write '" + path.string() + "': " + why);
    }
    if (::close(fd) != 0) return fail("cannot write '" + path.string() + "': " + errno_text());
    return done(path);
  }

  // A plain read/write loop rather than std::filesystem::copy_file, whose sendfile path reports a
  // full disk as "Input/output error"; the mode bits are kept (playbooks may be executable).
  bool copy(const fs::path& from, const fs::path& to) {
    int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (in < 0) return fail("cannot read '" + from.string() + "': " + errno_text());
    struct stat sb {};
    int out = ::fstat(in, &sb) == 0 ? ::open(to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600) : -1;
    if (out < 0) {
      std::string why = errno_text();
      ::close(in);
      return fail("cannot create '" + to.string() + "': " + why);
    }
    std::string why;
    char buf[1 << 16];
    for (;;) {
      ssize_t n = ::read(in, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        why = "cannot read '" + from.string() + "': " + errno_text();
        break;
      }
      if (n == 0) break;
      for (ssize_t done = 0; done < n;) {
        ssize_t w = ::write(out, buf + done, static_cast<std::size_t>(n - done));
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) {
          why = "cannot write '" + to.string() + "': " + errno_text();
          break;
        }
        done += w;
      }
      if (!why.empty()) break;
    }
    ::close(in);
    if (why.empty() && ::fchmod(out, sb.st_mode & 0777) != 0) why = "cannot set the mode of '" + to.string() + "': " + errno_text();
    if (::close(out) != 0 && why.empty()) why = "cannot write '" + to.string() + "': " + errno_text();
    if (!why.empty()) return fail(why);
    return done(to);
  }

  // Copies a tree, leaving out symbolic links (they could lead out of it; noted), VCS folders,
  // files over kMaxCopiedFile (noted) and what `skip` names. A directory or file that cannot be
  // read or written is an error: an output silently missing a playbook is worse than none.
  template <class Skip>
  bool copy_tree(const fs::path& from, const fs::path& to, Skip skip) {
    std::error_code ec;
    fs::recursive_directory_iterator it(from, fs::directory_options::none, ec), end;
    if (!mkdirs(to)) return false;
    for (;;) {
      if (ec) return fail("cannot read '" + from.string() + "': " + ec.message());
      if (it == end) break;
      const fs::path p = it->path();
      if (p.filename() == ".git" || skip(p)) {
        it.disable_recursion_pending();
        it.increment(ec);
        continue;
      }
      fs::file_status st = it->symlink_status(ec);
      if (ec) return fail("cannot read '" + p.string() + "': " + ec.message());
      fs::path dest = to / p.lexically_relative(from);
      if (fs::is_symlink(st)) {
        note("left out '" + p.string() + "': a symbolic link");
      } else if (fs::is_directory(st)) {
        if (!mkdirs(dest)) return false;
      } else if (fs::is_regular_file(st)) {
        std::uintmax_t size = it->file_size(ec);
        if (ec) return fail("cannot read '" + p.string() + "': " + ec.message());
        if (size > kMaxCopiedFile)
          note("left out '" + p.string() + "': " + std::to_string(size) + " bytes, more than the " +
               std::to_string(kMaxCopiedFile >> 20) + " MiB modak copies");
        else if (!copy(p, dest))
          return false;
      } else {
        note("left out '" + p.string() + "': not a regular file");
      }
      it.increment(ec);
    }
    return true;
  }

  // The entries of a CSAR zip under `dir` (the entry file's folder), as a CSAR directory's files.
  bool copy_zip(const std::string& container, const std::string& dir) {
    std::string why;
    auto z = io::ZipArchive::open(container, why);
    if (!z) return fail("cannot read '" + container + "': " + why);
    std::string prefix = dir.empty() ? std::string() : dir + "/";
    for (const auto& name : z->entries()) {
      if (name.rfind(prefix, 0) != 0) continue;
      std::string norm, content;
      if (!io::normalize_relative_path(name, norm)) {
        note("left out '" + container + "/" + name + "': an unsafe entry name");
        continue;
      }
      if (!z->read(norm, content, why)) {
        if (why.find("symbolic link") != std::string::npos) {
          note("left out '" + container + "/" + name + "': a symbolic link");
          continue;
        }
        return fail("cannot read '" + container + "': " + why);
      }
      if (!write(root_ / norm.substr(prefix.size()), content)) return false;
    }
    return true;
  }

  // Removes a file the copy brought along (missing is fine).
  bool remove(const fs::path& p) {
    std::error_code ec;
    fs::remove(p, ec);
    if (ec) return fail("cannot remove '" + p.string() + "': " + ec.message());
    return true;
  }

 private:
  bool done(const fs::path& p) {
    if (o_.after_file && !o_.after_file(p.string()))
      return fail("stopped after writing '" + p.string() + "' (a fault injected by a test)");
    return true;
  }

  fs::path root_;
  const WriteOptions& o_;
  std::vector<std::string>* notes_;
};

std::string first_component(const std::string& s) { return s.substr(0, s.find('/')); }

// The libraries the entry file reaches through import roots ("modules/..."), copied beside it
// so that the output deploys on its own (xOpera needs the types' playbooks too).
template <class Skip>
bool copy_libraries(const tosca::Service& svc, Staging& st, Skip skip) {
  const yaml::Node* root = svc.root_unit().root;
  const yaml::Node* imports = root && root->is_map() ? root->get("imports") : nullptr;
  if (!imports || !imports->is_seq()) return true;
  std::set<std::string> prefixes;
  for (const yaml::Node* e : imports->children) {
    const yaml::Node* f = e->is_map() ? e->get("file") : e;
    if (f && f->is_scalar() && f->text.find('/') != std::string::npos) prefixes.insert(first_component(f->text));
  }
  for (const auto& prefix : prefixes) {
    std::error_code ec;
    if (fs::exists(st.root() / prefix, ec)) continue;  // already beside the blueprint
    // The unit loaded from this prefix tells which directory it came from.
    for (const auto& u : svc.units) {
      if (u.implicit || u.origin.root.empty() || u.importer != svc.root) continue;
      const yaml::Node* site = u.import_site;
      if (!site || site->text.rfind(prefix + "/", 0) != 0) continue;
      if (!st.copy_tree(u.origin.root, st.root() / prefix, skip)) return false;
      break;
    }
  }
  return true;
}

std::string tosca_meta(const std::string& entry) {
  return "TOSCA-Meta-File-Version: 1.1\nCSAR-Version: 1.1\nCreated-By: modak\nEntry-Definitions: " + entry + "\n";
}

// Zips `dir` into the file `zip_path` (created empty by the caller).
bool write_csar(const fs::path& dir, const fs::path& zip_path, std::string& error) {
  int zerr = 0;
  zip_t* z = zip_open(zip_path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &zerr);
  if (!z) {
    error = "cannot create '" + zip_path.string() + "'";
    return false;
  }
  std::error_code ec;
  std::vector<fs::path> files;
  fs::recursive_directory_iterator it(dir, ec), end;
  for (; !ec && it != end; it.increment(ec))
    if (it->is_regular_file(ec)) files.push_back(it->path());
  if (ec) {
    zip_discard(z);
    error = "cannot list '" + dir.string() + "': " + ec.message();
    return false;
  }
  // Sorted, so that the entries' order does not depend on the directory listing. (The archive is
  // not byte-for-byte reproducible: zip_source_file stores each file's modification time.)
  std::sort(files.begin(), files.end());
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
    error = "cannot write '" + zip_path.string() + "': " + zip_strerror(z);
    zip_discard(z);
    return false;
  }
  return true;
}

// Flushes the file system that holds `dir`, so that the swapped-in output is on disk before the
// previous one is deleted.
bool sync_dir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::syncfs(fd) == 0;
  ::close(fd);
  return ok;
}

// Where the output goes, and the names modak uses beside it.
struct Target {
  fs::path out;       // OUTDIR, absolute and normal
  fs::path zip_path;  // OUTDIR.csar
  fs::path parent;
  std::string name;    // OUTDIR's file name
  std::string prefix;  // temp_prefix(out)
};

bool resolve_target(const std::string& out_dir, Target& t, std::string& error) {
  if (out_dir.empty()) {
    error = "no output directory given";
    return false;
  }
  t.out = fs::absolute(out_dir).lexically_normal();
  if (t.out.filename().empty()) t.out = t.out.parent_path();  // "out/" names "out"
  t.zip_path = t.out;
  t.zip_path += ".csar";
  t.parent = t.out.parent_path();
  t.name = t.out.filename().string();
  t.prefix = temp_prefix(t.out);
  return true;
}

// modak never writes over what it read: an output directory that is, or holds, an input file
// (the blueprint, an import, a library, modak's own types) would replace it, and a CSAR zip
// written over the input zip would destroy it. Compared through symbolic links.
bool check_not_input(const tosca::Service& svc, const Target& t, bool csar, std::string& error) {
  const fs::path out_real = canonical_or_self(t.out);
  const fs::path zip_real = canonical_or_self(t.zip_path);
  for (const auto& u : svc.units) {
    std::string input = u.origin.kind == tosca::Origin::Kind::Zip    ? u.origin.container
                        : u.origin.kind == tosca::Origin::Kind::File ? u.origin.path
                                                                     : std::string();
    if (input.empty()) continue;
    const fs::path in_real = canonical_or_self(input);
    if (within_or_equal(in_real, out_real)) {
      error = "the output directory '" + t.out.string() + "' holds '" + input +
              "', which modak read: writing it would replace the input; choose another output directory";
      return false;
    }
    if (csar && in_real == zip_real) {
      error = "'" + t.zip_path.string() + "' is the input: writing the CSAR would replace it; choose another output directory";
      return false;
    }
  }
  return true;
}

// The swap replaces OUTDIR as a whole and deletes what was there: refused for anything but a
// missing or empty directory or a previous modak output, unless forced. OUTDIR.csar must not be
// a directory (the CSAR's rename would fail only after the swap).
bool check_replaceable(const Target& t, const WriteOptions& o, std::string& error) {
  std::error_code ec;
  if (o.csar && fs::is_directory(fs::symlink_status(t.zip_path, ec))) {
    error = "'" + t.zip_path.string() + "' is a directory: the CSAR cannot be written there; remove it or choose another output directory";
    return false;
  }
  if (!fs::exists(fs::symlink_status(t.out, ec))) return true;
  if (!fs::is_directory(fs::status(t.out, ec))) {
    error = "'" + t.out.string() + "' exists and is not a directory";
    return false;
  }
  fs::directory_iterator it(t.out, ec);
  if (ec) {
    error = "cannot read '" + t.out.string() + "': " + ec.message();
    return false;
  }
  if (it == fs::directory_iterator() || o.force || is_modak_output(t.out.string())) return true;
  error = "'" + t.out.string() +
          "' is a directory that is not empty and not a modak output (no TOSCA-Metadata/TOSCA.meta saying "
          "'Created-By: modak'): writing the output would delete what it holds; choose another output directory, "
          "remove it yourself, or pass --force (C API: \"force\": true) to replace it";
  return false;
}

// Names the copy of the blueprint's folder leaves out when the output lies inside it (`-o out`
// next to service.yaml): the output, its CSAR and modak's temporary names, so that an output
// never copies itself or a previous one.
auto own_output_names(const Target& t) {
  return [&t, parent_real = canonical_or_self(t.parent)](const fs::path& p) {
    const std::string name = p.filename().string();
    bool ours = name == t.name || name == t.name + ".csar" || name.rfind(t.prefix, 0) == 0 ||
                // What modak versions before the mkdtemp names used for the directory being built
                // and the previous output moved aside; such leftovers must not be copied either.
                name == t.name + ".modak-tmp" || name == t.name + ".modak-old";
    return ours && canonical_or_self(p.parent_path()) == parent_real;
  };
}

// The blueprint's own folder (its relative imports, playbooks and files), then the libraries,
// the rewritten service.yaml, the artefacts and TOSCA.meta, into the staging directory.
bool stage(const tosca::Service& svc, const std::string& service_text, const std::vector<Artefact>& artefacts,
           const Target& t, Staging& st) {
  const fs::path& tmp = st.root();
  auto skip = own_output_names(t);
  const tosca::Origin& origin = svc.root_unit().origin;
  const fs::path entry = origin.path;
  if (origin.kind == tosca::Origin::Kind::File && !entry.parent_path().empty()) {
    if (!st.copy_tree(entry.parent_path(), tmp, skip)) return false;
  } else if (origin.kind == tosca::Origin::Kind::Zip) {
    if (!st.copy_zip(origin.container, entry.parent_path().string())) return false;
  }
  if (!copy_libraries(svc, st, skip)) return false;
  const std::string entry_name = "service.yaml";
  // The copied original would sit beside the rewritten blueprint under another name (service.yml):
  // remove it, so that nobody deploys the unoptimised one by habit.
  if (entry.filename() != entry_name && !st.remove(tmp / entry.filename())) return false;
  if (!st.write(tmp / entry_name, service_text)) return false;
  for (const Artefact& a : artefacts) {
    fs::path p = (tmp / a.path).lexically_normal();
    if (!within_or_equal(p, tmp) || p == tmp) return st.fail("artefact path '" + a.path + "' leaves the output");
    if (!st.write(p, a.content)) return false;
    if (a.path.rfind("jobs/", 0) == 0) {
      std::error_code ec;
      fs::permissions(p, fs::perms::owner_exec | fs::perms::group_exec, fs::perm_options::add, ec);
      if (ec) return st.fail("cannot make '" + p.string() + "' executable: " + ec.message());
    }
  }
  return st.write(tmp / "TOSCA-Metadata" / "TOSCA.meta", tosca_meta(entry_name));
}

// Zips the staged directory into a fresh ".OUT.csar.modak-tmp-XXXXXX" (`zip_tmp`), before anything
// is swapped, so that a failure here leaves both previous outputs as they were.
bool build_csar(const Target& t, const fs::path& tmp, fs::path& zip_tmp, std::string& error) {
  std::string zip_name = (t.parent / (t.prefix + "csar.modak-tmp-XXXXXX")).string();
  int fd = ::mkstemp(zip_name.data());
  if (fd < 0) {
    error = "cannot create a temporary file beside '" + t.zip_path.string() + "': " + errno_text();
    return false;
  }
  ::close(fd);
  zip_tmp = zip_name;
  if (!write_csar(tmp, zip_tmp, error)) return false;
  if (::chmod(zip_tmp.c_str(), 0644) != 0) {
    error = "cannot set the mode of '" + zip_tmp.string() + "': " + errno_text();
    return false;
  }
  return true;
}

// What the swap did. On success `previous` is the previous output under a temporary name, to
// delete. On failure `stranded`, when set, is where the previous output now is because putting
// it back failed too: it must not be deleted, and `error` says so.
struct Swap {
  std::string error;
  fs::path previous;
  fs::path stranded;
  bool fail(std::string why) {
    error = std::move(why);
    return false;
  }
};

// One rename of the swap; the test seam can make it fail with a given errno.
bool step(const WriteOptions& o, const char* name, const fs::path& from, const fs::path& to, bool exchange) {
  if (o.swap_fault) {
    if (int e = o.swap_fault(name)) {
      errno = e;
      return false;
    }
  }
  return exchange ? ::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_EXCHANGE) == 0
                  : ::rename(from.c_str(), to.c_str()) == 0;
}
bool rename_step(const WriteOptions& o, const char* name, const fs::path& from, const fs::path& to) {
  return step(o, name, from, to, false);
}
// Swaps two directory entries atomically (Linux renameat2 RENAME_EXCHANGE). False with errno set
// when it fails, EINVAL/ENOSYS/ENOTSUP when the file system cannot.
bool exchange_step(const WriteOptions& o, const char* name, const fs::path& a, const fs::path& b) {
  return step(o, name, a, b, true);
}

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

// No previous output: rename the new one into place, then the CSAR; if the CSAR cannot be
// placed, the directory goes again.
bool swap_into_empty_place(const Target& t, const fs::path& tmp, const WriteOptions& o, const fs::path& zip_tmp, Swap& s) {
  if (!rename_step(o, "move in", tmp, t.out)) return s.fail("cannot move the output into place: " + errno_text());
  if (!o.csar || rename_step(o, "csar", zip_tmp, t.zip_path)) return true;
  s.error = "cannot move " + quoted(t.zip_path) + " into place: " + errno_text();
  if (rename_step(o, "move out", t.out, tmp)) return false;
  s.error += "; taking the new output away again failed too (" + errno_text() + "): " + quoted(t.out) +
             " holds the new output without its CSAR (there was no previous output)";
  s.stranded = t.out;  // not the previous output, but not ours to delete either
  return false;
}

// RENAME_EXCHANGE done (OUTDIR is the new output, `tmp` the previous one): place the CSAR, or
// exchange back.
bool place_csar_after_exchange(const Target& t, const fs::path& tmp, const WriteOptions& o, const fs::path& zip_tmp, Swap& s) {
  if (!o.csar || rename_step(o, "csar", zip_tmp, t.zip_path)) {
    s.previous = tmp;
    return true;
  }
  s.error = "cannot move " + quoted(t.zip_path) + " into place: " + errno_text();
  // Put the previous directory back, so that directory and CSAR still match.
  if (exchange_step(o, "exchange back", tmp, t.out)) return false;
  s.error += "; swapping the previous output back failed too (" + errno_text() + "): " + quoted(t.out) +
             " now holds the new output, " + quoted(t.zip_path) + " is the previous CSAR, and the previous output is at " +
             quoted(tmp) + " (not deleted)";
  s.stranded = tmp;
  return false;
}

// Without RENAME_EXCHANGE: the previous output is renamed aside to ".OUT.modak-old-XXXXXX", the
// new one into place, then the CSAR; each failure renames back what was moved.
bool swap_by_renames(const Target& t, const fs::path& tmp, const WriteOptions& o, const fs::path& zip_tmp, Swap& s) {
  std::string old_name = (t.parent / (t.prefix + "modak-old-XXXXXX")).string();
  if (!::mkdtemp(old_name.data())) return s.fail("cannot create a temporary name beside " + quoted(t.out) + ": " + errno_text());
  const fs::path old = old_name;
  if (!rename_step(o, "move aside", t.out, old)) {
    std::string why = errno_text();
    ::rmdir(old.c_str());
    return s.fail("cannot move the previous output aside: " + why);
  }
  bool moved_in = rename_step(o, "move in", tmp, t.out);
  if (moved_in && (!o.csar || rename_step(o, "csar", zip_tmp, t.zip_path))) {
    s.previous = old;
    return true;
  }
  s.error = moved_in ? "cannot move " + quoted(t.zip_path) + " into place: " + errno_text()
                     : "cannot move the output into place: " + errno_text();
  if (moved_in && !rename_step(o, "move out", t.out, tmp)) {
    s.error += "; taking the new output away failed too (" + errno_text() + "): " + quoted(t.out) +
               " holds the new output without its CSAR, and the previous output is at " + quoted(old) + " (not deleted)";
    s.stranded = old;
    return false;
  }
  if (rename_step(o, "move back", old, t.out)) return false;
  s.error += "; moving the previous output back failed too (" + errno_text() + "): it is at " + quoted(old) +
             " (not deleted) and " + quoted(t.out) + " does not exist; rename it back yourself";
  s.stranded = old;
  return false;
}

// Swaps the staged directory `tmp` in at OUTDIR and the CSAR at OUTDIR.csar. With RENAME_EXCHANGE
// the previous output moves to `tmp` in the same step; it is deleted by the caller only once the
// new one is in place.
bool swap_in(const Target& t, const fs::path& tmp, const WriteOptions& o, const fs::path& zip_tmp, Swap& s) {
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(t.out, ec))) return swap_into_empty_place(t, tmp, o, zip_tmp, s);
  if (exchange_step(o, "exchange", tmp, t.out)) return place_csar_after_exchange(t, tmp, o, zip_tmp, s);
  if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP) return s.fail("cannot move the output into place: " + errno_text());
  return swap_by_renames(t, tmp, o, zip_tmp, s);
}

// The staging directory and the CSAR being built; removed on failure unless a failed rollback
// left the previous output there.
struct Temporaries {
  fs::path dir, zip;
  fs::path keep;
  ~Temporaries() {
    std::error_code ignored;
    if (!dir.empty() && dir != keep) fs::remove_all(dir, ignored);
    if (!zip.empty()) fs::remove(zip, ignored);
  }
};

}  // namespace

bool is_modak_output(const std::string& dir) {
  std::ifstream in(fs::path(dir) / "TOSCA-Metadata" / "TOSCA.meta");
  std::string line;
  for (int n = 0; n < 100 && std::getline(in, line); ++n) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line == "Created-By: modak") return true;
  }
  return false;
}

bool write_output(const tosca::Service& svc, const std::string& service_text, const std::vector<Artefact>& artefacts,
                  const WriteOptions& o, std::string& error, std::vector<std::string>* notes, bool* unchanged) {
  if (unchanged) *unchanged = true;
  Target t;
  if (!resolve_target(o.out_dir, t, error) || !check_not_input(svc, t, o.csar, error) || !check_replaceable(t, o, error))
    return false;
  std::error_code ec;
  fs::create_directories(t.parent, ec);
  if (ec) {
    error = "cannot create '" + t.parent.string() + "': " + ec.message();
    return false;
  }
  std::string tmp_name = (t.parent / (t.prefix + "modak-tmp-XXXXXX")).string();
  if (!::mkdtemp(tmp_name.data())) {
    error = "cannot create a temporary directory beside '" + t.out.string() + "': " + errno_text();
    return false;
  }
  Temporaries temps;
  temps.dir = tmp_name;

  Staging st(temps.dir, o, notes);
  if (!stage(svc, service_text, artefacts, t, st)) {
    error = st.error;
    return false;
  }
  if (o.csar && !build_csar(t, temps.dir, temps.zip, error)) return false;
  if (!sync_dir(temps.dir)) {
    error = "cannot flush '" + temps.dir.string() + "' to disk: " + errno_text();
    return false;
  }
  Swap s;
  if (!swap_in(t, temps.dir, o, temps.zip, s)) {
    error = s.error;
    temps.keep = s.stranded;
    if (unchanged && !s.stranded.empty()) *unchanged = false;
    return false;
  }
  temps.zip.clear();  // now OUTDIR.csar
  // The previous output, now under a temporary name, goes last.
  temps.dir.clear();
  if (!s.previous.empty()) {
    fs::remove_all(s.previous, ec);
    if (ec && notes) notes->push_back("could not remove the previous output at '" + s.previous.string() + "': " + ec.message());
  }
  sync_dir(t.parent);
  return true;
}

}  // namespace modak::render
