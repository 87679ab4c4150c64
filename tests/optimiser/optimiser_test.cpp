// The optimiser (issue 3): requests, version semantics, image / graph compiler choice, environment,
// launcher, resources and the consistency check, MODAK's Amdahl scaler, storage preference, the
// performance model (incl. the Snow calibration) and the scaling fit on the Code_Aster series.
//
// Tests that need MODAK's corpus (../shared/corpus/modak) skip visibly when it is absent.

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "plugin/optimiser/decide.h"
#include "plugin/optimiser/decision.h"
#include "plugin/optimiser/knowledge.h"
#include "plugin/optimiser/perf_model.h"
#include "plugin/optimiser/report.h"
#include "plugin/optimiser/request.h"
#include "plugin/optimiser/scaling.h"
#include "tosca/check/context.h"
#include "tosca/diag/diagnostics.h"
#include "tosca/validator.h"
#include "tosca/yaml/loader.h"

namespace {

namespace fs = std::filesystem;
namespace opt = modak::opt;
namespace diag = modak::diag;
namespace yaml = modak::yaml;
namespace tosca = modak::tosca;

const opt::Knowledge& knowledge() {
  static const opt::Knowledge k = [] {
    opt::Knowledge out;
    diag::Sink sink;
    bool ok = opt::load_knowledge(std::string(MODAK_SOURCE_DIR) + "/share", {}, out, sink);
    if (!ok || sink.has_errors()) {
      std::fprintf(stderr, "knowledge failed to load:\n%s", diag::render_text(sink.all()).c_str());
      std::abort();
    }
    return out;
  }();
  return k;
}

// One request read from JSON text and decided; owns everything the decision points into.
struct Run {
  std::string text;
  tosca::Model model;
  diag::Sink sink;
  std::unique_ptr<tosca::Context> ctx;
  opt::Request request;
  opt::Decision d;
  bool read_ok = false;
  bool decided = false;

  std::size_t errors() const { return sink.count(diag::Severity::Error); }
  std::size_t warnings() const { return sink.count(diag::Severity::Warning); }
  std::string diagnostics() const { return diag::render_text(sink.all()); }
  const diag::Diagnostic* first(diag::Severity s) const {
    for (const auto& x : sink.all())
      if (x.severity == s) return &x;
    return nullptr;
  }
  std::string env(const std::string& name) const {
    for (const auto& [k, v] : d.env)
      if (k == name) return v;
    return "<unset>";
  }
  bool has_env(const std::string& name) const { return env(name) != "<unset>"; }
  const opt::Candidate* ranked(const std::string& image, const std::string& compiler) const {
    for (const auto& c : d.ranked)
      if (c.image->id == image && c.compiler == compiler) return &c;
    return nullptr;
  }
  const opt::Candidate* rejected(const std::string& image) const {
    for (const auto& c : d.rejected)
      if (c.image->id == image) return &c;
    return nullptr;
  }
  std::string chosen_id() const { return d.chosen() ? d.chosen()->image->id : "<none>"; }
  std::string chosen_compiler() const { return d.chosen() ? d.chosen()->compiler : "<none>"; }
};

// (1-based line, 1-based column) of the first occurrence of `needle` in `text`.
std::pair<std::uint32_t, std::uint32_t> position_of(const std::string& text, const std::string& needle) {
  std::size_t at = text.find(needle);
  if (at == std::string::npos) return {0, 0};
  std::uint32_t line = 1, col = 1;
  for (std::size_t i = 0; i < at; ++i) {
    if (text[i] == '\n') ++line, col = 1;
    else ++col;
  }
  return {line, col};
}

std::unique_ptr<Run> read_only(const std::string& text) {
  auto r = std::make_unique<Run>();
  r->text = text;
  auto id = r->model.service.sources.add("t.json");
  const yaml::Node* root = yaml::load_yaml(text, id, r->model.service.sources, r->model.service.arena, r->sink);
  r->ctx = std::make_unique<tosca::Context>(r->model.service, r->model.types, r->sink, r->model.profile);
  r->request.origin = "t.json";
  r->read_ok = root && opt::read_request(*r->ctx, root, r->request);
  return r;
}

std::unique_ptr<Run> run(const std::string& text, const opt::Knowledge& k = knowledge(), opt::DecideOptions o = {}) {
  auto r = read_only(text);
  if (!r->read_ok) return r;
  r->d.node = "t.json";
  r->decided = opt::decide(*r->ctx, r->request, k, o, r->d);
  return r;
}

// A TensorFlow / PyTorch training request. `extra_*` are spliced into the JSON objects.
struct Ai {
  std::string target = "";
  std::string framework = "tensorflow";
  std::string version = "2.1";
  std::string cpu = "x86";
  std::string acc = "nvidia";
  bool opt_build = true;
  std::string framework_extra;  // e.g. "\"xla\": false"
  std::string config_extra;     // e.g. "\"parameters\": 428732"
  std::string data = "";        // body of "data"
  std::string job_options = "";
  std::string application = "";

  std::string json() const {
    std::string fw = "\"version\": \"" + version + "\"" + (framework_extra.empty() ? "" : ", " + framework_extra);
    std::string cfg = "\"ai_framework\": \"" + framework + "\"" + (config_extra.empty() ? "" : ", " + config_extra);
    return "{\"job\": {\n"
           "  \"job_options\": {" + job_options + "},\n"
           "  \"application\": {" + application + "},\n"
           "  \"target\": {" + (target.empty() ? "" : "\"name\": \"" + target + "\"") + "},\n"
           "  \"optimisation\": {\n"
           "    \"enable_opt_build\": " + (opt_build ? "true" : "false") + ",\n"
           "    \"app_type\": \"ai_training\",\n"
           "    \"opt_build\": {\"cpu_type\": \"" + cpu + "\", \"acc_type\": \"" + acc + "\"},\n"
           "    \"app_type-ai_training\": {\n"
           "      \"config\": {" + cfg + "},\n"
           "      \"data\": {" + data + "},\n"
           "      \"ai_framework-" + framework + "\": {" + fw + "}\n"
           "    }\n"
           "  }\n"
           "}}\n";
  }
};

// An MPI request.
struct Mpi {
  std::string target = "";
  std::string library = "mpich";
  std::string version = "";
  std::string app_tag = "";
  std::string application = "";  // more fields of "application"
  std::string job_options = "";
  std::string hpc_extra = "";    // more sections of "app_type-hpc"
  std::string parallelisation = "mpi";
  std::string acc = "none";
  bool opt_build = true;

  std::string json() const {
    std::string app = "\"app_type\": \"hpc\"" + (app_tag.empty() ? "" : ", \"app_tag\": \"" + app_tag + "\"") +
                      (application.empty() ? "" : ", " + application);
    std::string mpi = "\"library\": \"" + library + "\"" + (version.empty() ? "" : ", \"version\": \"" + version + "\"");
    return "{\"job\": {\n"
           "  \"job_options\": {" + job_options + "},\n"
           "  \"application\": {" + app + "},\n"
           "  \"target\": {" + (target.empty() ? "" : "\"name\": \"" + target + "\"") + "},\n"
           "  \"optimisation\": {\n"
           "    \"enable_opt_build\": " + (opt_build ? "true" : "false") + ",\n"
           "    \"app_type\": \"hpc\",\n"
           "    \"opt_build\": {\"cpu_type\": \"x86\", \"acc_type\": \"" + acc + "\"},\n"
           "    \"app_type-hpc\": {\n"
           "      \"config\": {\"parallelisation\": \"" + parallelisation + "\"},\n"
           "      \"parallelisation-mpi\": {" + mpi + "}" + (hpc_extra.empty() ? "" : ",\n      " + hpc_extra) + "\n"
           "    }\n"
           "  }\n"
           "}}\n";
  }
};

// The shipped knowledge with SMT switched off on example-cpu-cluster (2 x 64 cores, 1 thread per
// core), so that "cores" and "hardware threads" per node are the same number: 128.
const opt::Knowledge& knowledge_no_smt() {
  static const opt::Knowledge k = [] {
    opt::Knowledge out = knowledge();
    for (auto& t : out.targets)
      if (t.name == "example-cpu-cluster")
        for (auto& p : t.partitions) p.cpu.threads_per_core = 1;
    return out;
  }();
  return k;
}

fs::path corpus() { return fs::path(MODAK_SOURCE_DIR) / ".." / "shared" / "corpus" / "modak"; }

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

opt::Image fake_image(const std::string& id, const std::string& isa, const std::string& acc, const std::string& version = "2.1") {
  opt::Image i;
  i.id = id;
  i.framework = "tensorflow";
  i.version = version;
  i.build = "source-optimised";
  i.isa_level = isa;
  i.accelerator = acc;
  i.uri = "docker://example/" + id;
  i.enable_opt_build = true;
  i.source = "test";
  return i;
}

}  // namespace

TEST_SUITE("unit") {

// ---------------------------------------------------------------------------------------------
// Requests

TEST_CASE("optimiser request: every DSL section is read without problems") {
  const std::string ai = R"({"job": {
  "job_options": {"job_name": "j", "account": "a", "queue": "q", "partition": "gpu", "wall_time_limit": "1-12:00:00",
    "node_count": 1, "core_count": 40, "process_count_per_node": 1, "core_count_per_process": 40,
    "memory_limit": "16G", "minimum_memory_per_processor": "1G", "request_gpus": 1, "request_specific_nodes": "ssd",
    "job_array": "1-4", "standard_output_file": "o", "standard_error_file": "e", "combine_stdout_stderr": true,
    "architecture_constraint": "x86", "copy_environment": true, "copy_environment_variable": "PATH",
    "job_dependency": "afterok:1", "request_event_notification": "abe", "email_address": "u@example.org",
    "defer_job": "now", "node_exclusive": true},
  "application": {"app_tag": "resnet", "container_runtime": "docker://me/img", "app_type": "ai_training",
    "executable": "python3 train.py", "arguments": "--epochs 1", "mpi_ranks": 1, "threads": 4,
    "minimal_efficiency": 0.5, "storage_class_pref": "default-ssd",
    "build": {"src": "https://example.org/x.tgz", "build_command": "make", "build_parallelism": 4}},
  "target": {"name": "example-gpu-cluster", "job_scheduler_type": "slurm", "queue_type": "slurm"},
  "optimisation": {"enable_opt_build": true, "enable_autotuning": true, "app_type": "ai_training",
    "opt_build": {"cpu_type": "x86", "acc_type": "nvidia"},
    "autotuning": {"tuner": "cresta", "input": "dsl text"},
    "app_type-ai_training": {
      "config": {"ai_framework": "tensorflow", "type": "image_classification", "config_type": "x",
                 "distributed_training": false, "layers": 50, "parameters": 25600000},
      "data": {"location": "/data/imagenet", "basedata": "imagenet", "size": 140000, "count": 1281167,
               "etl": {"prefetch": true, "cache": false}},
      "ai_framework-tensorflow": {"version": "2.1", "xla": true, "glow": false, "ngraph": false, "tvm": false,
                                  "backend": "tensorflow"}}}}})";
  auto r = read_only(ai);
  INFO(r->diagnostics());
  CHECK(r->read_ok);
  CHECK(r->errors() == 0);
  CHECK(r->warnings() == 0);
  CHECK(r->request.has_optimisation);
  CHECK(r->request.app_type() == "ai_training");
  CHECK(r->request.framework() == "tensorflow");
  REQUIRE(r->request.framework_section() != nullptr);
  CHECK(r->request.framework_section()->boolean("xla") == std::optional<bool>(true));
  REQUIRE(r->request.data() != nullptr);
  CHECK(r->request.data()->integer("count") == std::optional<std::int64_t>(1281167));
  REQUIRE(r->request.data()->section("etl") != nullptr);
  CHECK(r->request.job_options.str("wall_time_limit") == std::optional<std::string>("1-12:00:00"));
  CHECK(r->request.application.section("build") != nullptr);
  CHECK(r->request.target.str("name") == std::optional<std::string>("example-gpu-cluster"));

  const std::string hpc = R"({"job": {
  "job_options": {"node_count": 1},
  "application": {"app_type": "hpc", "mpi_ranks": 4, "threads": 2},
  "target": {"name": "example-cpu-cluster"},
  "optimisation": {"enable_opt_build": false, "app_type": "hpc",
    "app_type-hpc": {
      "config": {"parallelisation": "mpi"},
      "data": {"location": "in.tgz"},
      "parallelisation-mpi": {"library": "mpich", "version": "3.1.4", "scaling_efficiency": 0.8,
                              "core_subscription": 1, "message_size": "small"},
      "parallelisation-openmp": {"number_of_threads": 2, "scaling_efficiency": 0.9, "affinity": "compact"},
      "parallelisation-openacc": {"compiler": "pgi", "version": "20.1", "number_of_acc": 1},
      "parallelisation-opencl": {"compiler": "gcc"}},
    "app_type-big_data": {"anything": 1}, "app_type-ai_inference": "x"}}})";
  auto h = read_only(hpc);
  INFO(h->diagnostics());
  CHECK(h->read_ok);
  CHECK(h->errors() == 0);
  CHECK(h->warnings() == 0);
  CHECK(h->request.parallelisation() == "mpi");
  REQUIRE(h->request.parallelisation_section() != nullptr);
  CHECK(h->request.parallelisation_section()->str("library") == std::optional<std::string>("mpich"));

  // A bare optimisation block (what SODALITE application nodes carry) is a request too.
  auto bare = read_only(R"({"enable_opt_build": true, "app_type": "ai_training",
    "app_type-ai_training": {"config": {"ai_framework": "pytorch"}, "ai_framework-pytorch": {"version": "1.5"}}})");
  CHECK(bare->read_ok);
  CHECK(bare->request.has_optimisation);
  CHECK(bare->request.framework() == "pytorch");

  // "optimization" (US spelling) is accepted as well.
  auto us = read_only(R"({"job": {"optimization": {"app_type": "hpc"}}})");
  CHECK(us->read_ok);
  CHECK(us->request.app_type() == "hpc");
}

TEST_CASE("optimiser request: unknown fields are located errors") {
  struct Case {
    std::string text, needle;
  };
  const std::vector<Case> cases = {
      {"{\"job\": {\"job_options\": {\"node_count\": 1, \"nodecount\": 2}}}", "\"nodecount\""},
      {"{\"job\": {\"application\": {\"app_type\": \"hpc\", \"mpi_rank\": 2}}}", "\"mpi_rank\""},
      {"{\"job\": {\"target\": {\"name\": \"x\", \"site\": \"y\"}}}", "\"site\""},
      {"{\"job\": {\"optimisation\": {\"app_type\": \"ai_training\",\n \"app_type-ai_training\": {\"config\": "
       "{\"ai_framework\": \"tensorflow\", \"batch\": 96}}}}}",
       "\"batch\""},
      {"{\"job\": {\"optimisation\": {\"app_type\": \"ai_training\",\n \"app_type-ai_training\": {\"data\": "
       "{\"etl\": {\"prefetch\": true, \"shuffle\": true}}}}}}",
       "\"shuffle\""},
      {"{\"job\": {\"optimisation\": {\"app_type\": \"hpc\",\n \"app_type-hpc\": {\"parallelisation-mpi\": "
       "{\"library\": \"mpich\", \"ranks\": 4}}}}}",
       "\"ranks\""},
      {"{\"job\": {\"optimisation\": {\"opt_build\": {\"cpu_type\": \"x86\", \"gpu_type\": \"nvidia\"}}}}", "\"gpu_type\""},
      {"{\"job\": {\"optimisation\": {\"app_type\": \"hpc\"}, \"extras\": {}}}", "\"extras\""},
      {"{\"job\": {\"application\": {\"build\": {\"src\": \"x\", \"cmake\": true}}}}", "\"cmake\""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    auto r = read_only(c.text);
    CHECK_FALSE(r->read_ok);
    const diag::Diagnostic* e = r->first(diag::Severity::Error);
    REQUIRE(e != nullptr);
    CHECK(e->code == diag::Code::UnknownField);
    auto [line, col] = position_of(c.text, c.needle);
    CHECK(e->where.file == "t.json");
    CHECK(e->where.line == line);
    CHECK(e->where.column == col);
  }
}

TEST_CASE("optimiser request: wrong kinds are located errors") {
  const std::string text = "{\"job\": {\"job_options\": {\"node_count\": \"two\", \"wall_time_limit\": \"soon\"}}}";
  auto r = read_only(text);
  CHECK_FALSE(r->read_ok);
  CHECK(r->errors() == 2);
  const diag::Diagnostic* e = r->first(diag::Severity::Error);
  REQUIRE(e != nullptr);
  CHECK(e->code == diag::Code::TypeMismatch);
  CHECK(e->where.line == 1);
  CHECK(e->where.column == position_of(text, "\"two\"").second);
}

TEST_CASE("optimiser request: values outside the documented sets are warnings") {
  struct Case {
    std::string text, needle;
  };
  const std::vector<Case> warned = {
      {R"({"job": {"optimisation": {"app_type": "ai_training", "app_type-ai_training": {"data": {"basedata": "Imagenet"}}}}})",
       "\"Imagenet\""},
      {R"({"job": {"optimisation": {"opt_build": {"cpu_type": "x86", "acc_type": ""}}}})", "\"\""},
      {R"({"job": {"optimisation": {"app_type": "quantum"}}})", "\"quantum\""},
      {R"({"job": {"optimisation": {"app_type": "hpc", "app_type-hpc": {"parallelisation-mpi": {"library": "lam"}}}}})",
       "\"lam\""},
      {R"({"job": {"application": {"storage_class_pref": "fast"}}})", "\"fast\""},
      {R"({"job": {"target": {"job_scheduler_type": "lsf"}}})", "\"lsf\""},
  };
  for (const auto& c : warned) {
    CAPTURE(c.text);
    auto r = read_only(c.text);
    CHECK(r->read_ok);  // warnings do not make a request invalid
    CHECK(r->errors() == 0);
    REQUIRE(r->warnings() == 1);
    const diag::Diagnostic* w = r->first(diag::Severity::Warning);
    CHECK(w->code == diag::Code::InvalidValue);
    auto [line, col] = position_of(c.text, c.needle);
    CHECK(w->where.line == line);
    CHECK(w->where.column == col);
  }
  const std::vector<std::string> clean = {
      R"({"job": {"optimisation": {"app_type": "hpc", "app_type-hpc": {"parallelisation-mpi": {"library": "mpich"}}}}})",
      R"({"job": {"optimisation": {"app_type": "hpc", "app_type-hpc": {"parallelisation-mpi": {"library": "openmpi"}}}}})",
      R"({"job": {"optimisation": {"opt_build": {"cpu_type": "x86", "acc_type": "none"}}}})",
      R"({"job": {"optimisation": {"app_type": "ai_training", "app_type-ai_training": {"data": {"basedata": "imagenet"}}}}})",
  };
  for (const auto& text : clean) {
    CAPTURE(text);
    auto r = read_only(text);
    CHECK(r->read_ok);
    CHECK(r->sink.all().empty());
  }
}

// ---------------------------------------------------------------------------------------------
// Versions and image choice

TEST_CASE("optimiser: version semantics") {
  CHECK(opt::version_matches("2.1", "2.1"));
  CHECK(opt::version_matches("2.1", "2.1.0"));
  CHECK(opt::version_matches("2.1", "2.1.3"));
  CHECK_FALSE(opt::version_matches("2.1", "2.10"));
  CHECK_FALSE(opt::version_matches("2.1", "2.10.0"));
  CHECK_FALSE(opt::version_matches("2.10", "2.1"));
  CHECK_FALSE(opt::version_matches("2.1", "2"));
  CHECK_FALSE(opt::version_matches("2.1", "12.1"));
  CHECK(opt::version_matches("latest", "latest"));
  CHECK_FALSE(opt::version_matches("2.1", "latest"));

  // In a decision: a 2.10 image is not a 2.1 candidate, a 2.1.0 image is.
  opt::Knowledge k = knowledge();
  k.images.push_back(fake_image("test-tf-2.10-gpu", "x86-64", "nvidia", "2.10"));
  k.images.push_back(fake_image("test-tf-2.1.0-gpu", "x86-64", "nvidia", "2.1.0"));
  Ai a;
  a.target = "example-gpu-cluster";
  auto r = run(a.json(), k);
  INFO(r->diagnostics());
  REQUIRE(r->decided);
  CHECK(r->ranked("test-tf-2.10-gpu", "none") == nullptr);
  REQUIRE(r->rejected("test-tf-2.10-gpu") != nullptr);
  CHECK(r->rejected("test-tf-2.10-gpu")->rejected.find("version") != std::string::npos);
  CHECK(r->ranked("test-tf-2.1.0-gpu", "none") != nullptr);
  // A version written as a JSON number (2.1) is read as the text "2.1".
  std::string as_number = a.json();
  as_number.replace(as_number.find("\"version\": \"2.1\""), 16, "\"version\": 2.1");
  auto n = run(as_number, k);
  REQUIRE(n->decided);
  CHECK(n->ranked("test-tf-2.10-gpu", "none") == nullptr);
  CHECK(n->ranked("test-tf-2.1.0-gpu", "none") != nullptr);
}

TEST_CASE("optimiser: images fit framework and version and ISA and accelerator") {
  // Every ranked candidate has the requested framework and version.
  Ai a;
  a.target = "example-gpu-cluster";
  auto r = run(a.json());
  INFO(r->diagnostics());
  REQUIRE(r->decided);
  REQUIRE_FALSE(r->d.ranked.empty());
  for (const auto& c : r->d.ranked) {
    CAPTURE(c.image->id);
    CHECK(c.image->framework == "tensorflow");
    CHECK(opt::version_matches("2.1", c.image->version));
    CHECK_FALSE(c.image->disabled);
  }

  // ISA: an x86-64-v4 image is rejected on an x86-64-v3 CPU and runs on a v4 CPU.
  opt::Knowledge k = knowledge();
  k.images.push_back(fake_image("test-tf-2.1-cpu-avx512", "x86-64-v4", "none"));
  Ai cpu;
  cpu.acc = "none";
  cpu.target = "example-cpu-cluster";  // zen2, x86-64-v3
  auto v3 = run(cpu.json(), k);
  INFO(v3->diagnostics());
  REQUIRE(v3->decided);
  CHECK(v3->ranked("test-tf-2.1-cpu-avx512", "none") == nullptr);
  REQUIRE(v3->rejected("test-tf-2.1-cpu-avx512") != nullptr);
  CHECK(v3->rejected("test-tf-2.1-cpu-avx512")->rejected.find("x86-64-v4") != std::string::npos);
  cpu.target = "example-gpu-cluster";
  cpu.job_options = "\"partition\": \"cpu\"";  // cascadelake, x86-64-v4, no GPU
  auto v4 = run(cpu.json(), k);
  REQUIRE(v4->decided);
  CHECK(v4->d.partition->name == "cpu");
  CHECK(v4->ranked("test-tf-2.1-cpu-avx512", "none") != nullptr);
  CHECK(opt::isa_factor(k, "x86-64-v4", "x86-64-v3") == 0);
  CHECK(opt::isa_factor(k, "x86-64-v3", "x86-64-v4") > 0);
  CHECK(opt::isa_factor(k, "x86-64-v3", "x86-64-v3") == doctest::Approx(1.0));
  CHECK(opt::isa_factor(k, "armv8-a", "x86-64-v4") == 0);

  // Accelerator: a GPU image is rejected on a CPU-only partition.
  Ai gpu;
  gpu.target = "example-cpu-cluster";
  auto nogpu = run(gpu.json());
  INFO(nogpu->diagnostics());
  REQUIRE(nogpu->decided);
  REQUIRE(nogpu->rejected("modak-tensorflow-2.1-gpu-src") != nullptr);
  CHECK(nogpu->rejected("modak-tensorflow-2.1-gpu-src")->rejected.find("GPU") != std::string::npos);
  for (const auto& c : nogpu->d.ranked) CHECK(c.image->accelerator == "none");
  // ... and CPU-only requests never get a GPU image.
  Ai cpu_only;
  cpu_only.acc = "none";
  cpu_only.target = "example-gpu-cluster";
  auto co = run(cpu_only.json());
  REQUIRE(co->decided);
  for (const auto& c : co->d.ranked) CHECK(c.image->accelerator == "none");

  // enable_opt_build false: only images MODAK did not build (official ones).
  Ai official;
  official.opt_build = false;
  official.target = "example-gpu-cluster";
  auto off = run(official.json());
  REQUIRE(off->decided);
  REQUIRE_FALSE(off->d.ranked.empty());
  for (const auto& c : off->d.ranked) CHECK_FALSE(c.image->enable_opt_build);
}

TEST_CASE("optimiser: the choice changes with the target (CPU-only site vs GPU site)") {
  Ai a;
  a.target = "example-cpu-cluster";
  auto cpu = run(a.json());
  a.target = "example-gpu-cluster";
  auto gpu = run(a.json());
  REQUIRE(cpu->decided);
  REQUIRE(gpu->decided);
  REQUIRE(cpu->d.chosen());
  REQUIRE(gpu->d.chosen());
  CHECK(cpu->d.chosen()->image->accelerator == "none");
  CHECK(gpu->d.chosen()->image->accelerator == "nvidia");
  CHECK(gpu->d.resources.gpus_per_node >= 1);
  CHECK(cpu->d.resources.gpus_per_node == 0);
  // The explanation ranks the candidates and marks the winner.
  std::string text = opt::explain_text(gpu->d);
  CHECK(text.find("<- chosen") != std::string::npos);
  CHECK(text.find(gpu->chosen_id()) != std::string::npos);
  // Ranked fastest first.
  for (std::size_t i = 1; i < gpu->d.ranked.size(); ++i) CHECK(gpu->d.ranked[i - 1].seconds <= gpu->d.ranked[i].seconds);
  // --target overrides the request's target.
  auto over = run(a.json(), knowledge(), opt::DecideOptions{"example-cpu-cluster", ""});
  REQUIRE(over->decided);
  CHECK(over->d.target->name == "example-cpu-cluster");
  CHECK(over->d.chosen()->image->accelerator == "none");
}

TEST_CASE("optimiser: graph compilers as the image offers and xla false excludes XLA") {
  Ai a;
  a.target = "example-gpu-cluster";
  auto r = run(a.json());
  REQUIRE(r->decided);
  CHECK(r->ranked("modak-tensorflow-2.1-gpu-src", "none") != nullptr);
  CHECK(r->ranked("modak-tensorflow-2.1-gpu-src", "xla") != nullptr);
  for (const auto& c : r->d.ranked) {
    CAPTURE(c.image->id);
    CHECK((c.compiler == "none" || c.image->offers(c.compiler)));
  }
  a.framework_extra = "\"xla\": false";
  auto no = run(a.json());
  REQUIRE(no->decided);
  REQUIRE_FALSE(no->d.ranked.empty());
  for (const auto& c : no->d.ranked) CHECK(c.compiler != "xla");
  CHECK(no->chosen_compiler() == "none");
  CHECK_FALSE(no->has_env("TF_XLA_FLAGS"));

  // PyTorch 1.5 CPU: the Glow image offers glow, others offer nothing.
  Ai pt;
  pt.framework = "pytorch";
  pt.version = "1.5";
  pt.acc = "none";
  pt.target = "example-cpu-cluster";
  auto p = run(pt.json());
  REQUIRE(p->decided);
  CHECK(p->ranked("modak-pytorch-1.5-cpu-src-glow", "glow") != nullptr);
  CHECK(p->ranked("modak-pytorch-1.5-cpu-src", "glow") == nullptr);
  CHECK(p->ranked("modak-pytorch-1.5-cpu-src", "none") != nullptr);
}

// ---------------------------------------------------------------------------------------------
// Environment and launcher

TEST_CASE("optimiser: environment - threads and affinity and TF threads and XLA flags") {
  Mpi m;
  m.target = "example-cpu-cluster";
  m.application = "\"mpi_ranks\": 8, \"threads\": 4";
  auto plain = run(m.json());
  INFO(plain->diagnostics());
  REQUIRE(plain->decided);
  CHECK(plain->env("OMP_NUM_THREADS") == "4");
  CHECK(plain->env("OMP_PLACES") == "cores");
  CHECK(plain->env("OMP_PROC_BIND") == "close");
  CHECK_FALSE(plain->has_env("KMP_AFFINITY"));
  CHECK_FALSE(plain->has_env("TF_NUM_INTRAOP_THREADS"));

  for (std::string aff : {"compact", "scatter"}) {
    m.hpc_extra = "\"parallelisation-openmp\": {\"number_of_threads\": 4, \"affinity\": \"" + aff + "\"}";
    auto r = run(m.json());
    REQUIRE(r->decided);
    CHECK(r->env("KMP_AFFINITY") == "granularity=fine," + aff);
    CHECK_FALSE(r->has_env("OMP_PLACES"));
    CHECK_FALSE(r->has_env("OMP_PROC_BIND"));
  }
  m.hpc_extra = "\"parallelisation-openmp\": {\"number_of_threads\": 4, \"affinity\": \"spread\"}";
  auto spread = run(m.json());
  REQUIRE(spread->decided);
  CHECK(spread->env("OMP_PROC_BIND") == "spread");
  CHECK(spread->env("OMP_PLACES") == "cores");

  // number_of_threads gives the thread count when application.threads is absent.
  m.application = "\"mpi_ranks\": 8";
  m.hpc_extra = "\"parallelisation-openmp\": {\"number_of_threads\": 6}";
  auto omp = run(m.json());
  REQUIRE(omp->decided);
  CHECK(omp->env("OMP_NUM_THREADS") == "6");
  CHECK(omp->d.resources.threads == 6);

  // TensorFlow: intra-/inter-op threads; XLA chosen (a large network on a GPU) -> XLA flags.
  Ai a;
  a.target = "example-gpu-cluster";
  auto tf = run(a.json());
  REQUIRE(tf->decided);
  CHECK(tf->has_env("TF_NUM_INTRAOP_THREADS"));
  CHECK(tf->env("TF_NUM_INTEROP_THREADS") == "2");
  // A training process gets its node's cores (intra-op threads) unless the request sets threads.
  CHECK(tf->env("OMP_NUM_THREADS") == tf->env("TF_NUM_INTRAOP_THREADS"));
  REQUIRE(tf->chosen_compiler() == "xla");
  CHECK(tf->env("TF_XLA_FLAGS").find("--tf_xla_auto_jit=2") != std::string::npos);
  CHECK(tf->has_env("XLA_FLAGS"));
  CHECK(std::find(tf->d.fragments.begin(), tf->d.fragments.end(), "tensorflow-xla") != tf->d.fragments.end());
  CHECK(std::find(tf->d.container_flags.begin(), tf->d.container_flags.end(), "--nv") != tf->d.container_flags.end());
  // XLA not chosen -> no XLA fragment.
  a.config_extra = "\"parameters\": 428732";  // small network: XLA brings nothing on a GPU
  auto small = run(a.json());
  REQUIRE(small->decided);
  if (small->chosen_compiler() != "xla") {
    CHECK_FALSE(small->has_env("TF_XLA_FLAGS"));
    CHECK(std::find(small->d.fragments.begin(), small->d.fragments.end(), "tensorflow-xla") == small->d.fragments.end());
  }
}

TEST_CASE("optimiser: launcher") {
  Mpi m;
  m.application = "\"mpi_ranks\": 8";
  m.target = "example-cpu-cluster";  // slurm
  auto slurm = run(m.json());
  INFO(slurm->diagnostics());
  REQUIRE(slurm->decided);
  CHECK(slurm->d.launcher == "srun");
  m.target = "hlrs-testbed";  // torque
  auto torque = run(m.json());
  REQUIRE(torque->decided);
  CHECK(torque->d.launcher == "mpirun");
  m.target = "example-pbspro-cluster";
  auto pbs = run(m.json());
  REQUIRE(pbs->decided);
  CHECK(pbs->d.launcher == "mpirun");

  Ai pt;
  pt.framework = "pytorch";
  pt.version = "1.5";
  pt.target = "example-gpu-cluster";
  pt.config_extra = "\"distributed_training\": true";
  pt.job_options = "\"node_count\": 2, \"request_gpus\": 4";
  auto torch = run(pt.json());
  INFO(torch->diagnostics());
  REQUIRE(torch->decided);
  CHECK(torch->d.launcher == "torchrun");

  Ai tf;
  tf.target = "example-gpu-cluster";
  tf.config_extra = "\"distributed_training\": true";
  tf.job_options = "\"node_count\": 2, \"request_gpus\": 4";
  auto hvd = run(tf.json());
  REQUIRE(hvd->decided);
  CHECK(hvd->d.launcher == "horovodrun");

  // Not distributed: no launcher.
  tf.config_extra = "";
  tf.job_options = "\"request_gpus\": 1";
  auto single = run(tf.json());
  REQUIRE(single->decided);
  CHECK(single->d.launcher == "none");
}

// ---------------------------------------------------------------------------------------------
// Resources and the consistency check

TEST_CASE("optimiser: 80 ranks on 2 nodes x 1 task is a located error at mpi_ranks") {
  Mpi m;
  m.target = "example-cpu-cluster";
  m.application = "\"mpi_ranks\": 80";
  m.job_options = "\"node_count\": 2, \"process_count_per_node\": 1";
  const std::string text = m.json();
  auto r = run(text);
  CHECK(r->read_ok);
  CHECK_FALSE(r->decided);
  const diag::Diagnostic* e = r->first(diag::Severity::Error);
  REQUIRE(e != nullptr);
  CHECK(e->code == diag::Code::ResourceConflict);
  auto [line, col] = position_of(text, "80");
  CHECK(e->where.line == line);
  CHECK(e->where.column == col);
  CHECK(e->message.find("80") != std::string::npos);
}

// Fuzz finding (fuzz_request, CI's 60 s run; docs/fuzzing.md): node_count 0 divided by zero.
TEST_CASE("fuzz finding: counts of zero or beyond any machine are located invalid-value errors") {
  const std::pair<const char*, const char*> cases[] = {
      {"\"node_count\": 0", "0"},
      {"\"process_count_per_node\": 0", "0"},
      {"\"node_count\": 0, \"process_count_per_node\": 0", "0"},
      {"\"node_count\": 4000000000000, \"process_count_per_node\": 4000000000", "4000000000000"},
  };
  for (const auto& [job_options, bad] : cases) {
    Mpi m;
    m.target = "example-cpu-cluster";
    m.job_options = job_options;
    const std::string text = m.json();
    CAPTURE(text);
    auto r = run(text);
    REQUIRE(r->read_ok);
    CHECK_FALSE(r->decided);
    const diag::Diagnostic* e = r->first(diag::Severity::Error);
    REQUIRE(e != nullptr);
    CHECK(e->code == diag::Code::InvalidValue);
    auto [line, col] = position_of(text, std::string(": ") + bad);
    CHECK(e->where.line == line);
    CHECK(e->where.column == col + 2);
  }
  Mpi zero_ranks;
  zero_ranks.application = "\"mpi_ranks\": 0";
  auto r = run(zero_ranks.json());
  CHECK_FALSE(r->decided);
  Mpi product;  // each count in range, their product (ranks) beyond any machine: no int overflow
  product.job_options = "\"node_count\": 1000000, \"process_count_per_node\": 4096";
  r = run(product.json());
  CHECK_FALSE(r->decided);
  REQUIRE(r->first(diag::Severity::Error));
  CHECK(r->first(diag::Severity::Error)->code == diag::Code::InvalidValue);
}

TEST_CASE("optimiser: node_count above the partition's nodes is an error") {
  Mpi m;
  m.target = "example-cpu-cluster";  // compute: 64 nodes
  m.application = "\"mpi_ranks\": 100";
  m.job_options = "\"node_count\": 100";
  const std::string text = m.json();
  auto r = run(text);
  CHECK_FALSE(r->decided);
  const diag::Diagnostic* e = r->first(diag::Severity::Error);
  REQUIRE(e != nullptr);
  CHECK(e->code == diag::Code::ResourceConflict);
  auto [line, col] = position_of(text, "100}");
  CHECK(e->where.line == line);
  CHECK(e->where.column == col);

  // Ranks needing more nodes than there are (no node_count given) is an error too.
  m.job_options = "";
  m.application = "\"mpi_ranks\": 100000";
  auto many = run(m.json());
  CHECK_FALSE(many->decided);
  CHECK(many->errors() == 1);

  // Too many tasks x threads per node.
  m.application = "\"mpi_ranks\": 128, \"threads\": 2";
  m.job_options = "\"node_count\": 1, \"process_count_per_node\": 128";
  const std::string text_over = m.json();
  auto over = run(text_over, knowledge_no_smt());
  CHECK_FALSE(over->decided);
  REQUIRE(over->errors() == 1);
  CHECK(over->first(diag::Severity::Error)->code == diag::Code::ResourceConflict);
  CHECK(over->first(diag::Severity::Error)->where.line == position_of(text_over, "\"threads\"").first);
  // With 2 hardware threads per core (the shipped description) 128 x 2 fits a node.
  auto smt = run(text_over);
  CHECK(smt->decided);
}

TEST_CASE("optimiser: node_count completion") {
  const opt::Knowledge& k = knowledge_no_smt();  // 128 cores per node
  Mpi m;
  m.target = "example-cpu-cluster";
  m.application = "\"mpi_ranks\": 256";
  auto r = run(m.json(), k);
  INFO(r->diagnostics());
  REQUIRE(r->decided);
  CHECK(r->d.resources.ranks == 256);
  CHECK(r->d.resources.nodes == 2);
  CHECK(r->d.resources.tasks_per_node == 128);

  m.application = "\"mpi_ranks\": 64, \"threads\": 4";
  auto t = run(m.json(), k);
  REQUIRE(t->decided);
  CHECK(t->d.resources.nodes == 2);
  CHECK(t->d.resources.tasks_per_node == 32);

  m.application = "\"mpi_ranks\": 10";
  auto small = run(m.json(), k);
  REQUIRE(small->decided);
  CHECK(small->d.resources.nodes == 1);
  CHECK(small->d.resources.tasks_per_node == 10);

  // node_count given, tasks per node completed.
  m.application = "\"mpi_ranks\": 40";
  m.job_options = "\"node_count\": 4";
  auto n = run(m.json(), k);
  REQUIRE(n->decided);
  CHECK(n->d.resources.nodes == 4);
  CHECK(n->d.resources.tasks_per_node == 10);

  // Only node_count x process_count_per_node given: they make the ranks.
  m.application = "";
  m.job_options = "\"node_count\": 2, \"process_count_per_node\": 16";
  auto np = run(m.json(), k);
  REQUIRE(np->decided);
  CHECK(np->d.resources.ranks == 32);
  CHECK(np->d.resources.nodes == 2);
  CHECK(np->d.resources.tasks_per_node == 16);

  // On the shipped description every completed shape fits the node's hardware threads.
  for (int ranks : {1, 100, 256, 1000, 2048}) {  // 2048 x 8 = 64 nodes x 256 hardware threads
    for (int threads : {1, 2, 8}) {
      Mpi x;
      x.target = "example-cpu-cluster";
      x.application = "\"mpi_ranks\": " + std::to_string(ranks) + ", \"threads\": " + std::to_string(threads);
      auto d = run(x.json());
      CAPTURE(ranks);
      CAPTURE(threads);
      REQUIRE(d->decided);
      const opt::Partition& p = *d->d.partition;
      CHECK(d->d.resources.ranks == ranks);
      CHECK(d->d.resources.nodes * d->d.resources.tasks_per_node >= ranks);
      CHECK(d->d.resources.tasks_per_node * threads <= p.cpu.cores() * p.cpu.threads_per_core);
      CHECK(d->d.resources.nodes <= p.nodes);
    }
  }
}

TEST_CASE("optimiser: MODAK's Amdahl scaler") {
  CHECK(opt::amdahl_max_ranks(0.5, 0.2, 256) == 9);
  CHECK(opt::amdahl_max_ranks(0.999, 0.8, 256) == 251);
  CHECK(opt::amdahl_max_ranks(0.999, 0.1, 256) == 256);
  // The Amdahl law and its efficiency.
  opt::ScalingFit a = opt::amdahl(0.5, 10);
  CHECK(a.predict(1) == doctest::Approx(10));
  CHECK(a.predict(2) == doctest::Approx(7.5));
  CHECK(a.efficiency(9) == doctest::Approx(1.0 / (9 * 0.5 + 0.5)));

  // In a decision: minimal_efficiency caps the ranks with the app's scaling model.
  opt::Knowledge k = knowledge();
  opt::ScalingModel sm;
  sm.id = "test-amdahl";
  sm.app = "test-solver";
  sm.model = "amdahl";
  sm.parallel_fraction = 0.5;
  k.scaling.push_back(sm);
  opt::Image img;
  img.id = "test-solver-img";
  img.app = "test-solver";
  img.version = "1.0";
  img.build = "official";
  img.uri = "docker://example/test-solver";
  img.mpi_library = "mpich";
  k.images.push_back(img);
  Mpi m;
  m.target = "example-cpu-cluster";
  m.app_tag = "test-solver";
  m.application = "\"mpi_ranks\": 256, \"minimal_efficiency\": 0.2";
  auto r = run(m.json(), k);
  INFO(r->diagnostics());
  REQUIRE(r->decided);
  CHECK(r->d.resources.ranks == 9);
  CHECK(r->ranked("test-solver-img", "none") != nullptr);
  // The reason is part of the explanation.
  bool said = false;
  for (const auto& w : r->d.why) said |= w.find("ranks lowered from 256 to 9") != std::string::npos;
  CHECK(said);
}

// ---------------------------------------------------------------------------------------------
// Storage

TEST_CASE("optimiser: storage by class preference (MODAK's cases)") {
  Ai a;
  a.target = "hlrs-testbed";  // nfs-home (default-common, cost 1) + ssd (default-ssd, cost 3)
  a.data = "\"location\": \"/mnt/nfs/home/data\"";
  auto none = run(a.json());
  INFO(none->diagnostics());
  REQUIRE(none->decided);
  REQUIRE(none->d.storage != nullptr);
  CHECK(none->d.storage->name == "nfs-home");
  CHECK(none->d.storage->cls == "default-common");

  a.application = "\"storage_class_pref\": \"default-ssd\"";
  auto ssd = run(a.json());
  REQUIRE(ssd->decided);
  REQUIRE(ssd->d.storage != nullptr);
  CHECK(ssd->d.storage->name == "ssd");
  CHECK(ssd->d.storage->path == "/workspace");
  CHECK(std::find(ssd->d.fragments.begin(), ssd->d.fragments.end(), "stage-data-ssd") != ssd->d.fragments.end());
  CHECK(std::find(ssd->d.container_flags.begin(), ssd->d.container_flags.end(), "-B /workspace") !=
        ssd->d.container_flags.end());

  // A class the site does not have: the cheapest.
  a.application = "\"storage_class_pref\": \"default-ultra_high\"";
  auto missing = run(a.json());
  REQUIRE(missing->decided);
  REQUIRE(missing->d.storage != nullptr);
  CHECK(missing->d.storage->cls == "default-common");

  // The cheapest is by cost, not by list order.
  opt::Knowledge k = knowledge();
  for (auto& t : k.targets)
    if (t.name == "hlrs-testbed") std::reverse(t.storage.begin(), t.storage.end());
  a.application = "";
  auto reversed = run(a.json(), k);
  REQUIRE(reversed->decided);
  CHECK(reversed->d.storage->name == "nfs-home");
}

// ---------------------------------------------------------------------------------------------
// Performance model

TEST_CASE("optimiser: an ISA-optimised source build beats the generic image on the same CPU") {
  Ai a;
  a.acc = "none";
  a.target = "example-cpu-cluster";
  auto r = run(a.json());
  INFO(r->diagnostics());
  REQUIRE(r->decided);
  const opt::Candidate* src = r->ranked("modak-tensorflow-2.1-cpu-src", "none");
  const opt::Candidate* pip = r->ranked("modak-tensorflow-2.1-cpu-pip", "none");
  REQUIRE(src != nullptr);
  REQUIRE(pip != nullptr);
  CHECK(src->seconds < pip->seconds);
  REQUIRE(r->d.chosen());
  CHECK(r->d.chosen()->image->build == "source-optimised");
  CHECK(r->d.chosen()->image->accelerator == "none");

  Ai pt;
  pt.framework = "pytorch";
  pt.version = "1.5";
  pt.acc = "none";
  pt.target = "example-cpu-cluster";
  auto p = run(pt.json());
  REQUIRE(p->decided);
  const opt::Candidate* psrc = p->ranked("modak-pytorch-1.5-cpu-src", "none");
  const opt::Candidate* ppip = p->ranked("modak-pytorch-1.5-cpu-pip", "none");
  REQUIRE(psrc != nullptr);
  REQUIRE(ppip != nullptr);
  CHECK(psrc->seconds < ppip->seconds);
  CHECK(p->d.chosen()->image->build == "source-optimised");
}

TEST_CASE("optimiser: a graph compiler's benefit depends on the network size") {
  Ai a;
  a.target = "example-gpu-cluster";
  a.data = "\"basedata\": \"imagenet\"";
  a.config_extra = "\"parameters\": 428732";  // small
  auto small = run(a.json());
  REQUIRE(small->decided);
  const opt::Candidate* sx = small->ranked("modak-tensorflow-2.1-gpu-src", "xla");
  const opt::Candidate* sn = small->ranked("modak-tensorflow-2.1-gpu-src", "none");
  REQUIRE(sx != nullptr);
  REQUIRE(sn != nullptr);
  CHECK(sx->seconds == doctest::Approx(sn->seconds));  // no gain

  a.config_extra = "\"parameters\": 25600000";  // large (ResNet-50)
  auto large = run(a.json());
  REQUIRE(large->decided);
  const opt::Candidate* lx = large->ranked("modak-tensorflow-2.1-gpu-src", "xla");
  const opt::Candidate* ln = large->ranked("modak-tensorflow-2.1-gpu-src", "none");
  REQUIRE(lx != nullptr);
  REQUIRE(ln != nullptr);
  CHECK(lx->seconds < ln->seconds);
  CHECK(large->chosen_compiler() == "xla");
}

// Snow calibration: predict each measured run with the optimiser's own model (opt::predict on
// requests built from calibration_snow_workload) and check the claims of calibration_snow_claims.
struct SnowRun {
  double predicted = 0, measured = 0;
  bool use = false;
};
struct SnowClaim {
  std::string id, numerator, denominator;
  double min = 0, max = 0;
};
struct Snow {
  std::map<std::string, SnowRun> runs;
  std::vector<SnowClaim> claims;
  double tolerance = 0.3;
};

const Snow& snow() {
  static const Snow out = [] {
    Snow sn;
    const opt::Knowledge& k = knowledge();
    auto value = [&](const char* name) -> const yaml::Node* {
      const yaml::Node* p = k.performance ? k.performance->get(name) : nullptr;
      return p ? p->get("value") : nullptr;
    };
    auto num = [](const yaml::Node* n, const char* key) {
      const yaml::Node* v = n ? n->get(key) : nullptr;
      if (!v) return -1.0;
      return v->kind == yaml::Kind::Int ? static_cast<double>(v->num.i) : v->num.f;
    };
    auto str = [](const yaml::Node* n, const char* key) {
      const yaml::Node* v = n->get(key);
      return v ? v->text : std::string();
    };
    auto flag = [](const yaml::Node* n, const char* key) {
      const yaml::Node* v = n->get(key);
      return v && v->kind == yaml::Kind::Bool && v->num.b;
    };
    const yaml::Node* workload = value("calibration_snow_workload");
    const yaml::Node* runs = value("calibration_snow");
    const yaml::Node* claims = value("calibration_snow_claims");
    if (const yaml::Node* tol = k.performance ? k.performance->get("calibration_snow_tolerance") : nullptr)
      sn.tolerance = num(tol, "value");
    if (!workload || !runs || !claims || !runs->is_seq() || !claims->is_seq()) return sn;
    const double params = num(workload, "parameters");
    const double samples = num(workload, "samples_per_epoch");
    const double sample_bytes = num(workload, "sample_bytes");
    const opt::Target* target = k.target(str(workload, "target"));
    const opt::Partition* partition = target ? target->partition(str(workload, "partition")) : nullptr;
    if (!partition) return sn;
    opt::Resources res;
    res.gpus_per_node = static_cast<int>(num(workload, "gpus"));
    for (const yaml::Node* run_node : runs->children) {
      const std::string name = str(run_node, "run");
      const std::string build = str(run_node, "container_build");
      const bool prefetch = flag(run_node, "prefetch");
      char size_mb[64];  // data.size is in MB
      std::snprintf(size_mb, sizeof size_mb, "%.6f", samples * sample_bytes / 1e6);
      Ai a;
      a.version = "2.2";
      a.config_extra = "\"parameters\": " + std::to_string(static_cast<long long>(params)) +
                       ", \"batch_size\": " + std::to_string(static_cast<long long>(num(workload, "batch_size")));
      a.data = "\"location\": \"/data\", \"count\": " + std::to_string(static_cast<long long>(samples)) +
               ", \"size\": " + size_mb + ", \"etl\": {\"prefetch\": " + (prefetch ? "true" : "false") + "}";
      auto req = read_only(a.json());
      if (!req->read_ok) continue;
      const opt::Storage* storage = nullptr;
      for (const auto& s : target->storage)
        if (s.cls == str(run_node, "storage_class")) storage = &s;
      opt::Image img;
      img.id = name;
      img.framework = "tensorflow";
      img.version = "2.2";
      img.build = build;
      img.isa_level = build == "source-optimised" ? "x86-64-v3" : "x86-64";
      img.accelerator = "nvidia";
      img.graph_compilers = {"xla"};
      opt::Candidate c;
      c.image = &img;
      c.compiler = flag(run_node, "xla") ? "xla" : "none";
      std::string unit;
      opt::Situation s{req->request, k, *target, *partition, res, storage};
      opt::predict(s, c, unit);
      if (!c.rejected.empty()) continue;
      sn.runs[name] = SnowRun{c.seconds, num(run_node, "seconds_per_epoch"), flag(run_node, "use")};
    }
    for (const yaml::Node* claim : claims->children)
      sn.claims.push_back(SnowClaim{str(claim, "claim"), str(claim, "numerator"), str(claim, "denominator"),
                                    num(claim, "min"), num(claim, "max")});
    return sn;
  }();
  return out;
}

void check_snow_claim(const std::string& id) {
  const Snow& sn = snow();
  REQUIRE(sn.runs.size() == 13);
  const SnowClaim* claim = nullptr;
  for (const auto& c : sn.claims)
    if (c.id == id) claim = &c;
  REQUIRE(claim != nullptr);
  REQUIRE(sn.runs.count(claim->numerator));
  REQUIRE(sn.runs.count(claim->denominator));
  const SnowRun& n = sn.runs.at(claim->numerator);
  const SnowRun& d = sn.runs.at(claim->denominator);
  const double ratio = n.predicted / d.predicted;
  MESSAGE("snow claim " << id << ": predicted " << n.predicted << " / " << d.predicted << " s = " << ratio
                        << " (allowed " << claim->min << "-" << claim->max << "; measured " << n.measured << " / "
                        << d.measured << " s = " << n.measured / d.measured << ")");
  CHECK(ratio >= claim->min);
  CHECK(ratio <= claim->max);
}

TEST_CASE("optimiser: Snow calibration data is complete and every run is predictable") {
  const Snow& sn = snow();
  CHECK(sn.runs.size() == 13);  // every run predicted (none rejected)
  CHECK(sn.claims.size() == 3);
  for (const auto& c : sn.claims) {
    CAPTURE(c.id);
    CHECK(sn.runs.count(c.numerator) == 1);
    CHECK(sn.runs.count(c.denominator) == 1);
    CHECK(c.min < c.max);
  }
}

TEST_CASE("optimiser: Snow claim ssd_speedup (data on SSD about 2x faster than on NFS)") {
  check_snow_claim("ssd_speedup");
}

TEST_CASE("optimiser: Snow claim xla_no_gain (XLA brings no gain for this small network)") {
  check_snow_claim("xla_no_gain");
}

TEST_CASE("optimiser: Snow claim official_equals_source_on_gpu") { check_snow_claim("official_equals_source_on_gpu"); }

TEST_CASE("optimiser: Snow runs used for calibration are predicted within the tolerance") {
  const Snow& sn = snow();
  REQUIRE_FALSE(sn.runs.empty());
  for (const auto& [name, r] : sn.runs) {
    MESSAGE("snow " << name << ": predicted " << r.predicted << " s, measured " << r.measured << " s"
                    << std::string(r.use ? "" : " (not used)"));
    if (!r.use) continue;
    const std::string run = name;  // CAPTURE captures by reference: not a structured binding (clang 14)
    CAPTURE(run);
    CHECK(std::fabs(r.predicted - r.measured) / r.measured <= sn.tolerance + 1e-9);
  }
}

TEST_CASE("optimiser: etl.prefetch given as a buffer size counts as prefetch") {
  Ai a;
  a.target = "hlrs-testbed";
  a.config_extra = "\"parameters\": 428732";
  a.data = "\"location\": \"/data\", \"count\": 1699328, \"size\": 4287.4, \"etl\": {\"prefetch\": true}";
  auto t = run(a.json());
  a.data = "\"location\": \"/data\", \"count\": 1699328, \"size\": 4287.4, \"etl\": {\"prefetch\": 4}";
  auto n = run(a.json());
  a.data = "\"location\": \"/data\", \"count\": 1699328, \"size\": 4287.4, \"etl\": {\"prefetch\": false}";
  auto f = run(a.json());
  INFO(n->diagnostics());
  REQUIRE(t->decided);
  REQUIRE(n->decided);
  REQUIRE(f->decided);
  REQUIRE(t->d.chosen());
  REQUIRE(n->d.chosen());
  REQUIRE(f->d.chosen());
  CHECK(t->d.chosen()->seconds < f->d.chosen()->seconds);
  CHECK(n->d.chosen()->seconds == doctest::Approx(t->d.chosen()->seconds));
}

TEST_CASE("optimiser: the container runtime's overhead enters the prediction") {
  Ai a;
  a.target = "example-gpu-cluster";
  auto sing = run(a.json(), knowledge(), opt::DecideOptions{"", "singularity"});
  auto pod = run(a.json(), knowledge(), opt::DecideOptions{"", "podman"});
  REQUIRE(sing->decided);
  REQUIRE(pod->decided);
  CHECK(pod->d.container_runtime == "podman");
  REQUIRE(sing->d.chosen());
  REQUIRE(pod->d.chosen());
  const double expected = knowledge().param({"container_overhead", "podman"}, 1.0) /
                          knowledge().param({"container_overhead", "singularity"}, 1.0);
  REQUIRE(expected > 1.0);
  CHECK(pod->d.chosen()->seconds / sing->d.chosen()->seconds == doctest::Approx(expected));
}

// ---------------------------------------------------------------------------------------------
// Scaling fit

TEST_CASE("optimiser: generalised Amdahl fit on the Code_Aster series (n <= 6) predicts n > 6") {
  const opt::Knowledge& k = knowledge();
  double sum = 0;
  int series = 0;
  for (const auto& m : k.scaling) {
    if (m.app != "code-aster" || m.measurements.size() < 3) continue;
    std::vector<std::pair<int, double>> head;
    for (const auto& p : m.measurements)
      if (p.first <= 6) head.push_back(p);
    opt::ScalingFit fit = opt::fit_generalised_amdahl(head);
    CAPTURE(m.id);
    REQUIRE(fit.ok);
    CHECK(fit.serial >= 0);
    CHECK(fit.parallel > 0);
    const double err = opt::holdout_error(fit, m.measurements, 6);
    MESSAGE("scaling fit " << m.id << ": t(n) = " << fit.serial << " + " << fit.parallel << " n^-" << fit.alpha
                           << ", hold-out error " << err * 100 << "%");
    sum += err;
    ++series;
  }
  REQUIRE(series == 3);
  const double mean = sum / series;
  char line[128];
  std::snprintf(line, sizeof line, "scaling fit: mean absolute error %.1f%% over %d series", mean * 100, series);
  MESSAGE(line);
  std::printf("%s\n", line);
  CHECK(mean <= 0.10);

  // The full-series fits are close to the table of docs/knowledge.md.
  for (const auto& m : k.scaling) {
    if (m.id != "code-aster-dm-centralise-mpich") continue;
    opt::ScalingFit fit = opt::fit_generalised_amdahl(m.measurements);
    CHECK(fit.alpha == doctest::Approx(0.557).epsilon(0.05));
    CHECK(fit.serial == doctest::Approx(73.7).epsilon(0.1));
  }
  // Fewer than three points: no fit.
  CHECK_FALSE(opt::fit_generalised_amdahl({{1, 10.0}, {2, 6.0}}).ok);
  // A perfect Amdahl series is recovered.
  std::vector<std::pair<int, double>> perfect;
  for (int n : {1, 2, 4, 8, 16}) perfect.emplace_back(n, 20 + 80.0 / n);
  opt::ScalingFit pf = opt::fit_generalised_amdahl(perfect);
  CHECK(pf.alpha == doctest::Approx(1.0));
  CHECK(pf.serial == doctest::Approx(20).epsilon(0.001));
  CHECK(opt::holdout_error(pf, perfect, 4) == doctest::Approx(0).epsilon(1e-6));
}

// ---------------------------------------------------------------------------------------------
// MODAK's own test requests

TEST_CASE("optimiser: MODAK's mapper results on its test requests") {
  if (!fs::exists(corpus())) {
    MESSAGE("SKIP: MODAK's corpus not found at " << corpus().string());
    return;
  }
  for (const char* era : {"current_v1.1_2022", "paper_era_2020"}) {
    const fs::path snow = corpus() / era / "tf_snow.json";
    const fs::path solver = corpus() / era / "mpi_solver.json";
    CAPTURE(era);
    if (fs::exists(snow)) {
      auto r = run(slurp(snow));
      INFO(r->diagnostics());
      REQUIRE(r->read_ok);
      REQUIRE(r->decided);
      CHECK(r->chosen_id() == "modak-tensorflow-2.1-gpu-src");
      CHECK(r->chosen_compiler() == "xla");
      CHECK(r->d.image_uri().find("tensorflow") != std::string::npos);
      CHECK(r->has_env("TF_XLA_FLAGS"));
    } else {
      MESSAGE("SKIP: " << snow.string() << " absent");
    }
    if (fs::exists(solver)) {
      auto r = run(slurp(solver));
      INFO(r->diagnostics());
      REQUIRE(r->read_ok);
      REQUIRE(r->decided);
      CHECK(r->chosen_id() == "mpich_ub1804_cuda101_mpi314_gnugprof");
      CHECK(r->d.image_uri().find("mpich") != std::string::npos);
      CHECK(r->d.resources.ranks == 40);
      CHECK(r->d.resources.nodes == 2);
      CHECK(r->d.launcher == "mpirun");
    } else {
      MESSAGE("SKIP: " << solver.string() << " absent");
    }
  }
}

}  // TEST_SUITE
