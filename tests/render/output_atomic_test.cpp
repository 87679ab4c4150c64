// How render::write_output writes (docs/outputs.md): into a fresh temporary directory beside the
// output, swapped in at the end. A failure at any point — forced here through the writer's test
// seams (WriteOptions::after_file, WriteOptions::swap_fault), which neither the CLI nor the C API
// can set — must leave the previous output byte for byte as it was, and nothing temporary beside
// it; when even putting the previous output back fails, it must survive and the error must say
// where it is. Writing over any input, or over a directory modak did not write, is refused. tests/scripts/output_enospc_test.sh does the same with a real full disk.
#include <doctest/doctest.h>

#include <stdlib.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "plugin/render/output.h"
#include "tosca/load/service.h"
#include "tests/support/temp_dir.h"

namespace {

namespace fs = std::filesystem;
using modak::render::Artefact;
using modak::render::WriteOptions;
using modak::render::write_output;

using modak::test::TempDir;

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Every entry under `dir` (relative name -> content, "<dir>" for directories), so that two
// snapshots are equal only if the trees are byte-identical.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> s;
  if (!fs::exists(dir)) return s;
  if (fs::is_regular_file(dir)) {
    s[""] = read(dir);
    return s;
  }
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    std::string rel = e.path().lexically_relative(dir).string();
    s[rel] = e.is_directory() ? std::string("<dir>") : read(e.path());
  }
  return s;
}

std::set<std::string> names_in(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
  return names;
}

constexpr const char* kService =
    "tosca_definitions_version: tosca_simple_yaml_1_3\n"
    "imports:\n  - types.yaml\n"
    "topology_template:\n  node_templates:\n    box:\n      type: tosca.nodes.Compute\n";

// A blueprint folder: the entry, an import, a playbook and a data file.
fs::path make_blueprint(const fs::path& dir) {
  write(dir / "service.yaml", kService);
  write(dir / "types.yaml", "tosca_definitions_version: tosca_simple_yaml_1_3\n");
  write(dir / "playbooks" / "create.yml", "- hosts: all\n  tasks: []\n");
  write(dir / "data" / "input.csv", std::string(10000, 'x'));
  return dir / "service.yaml";
}

struct Loaded {
  modak::tosca::Service svc;
  explicit Loaded(const fs::path& entry) {
    modak::diag::Sink sink;
    modak::tosca::LoadOptions o;
    REQUIRE(modak::tosca::load_service(entry.string(), o, svc, sink));
    REQUIRE_FALSE(sink.has_errors());
  }
};

std::vector<Artefact> artefacts(const std::string& tag) {
  return {{"jobs/box.sh", "#!/bin/sh\necho " + tag + "\n"}, {"modak/types.yaml", "# " + tag + "\n"}};
}

WriteOptions options(const fs::path& out, bool csar) {
  WriteOptions o;
  o.out_dir = out.string();
  o.csar = csar;
  return o;
}

bool write_with(const Loaded& l, const fs::path& out, const std::string& tag, bool csar,
                std::function<bool(const std::string&)> hook, std::string& error) {
  WriteOptions o = options(out, csar);
  o.after_file = std::move(hook);
  return write_output(l.svc, "# " + tag + "\n" + kService, artefacts(tag), o, error);
}

// A write whose swap steps named in `faults` fail with the given errno.
bool write_faulty(const Loaded& l, const fs::path& out, const std::string& tag, const std::map<std::string, int>& faults,
                  std::string& error, bool& unchanged) {
  WriteOptions o = options(out, true);
  o.swap_fault = [faults](const std::string& step) {
    auto it = faults.find(step);
    return it == faults.end() ? 0 : it->second;
  };
  return write_output(l.svc, "# " + tag + "\n" + kService, artefacts(tag), o, error, nullptr, &unchanged);
}

// The one entry in `dir` whose name contains `part`, or an empty path.
fs::path entry_named(const fs::path& dir, const std::string& part) {
  fs::path found;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().find(part) != std::string::npos) {
      if (!found.empty()) return {};
      found = e.path();
    }
  return found;
}

}  // namespace

TEST_SUITE("unit") {
  TEST_CASE("output: a failure after the first file keeps the previous output byte-identical, no temporary left") {
    TempDir t;
    Loaded l(make_blueprint(t / "bp"));
    const fs::path out = t / "site" / "out";
    std::string error;
    REQUIRE_MESSAGE(write_with(l, out, "first", true, {}, error), error);
    const auto before = snapshot(out);
    const auto csar_before = snapshot(t / "site" / "out.csar");
    const auto names_before = names_in(t / "site");
    CHECK(names_before == std::set<std::string>{"out", "out.csar"});
    CHECK(read(out / "service.yaml").rfind("# first\n", 0) == 0);

    // Fail after the 1st file, then after the 2nd, ... until a write gets through: every
    // failing point must leave exactly the previous output and nothing else.
    int files = 0;
    for (int fail_at = 1;; ++fail_at) {
      CAPTURE(fail_at);
      int seen = 0;
      error.clear();
      bool ok = write_with(l, out, "second", true, [&](const std::string&) { return ++seen < fail_at; }, error);
      if (ok) {
        files = seen;
        break;
      }
      CHECK(error.find("a fault injected by a test") != std::string::npos);
      CHECK(snapshot(out) == before);
      CHECK(snapshot(t / "site" / "out.csar") == csar_before);
      CHECK(names_in(t / "site") == names_before);
      REQUIRE(fail_at < 100);
    }
    CHECK(files >= 7);  // service.yaml, types.yaml, the playbook, the data, 2 artefacts, TOSCA.meta
    // The write that got through replaced both, and left nothing beside them either.
    CHECK(read(out / "service.yaml").rfind("# second\n", 0) == 0);
    CHECK(read(out / "jobs" / "box.sh") == "#!/bin/sh\necho second\n");
    CHECK(names_in(t / "site") == names_before);
    CHECK(snapshot(t / "site" / "out.csar") != csar_before);
  }

  TEST_CASE("output: a failure on the very first output leaves no directory behind") {
    TempDir t;
    Loaded l(make_blueprint(t / "bp"));
    std::string error;
    CHECK_FALSE(write_with(l, t / "site" / "out", "first", true, [](const std::string&) { return false; }, error));
    CHECK(names_in(t / "site").empty());
  }

  TEST_CASE("output: the input is never written: refused when the output is, or holds, an input") {
    TempDir t;
    const fs::path entry = make_blueprint(t / "bp");
    Loaded l(entry);
    const auto input = snapshot(t / "bp");
    std::string error;
    for (const fs::path& out : {t / "bp", t.path(), t / "bp" / ".." / "bp", fs::path(t / "bp") / ""}) {
      CAPTURE(out);
      error.clear();
      CHECK_FALSE(write_with(l, out, "x", false, {}, error));
      CHECK(error.find("which modak read") != std::string::npos);
    }
    // Through a symbolic link to the input folder.
    fs::create_directory_symlink(t / "bp", t / "link");
    CHECK_FALSE(write_with(l, t / "link", "x", false, {}, error));
    CHECK(snapshot(t / "bp") == input);
    CHECK(names_in(t.path()) == std::set<std::string>{"bp", "link"});
  }

  TEST_CASE("output: inside the input folder the output is written beside the input, never into it") {
    TempDir t;
    const fs::path entry = make_blueprint(t / "bp");
    Loaded l(entry);
    const auto input = snapshot(t / "bp");
    std::string error;
    REQUIRE_MESSAGE(write_with(l, t / "bp" / "out", "one", true, {}, error), error);
    REQUIRE_MESSAGE(write_with(l, t / "bp" / "out", "two", true, {}, error), error);
    // The folder's own files are as they were; only out/ and out.csar were added.
    auto now = snapshot(t / "bp");
    for (const auto& [name, content] : input) CHECK(now[name] == content);
    CHECK(names_in(t / "bp") == std::set<std::string>{"data", "out", "out.csar", "playbooks", "service.yaml", "types.yaml"});
    // The second output does not hold the first one, its CSAR or temporary files.
    CHECK(names_in(t / "bp" / "out") ==
          std::set<std::string>{"TOSCA-Metadata", "data", "jobs", "modak", "playbooks", "service.yaml", "types.yaml"});
  }

  TEST_CASE("output: a CSAR that would replace the input zip is refused") {
    TempDir t;
    // A CSAR zip input with a root-level entry: `-o DIR --csar` where DIR.csar is the input.
    make_blueprint(t / "src");
    write(t / "src" / "TOSCA-Metadata" / "TOSCA.meta", "TOSCA-Meta-File-Version: 1.1\nEntry-Definitions: service.yaml\n");
    std::string cmd = "cd '" + (t / "src").string() + "' && python3 -c \"import zipfile,os\n"
                      "z=zipfile.ZipFile('../app.csar','w')\n"
                      "[z.write(os.path.join(r,f)) for r,_,fs in os.walk('.') for f in fs]\n\" >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) {
      MESSAGE("SKIP: python3 cannot build the zip");
      return;
    }
    Loaded l(t / "app.csar");
    const auto zip = snapshot(t / "app.csar");
    std::string error;
    CHECK_FALSE(write_with(l, t / "app", "x", true, {}, error));
    CHECK(error.find("is the input") != std::string::npos);
    CHECK(snapshot(t / "app.csar") == zip);
    CHECK_FALSE(fs::exists(t / "app"));
    // Without --csar the same directory is fine, and holds the zip's files.
    REQUIRE_MESSAGE(write_with(l, t / "app", "x", false, {}, error), error);
    CHECK(fs::exists(t / "app" / "playbooks" / "create.yml"));
    CHECK(read(t / "app" / "data" / "input.csv") == std::string(10000, 'x'));
    CHECK(snapshot(t / "app.csar") == zip);
  }

  TEST_CASE("output: links in the input folder are left out and said so") {
    TempDir t;
    const fs::path entry = make_blueprint(t / "bp");
    write(t / "secret.txt", "secret\n");
    fs::create_symlink(t / "secret.txt", t / "bp" / "secret-link");
    Loaded l(entry);
    std::string error;
    std::vector<std::string> notes;
    REQUIRE_MESSAGE(write_output(l.svc, kService, artefacts("x"), options(t / "out", false), error, &notes), error);
    CHECK_FALSE(fs::exists(fs::symlink_status(t / "out" / "secret-link")));
    REQUIRE(notes.size() == 1);
    CHECK(notes[0].find("secret-link': a symbolic link") != std::string::npos);
  }

  TEST_CASE("output: a non-empty directory modak did not write is refused and untouched, replaced with force") {
    TempDir t;
    Loaded l(make_blueprint(t / "bp"));
    const fs::path project = t / "project";
    write(project / "src" / "main.c", "int main() { return 0; }\n");
    write(project / "TOSCA-Metadata" / "TOSCA.meta", "TOSCA-Meta-File-Version: 1.1\nCreated-By: someone else\n");
    const auto before = snapshot(project);
    std::string error;
    CHECK_FALSE(write_with(l, project, "x", true, {}, error));
    CHECK(error.find("not a modak output") != std::string::npos);
    CHECK(error.find("--force") != std::string::npos);
    CHECK(error.find("remove it yourself") != std::string::npos);
    CHECK(snapshot(project) == before);
    CHECK(names_in(t.path()) == std::set<std::string>{"bp", "project"});
    // Through a trailing slash and a symbolic link, too.
    fs::create_directory_symlink(project, t / "link");
    CHECK_FALSE(write_with(l, fs::path(project) / "", "x", false, {}, error));
    CHECK_FALSE(write_with(l, t / "link", "x", false, {}, error));
    CHECK(snapshot(project) == before);
    fs::remove(t / "link");

    WriteOptions o = options(project, false);
    o.force = true;
    REQUIRE_MESSAGE(write_output(l.svc, kService, artefacts("x"), o, error), error);
    CHECK_FALSE(fs::exists(project / "src"));
    CHECK(modak::render::is_modak_output(project.string()));
    CHECK(names_in(t.path()) == std::set<std::string>{"bp", "project"});
  }

  TEST_CASE("output: a missing or empty directory, or a previous modak output, is replaced without force") {
    TempDir t;
    Loaded l(make_blueprint(t / "bp"));
    std::string error;
    fs::create_directories(t / "empty");
    REQUIRE_MESSAGE(write_with(l, t / "empty", "x", false, {}, error), error);
    REQUIRE_MESSAGE(write_with(l, t / "missing" / "out", "x", false, {}, error), error);
    // A previous output: recognised by "Created-By: modak" in TOSCA.meta (CRLF too), whatever else it holds.
    write(t / "prev" / "TOSCA-Metadata" / "TOSCA.meta", "TOSCA-Meta-File-Version: 1.1\r\nCreated-By: modak\r\n");
    write(t / "prev" / "stale.sh", "old\n");
    CHECK(modak::render::is_modak_output((t / "prev").string()));
    REQUIRE_MESSAGE(write_with(l, t / "prev", "x", false, {}, error), error);
    CHECK_FALSE(fs::exists(t / "prev" / "stale.sh"));
    // And what write_output itself wrote.
    REQUIRE_MESSAGE(write_with(l, t / "prev", "y", false, {}, error), error);
    CHECK(read(t / "prev" / "service.yaml").rfind("# y\n", 0) == 0);
    CHECK(read(t / "prev" / "TOSCA-Metadata" / "TOSCA.meta").find("\nCreated-By: modak\n") != std::string::npos);
  }

  TEST_CASE("output: OUTDIR.csar being a directory is refused before anything is written") {
    TempDir t;
    Loaded l(make_blueprint(t / "bp"));
    std::string error;
    REQUIRE_MESSAGE(write_with(l, t / "out", "first", false, {}, error), error);
    write(t / "out.csar" / "keep.txt", "keep\n");
    const auto before = snapshot(t.path());
    CHECK_FALSE(write_with(l, t / "out", "second", true, {}, error));
    CHECK(error.find("out.csar' is a directory") != std::string::npos);
    CHECK(snapshot(t.path()) == before);
    // Without --csar it is not in the way.
    CHECK_MESSAGE(write_with(l, t / "out", "second", false, {}, error), error);
  }

  TEST_CASE("output: a failed swap step is rolled back, and when the rollback fails the previous output survives") {
    TempDir t;
    Loaded l(make_blueprint(t / "bp"));
    const fs::path site = t / "site", out = site / "out";
    std::string error;
    REQUIRE_MESSAGE(write_with(l, out, "first", true, {}, error), error);
    const auto before = snapshot(out);
    const auto csar_before = snapshot(site / "out.csar");
    const std::set<std::string> names_before{"out", "out.csar"};

    // Rolled back: with RENAME_EXCHANGE and with plain renames (EINVAL: no RENAME_EXCHANGE).
    const std::vector<std::map<std::string, int>> rolled_back = {
        {{"exchange", EIO}},
        {{"csar", EIO}},
        {{"exchange", EINVAL}, {"move aside", EIO}},
        {{"exchange", EINVAL}, {"move in", EIO}},
        {{"exchange", EINVAL}, {"csar", EIO}},
    };
    for (const auto& faults : rolled_back) {
      CAPTURE(faults.size());
      CAPTURE(faults.rbegin()->first);
      bool unchanged = false;
      CHECK_FALSE(write_faulty(l, out, "second", faults, error, unchanged));
      CHECK(unchanged);
      CHECK(error.find("Input/output error") != std::string::npos);
      CHECK(snapshot(out) == before);
      CHECK(snapshot(site / "out.csar") == csar_before);
      CHECK(names_in(site) == names_before);
    }
    // The plain-rename path works when nothing fails.
    bool unchanged = true;
    REQUIRE_MESSAGE(write_faulty(l, out, "renamed", {{"exchange", EINVAL}}, error, unchanged), error);
    CHECK(read(out / "service.yaml").rfind("# renamed\n", 0) == 0);
    CHECK(names_in(site) == names_before);
    REQUIRE_MESSAGE(write_with(l, out, "first", true, {}, error), error);
    const auto first = snapshot(out);

    struct Stranded {
      std::map<std::string, int> faults;
      const char* where;  // the temporary name the previous output is left under
      bool out_is_new;    // OUTDIR holds the new output (else it is missing)
    };
    const std::vector<Stranded> stranded = {
        {{{"csar", EIO}, {"exchange back", EIO}}, ".out.modak-tmp-", true},
        {{{"exchange", EINVAL}, {"move in", EIO}, {"move back", EIO}}, ".out.modak-old-", false},
        {{{"exchange", EINVAL}, {"csar", EIO}, {"move out", EIO}}, ".out.modak-old-", true},
        {{{"exchange", EINVAL}, {"csar", EIO}, {"move back", EIO}}, ".out.modak-old-", false},
    };
    for (const auto& c : stranded) {
      CAPTURE(c.where);
      CAPTURE(c.faults.size());
      CAPTURE(c.out_is_new);
      unchanged = true;
      error.clear();
      CHECK_FALSE(write_faulty(l, out, "second", c.faults, error, unchanged));
      CHECK_FALSE(unchanged);
      const fs::path previous = entry_named(site, c.where);
      REQUIRE_MESSAGE(!previous.empty(), error);
      // The previous output is intact where the error says, and was not deleted.
      CHECK(snapshot(previous) == first);
      CHECK_MESSAGE(error.find("'" + previous.string() + "' (not deleted)") != std::string::npos, error);
      CHECK(snapshot(site / "out.csar") == csar_before);
      if (c.out_is_new) CHECK(read(out / "service.yaml").rfind("# second\n", 0) == 0);
      else CHECK_FALSE(fs::exists(out));
      // Nothing else left: only out, out.csar and the previous output.
      std::set<std::string> expected{"out.csar", previous.filename().string()};
      if (c.out_is_new) expected.insert("out");
      CHECK(names_in(site) == expected);
      // Put things back for the next case, as the user would.
      fs::remove_all(out);
      fs::rename(previous, out);
      REQUIRE(snapshot(out) == first);
    }
  }

  TEST_CASE("output: the first output, when its CSAR cannot be placed, is taken away again") {
    TempDir t;
    Loaded l(make_blueprint(t / "bp"));
    const fs::path site = t / "site";
    fs::create_directories(site);
    std::string error;
    bool unchanged = false;
    CHECK_FALSE(write_faulty(l, site / "out", "x", {{"csar", EIO}}, error, unchanged));
    CHECK(unchanged);
    CHECK(names_in(site).empty());
    CHECK_FALSE(write_faulty(l, site / "out", "x", {{"csar", EIO}, {"move out", EIO}}, error, unchanged));
    CHECK_FALSE(unchanged);
    CHECK(error.find("there was no previous output") != std::string::npos);
    CHECK(names_in(site) == std::set<std::string>{"out"});
  }
}
