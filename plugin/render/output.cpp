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
    error = "cannot write '" + zip_path.string() + "': " + zip_strerror(z);
    zip_discard(z);
    return false;
  }
  return true;
}

// Swaps two directory entries atomically (Linux renameat2 RENAME_EXCHANGE). False with errno set
// when the file system cannot.
bool exchange(const fs::path& a, const fs::path& b) {
  return ::renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE) == 0;
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

}  // namespace

bool write_output(const tosca::Service& svc, const std::string& service_text, const std::vector<Artefact>& artefacts,
                  const WriteOptions& o, std::string& error, std::vector<std::string>* notes) {
  std::error_code ec;
  if (o.out_dir.empty()) {
    error = "no output directory given";
    return false;
  }
  fs::path out = fs::absolute(o.out_dir).lexically_normal();
  if (out.filename().empty()) out = out.parent_path();  // "out/" names "out"
  if (fs::exists(fs::symlink_status(out, ec)) && !fs::is_directory(fs::status(out, ec))) {
    error = "'" + out.string() + "' exists and is not a directory";
    return false;
  }
  fs::path zip_path = out;
  zip_path += ".csar";
  // modak never writes over what it read: an output directory that is, or holds, an input file
  // (the blueprint, an import, a library, modak's own types) would replace it, and a CSAR zip
  // written over the input zip would destroy it. Compared through symbolic links.
  const fs::path out_real = canonical_or_self(out);
  const fs::path zip_real = canonical_or_self(zip_path);
  for (const auto& u : svc.units) {
    std::string input = u.origin.kind == tosca::Origin::Kind::Zip    ? u.origin.container
                        : u.origin.kind == tosca::Origin::Kind::File ? u.origin.path
                                                                     : std::string();
    if (input.empty()) continue;
    const fs::path in_real = canonical_or_self(input);
    if (within_or_equal(in_real, out_real)) {
      error = "the output directory '" + out.string() + "' holds '" + input +
              "', which modak read: writing it would replace the input; choose another output directory";
      return false;
    }
    if (o.csar && in_real == zip_real) {
      error = "'" + zip_path.string() + "' is the input: writing the CSAR would replace it; choose another output directory";
      return false;
    }
  }
  const fs::path parent = out.parent_path();
  const fs::path parent_real = canonical_or_self(parent);
  const std::string out_name = out.filename().string();
  const std::string prefix = temp_prefix(out);
  // When the output lies inside the blueprint's folder (`-o out` next to service.yaml), the copy
  // of that folder must not take the output, its CSAR or modak's temporary files along.
  auto skip = [&](const fs::path& p) {
    std::string name = p.filename().string();
    if (name != out_name && name != out_name + ".csar" && name.rfind(prefix, 0) != 0 &&
        name != out_name + ".modak-tmp" && name != out_name + ".modak-old")
      return false;
    return canonical_or_self(p.parent_path()) == parent_real;
  };

  fs::create_directories(parent, ec);
  if (ec) {
    error = "cannot create '" + parent.string() + "': " + ec.message();
    return false;
  }
  std::string tmp_name = (parent / (prefix + "modak-tmp-XXXXXX")).string();
  if (!::mkdtemp(tmp_name.data())) {
    error = "cannot create a temporary directory beside '" + out.string() + "': " + errno_text();
    return false;
  }
  const fs::path tmp = tmp_name;
  fs::path zip_tmp;
  auto cleanup = [&]() {
    std::error_code ignored;
    fs::remove_all(tmp, ignored);
    if (!zip_tmp.empty()) fs::remove(zip_tmp, ignored);
  };
  auto fail = [&](const std::string& why) {
    error = why;
    cleanup();
    return false;
  };

  Staging st(tmp, o, notes);
  // The blueprint's own folder (its relative imports, playbooks and files), then the libraries.
  const tosca::Origin& origin = svc.root_unit().origin;
  fs::path entry = origin.path;
  bool staged = true;
  if (origin.kind == tosca::Origin::Kind::File && !entry.parent_path().empty())
    staged = st.copy_tree(entry.parent_path(), tmp, skip);
  else if (origin.kind == tosca::Origin::Kind::Zip)
    staged = st.copy_zip(origin.container, entry.parent_path().string());
  staged = staged && copy_libraries(svc, st, skip);
  const std::string entry_name = "service.yaml";
  // The copied original would sit beside the rewritten blueprint under another name (service.yml):
  // remove it, so that nobody deploys the unoptimised one by habit.
  if (staged && entry.filename() != entry_name) staged = st.remove(tmp / entry.filename());
  staged = staged && st.write(tmp / entry_name, service_text);
  for (std::size_t i = 0; staged && i < artefacts.size(); ++i) {
    const Artefact& a = artefacts[i];
    fs::path p = (tmp / a.path).lexically_normal();
    if (!within_or_equal(p, tmp) || p == tmp) return fail("artefact path '" + a.path + "' leaves the output");
    staged = st.write(p, a.content);
    if (staged && a.path.rfind("jobs/", 0) == 0) {
      fs::permissions(p, fs::perms::owner_exec | fs::perms::group_exec, fs::perm_options::add, ec);
      if (ec) staged = st.fail("cannot make '" + p.string() + "' executable: " + ec.message());
    }
  }
  staged = staged && st.write(tmp / "TOSCA-Metadata" / "TOSCA.meta", tosca_meta(entry_name));
  if (!staged) return fail(st.error);

  // The CSAR is built from the staged directory before anything is swapped, so that a failure
  // there leaves both previous outputs as they were.
  if (o.csar) {
    std::string zip_name = (parent / (prefix + "csar.modak-tmp-XXXXXX")).string();
    int fd = ::mkstemp(zip_name.data());
    if (fd < 0) return fail("cannot create a temporary file beside '" + zip_path.string() + "': " + errno_text());
    ::close(fd);
    zip_tmp = zip_name;
    std::string why;
    if (!write_csar(tmp, zip_tmp, why)) return fail(why);
    if (::chmod(zip_tmp.c_str(), 0644) != 0) return fail("cannot set the mode of '" + zip_tmp.string() + "': " + errno_text());
  }
  if (!sync_dir(tmp)) return fail("cannot flush '" + tmp.string() + "' to disk: " + errno_text());

  // Swap the new directory in. With RENAME_EXCHANGE the previous output moves to the temporary
  // name in the same step, and is deleted only once the new one is in place.
  bool had_previous = fs::exists(fs::symlink_status(out, ec));
  bool exchanged = false;
  fs::path old;  // the previous output moved aside, when RENAME_EXCHANGE is not available
  if (had_previous && exchange(tmp, out)) {
    exchanged = true;
  } else if (had_previous && errno != EINVAL && errno != ENOSYS && errno != ENOTSUP) {
    return fail("cannot move the output into place: " + errno_text());
  } else if (had_previous) {
    std::string old_name = (parent / (prefix + "modak-old-XXXXXX")).string();
    if (!::mkdtemp(old_name.data())) return fail("cannot create a temporary name beside '" + out.string() + "': " + errno_text());
    old = old_name;
    if (::rename(out.c_str(), old.c_str()) != 0) {
      std::string why = errno_text();
      ::rmdir(old.c_str());
      return fail("cannot move the previous output aside: " + why);
    }
    if (::rename(tmp.c_str(), out.c_str()) != 0) {
      std::string why = errno_text();
      ::rename(old.c_str(), out.c_str());
      return fail("cannot move the output into place: " + why);
    }
  } else if (::rename(tmp.c_str(), out.c_str()) != 0) {
    return fail("cannot move the output into place: " + errno_text());
  }
  if (o.csar && ::rename(zip_tmp.c_str(), zip_path.c_str()) != 0) {
    std::string why = errno_text();
    // Put the previous directory back, so that directory and CSAR still match.
    if (exchanged) {
      exchange(tmp, out);
    } else {
      ::rename(out.c_str(), tmp.c_str());
      if (!old.empty()) ::rename(old.c_str(), out.c_str());
    }
    return fail("cannot move '" + zip_path.string() + "' into place: " + why);
  }
  zip_tmp.clear();
  // The previous output, now under a temporary name, goes last.
  const fs::path previous = exchanged ? tmp : old;
  if (!previous.empty()) {
    fs::remove_all(previous, ec);
    if (ec && notes) notes->push_back("could not remove the previous output at '" + previous.string() + "': " + ec.message());
  }
  sync_dir(parent);
  return true;
}

}  // namespace modak::render
