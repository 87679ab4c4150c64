// A fixed small Gen-3 blueprint (Slurm, Singularity) whose application properties executable,
// arguments and the job's job_name take fuzzer bytes, run through validate, opt::find_requests /
// opt::decide and render::render with one adapter (what `modak preprocess
// --adapter X` does; one binary per adapter). Checks that no fuzzer-controlled newline injects an extra #SBATCH / #PBS
// directive: every rendered batch script must carry exactly the directive options the same blueprint
// renders with harmless values.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "fuzz_common.h"
#include "plugin/optimiser/blueprint.h"
#include "plugin/optimiser/decide.h"
#include "plugin/optimiser/knowledge.h"
#include "plugin/render/render.h"
#include "tosca/validator.h"

namespace {

using namespace modak;

// One binary per adapter (fuzz_render_slurm, ...): MODAK_FUZZ_ADAPTER names it.
#ifndef MODAK_FUZZ_ADAPTER
#error "compile with -DMODAK_FUZZ_ADAPTER=\"slurm\" (or pbspro, torque, kubernetes, batch)"
#endif
const char* const kAdapter = MODAK_FUZZ_ADAPTER;

const opt::Knowledge& knowledge() {
  static const opt::Knowledge k = [] {
    opt::Knowledge out;
    diag::Sink sink;
    if (!opt::load_knowledge(fuzz::share_dir(), {}, out, sink)) std::abort();
    return out;
  }();
  return k;
}

// A YAML double-quoted scalar holding exactly these bytes (bytes >= 0x80 become \xNN, i.e. Latin-1).
std::string quoted(const std::string& s) {
  std::string out = "\"";
  char buf[8];
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string blueprint(const std::string& executable, const std::string& arguments, const std::string& job_name) {
  return R"(tosca_definitions_version: tosca_simple_yaml_1_3
imports:
  - modules/hpc/app/workload_managers.yml
  - modules/hpc/app/runtimes.yml
  - modules/hpc/app/apps.yml
topology_template:
  node_templates:
    cluster:
      type: sodalite.nodes.hpc.WM
      properties:
        scheduler: slurm
        username: fuzz
        hpc_label: cluster
      attributes:
        public_address: login.example.org
      capabilities:
        optimisations:
          properties:
            target: example-gpu-cluster
    singularity:
      type: sodalite.nodes.batch.Container.Runtime
      properties:
        runtime: singularity
        images_location: images
      requirements:
        - host: cluster
    app:
      type: sodalite.nodes.batch.Container.Application
      metadata:
        optimisation: '{"app_type": "ai_training", "app_type-ai_training": {"config": {"ai_framework": "tensorflow"}}}'
      properties:
        app_tag: app
        app_type: python
        executable: )" + quoted(executable) + R"(
        arguments: )" + quoted(arguments) + R"(
        container_runtime: "docker://tensorflow/tensorflow:2.1.0-gpu-py3"
      requirements:
        - runtime: singularity
        - host: cluster
    job:
      type: sodalite.nodes.batch.Container.JobExecution
      properties:
        job_name: )" + quoted(job_name) + R"(
        wall_time_limit: "01:00:00"
        node_count: 1
        core_count: 4
        content: "#!/bin/bash\n"
      requirements:
        - application: app
        - runtime: singularity
        - host: cluster
)";
}

// "#SBATCH --time=1:00:00" -> "#SBATCH --time"; "#PBS -l walltime=1" -> "#PBS -l walltime".
std::string directive_key(const std::string& line) {
  std::size_t end = line.find_first_of("= \t", line.find(' ') == std::string::npos ? line.size() : line.find(' ') + 1);
  std::string key = line.substr(0, end);
  if (key == "#PBS -l" || key == "#PBS -W") {
    std::size_t e = line.find_first_of("=:", end);
    key = line.substr(0, e);
  }
  return key;
}

using Directives = std::map<std::string, std::map<std::string, int>>;  // artefact -> directive key -> count

bool is_directive(const std::string& line) { return line.rfind("#SBATCH", 0) == 0 || line.rfind("#PBS", 0) == 0; }

// Renders with one adapter; false when the blueprint does not get that far (not a finding).
bool render_with(const std::string& text, const char* adapter, Directives& dirs) {
  tosca::ValidateOptions vo;
  vo.load.share_dir = fuzz::share_dir();
  tosca::Model model;
  diag::Sink vsink;
  if (!tosca::validate_text(text, "service.yaml", fuzz::share_dir(), vo, model, vsink)) return false;
  diag::Sink sink;
  tosca::Context ctx(model.service, model.types, sink, model.profile);
  yaml::Arena arena;
  std::vector<opt::AppNode> apps = opt::find_requests(ctx, model, arena);
  if (sink.has_errors() || apps.empty()) return false;
  std::vector<opt::Decision> decisions(apps.size());
  for (std::size_t i = 0; i < apps.size(); ++i) {
    decisions[i].node = apps[i].name;
    if (!opt::decide(ctx, apps[i].request, knowledge(), opt::DecideOptions{}, decisions[i])) return false;
  }
  render::Output out;
  if (!render::render(ctx, model.service.root_unit().root, apps, decisions, render::Options{adapter}, arena, out)) return false;
  for (const auto& art : out.artefacts) {
    std::size_t pos = 0;
    while (pos <= art.content.size()) {
      std::size_t nl = art.content.find('\n', pos);
      std::string line = art.content.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
      if (is_directive(line)) ++dirs[art.path][directive_key(line)];
      if (nl == std::string::npos) break;
      pos = nl + 1;
    }
  }
  return true;
}

const Directives& baseline() {
  static const Directives b = [] {
    Directives d;
    if (!render_with(blueprint("python3 train.py", "--epochs 1", "fuzzjob"), kAdapter, d)) {
      std::fprintf(stderr, "fuzz_render: the baseline blueprint does not render with %s\n", kAdapter);
      std::abort();
    }
    return d;
  }();
  return b;
}

void dump(const char* label, const Directives& d) {
  for (const auto& [art, keys] : d)
    for (const auto& [k, n] : keys) std::fprintf(stderr, "  %s %s: '%s' x%d\n", label, art.c_str(), k.c_str(), n);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider fdp(data, size);
  std::string executable = fdp.ConsumeRandomLengthString(256);
  std::string arguments = fdp.ConsumeRandomLengthString(256);
  std::string job_name = fdp.ConsumeRemainingBytesAsString();
  std::string text = blueprint(executable, arguments, job_name);
  {
    const Directives& base = baseline();
    Directives got;
    if (!render_with(text, kAdapter, got)) return 0;
    // Artefact names may derive from job_name; compare the directive sets of the batch scripts only.
    std::map<std::string, int> want, have;
    for (const auto& [art, keys] : base)
      for (const auto& [k, n] : keys) want[k] += n;
    for (const auto& [art, keys] : got)
      for (const auto& [k, n] : keys) have[k] += n;
    if (want != have) {
      std::fprintf(stderr, "fuzz_render: %s: the rendered directives differ from the baseline (newline injection?)\n",
                   kAdapter);
      dump("baseline", base);
      dump("fuzzed", got);
      std::abort();
    }
  }
  return 0;
}
