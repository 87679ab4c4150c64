// `modak optimise`: decide image, graph compiler, resources, launcher, environment and storage
// for every application node that carries an optimisation request, explain the choice, and write
// the annotated blueprint.
#include <filesystem>
#include <iostream>
#include <memory>

#include "plugin/cli/commands.h"
#include "plugin/cli/common.h"
#include "plugin/cli/pipeline.h"
#include "plugin/cli/pin_command.h"
#include "plugin/optimiser/aadm.h"
#include "plugin/optimiser/annotate.h"
#include "plugin/optimiser/blueprint.h"
#include "plugin/optimiser/decide.h"
#include "plugin/optimiser/report.h"
#include "tosca/check/checks.h"
#include "tosca/io/files.h"
#include "tosca/yaml/emit.h"

namespace modak::cli {

namespace fs = std::filesystem;

namespace {

struct OptimiseArgs : PipelineArgs {
  bool explain = false;
  PinOptions pin;
};

// A MODAK JSON request or AADM JSON: the decisions, printed (and written with -o).
int optimise_request_file(const OptimiseArgs& a) {
  RequestRun r;
  if (int rc = run_request_file(a, r, "optimise"); rc >= 0) return rc;
  const std::vector<opt::Decision>& decisions = r.decisions;
  std::string error;
  nlohmann::json j = nlohmann::json::array();
  for (const auto& d : decisions) j.push_back(opt::decision_json(d));
  if (decisions.size() == 1) j = j[0];
  if (a.format == "json") std::cout << j.dump(2) << "\n";
  else
    for (const auto& d : decisions) std::cout << opt::explain_text(d) << "\n";
  if (!a.output.empty() && same_file(a.output, a.path)) {
    std::cerr << "modak optimise: refusing to overwrite '" << a.path << "', which modak read; choose another output\n";
    return kExitUsage;
  }
  if (!a.output.empty() && !io::write_file_atomic(a.output, j.dump(2) + "\n", error)) {
    std::cerr << "modak optimise: " << error << "\n";
    return kExitUsage;
  }
  return kExitOk;
}

std::string output_path(const std::string& out, const std::string& input) {
  std::error_code ec;
  if (fs::is_directory(out, ec)) return (fs::path(out) / fs::path(input).filename()).string();
  return out;
}

int run_optimise(const OptimiseArgs& a) {
  if (is_json_request(a.path)) return optimise_request_file(a);
  Pipeline p;
  if (int rc = run_pipeline(a, Decisions::Decide, p, "optimise"); rc >= 0) return rc;
  if (int rc = pin_if_asked(a.pin, a.ca_file, p.decisions, p.knowledge, a.quiet, "optimise"); rc >= 0) return rc;
  if (a.format == "json") {
    nlohmann::json all = nlohmann::json::array();
    for (const auto& d : p.decisions) all.push_back(opt::decision_json(d));
    std::cout << all.dump(2) << "\n";
  } else if (a.explain) {
    for (const auto& d : p.decisions) std::cout << opt::explain_text(d) << "\n";
  }
  if (a.output.empty()) return kExitOk;
  opt::Annotated annotated = opt::annotate(*p.ctx, p.model->service.root_unit().root, p.apps, p.decisions, p.arena);
  std::string out = output_path(a.output, a.path);
  std::string from_dir = fs::path(p.model->service.root_unit().origin.path).parent_path().string();
  std::string to_dir = fs::absolute(out).parent_path().string();
  opt::rebase_imports(annotated.root, from_dir, to_dir, p.arena);
  std::string text = yaml::emit_yaml(annotated.root);
  if (std::string in = input_at(p.model->service, out); !in.empty()) {
    std::cerr << "modak optimise: refusing to overwrite '" << in << "', which modak read; choose another output\n";
    return kExitUsage;
  }
  std::string error;
  if (!io::write_file_atomic(out, text, error)) {
    std::cerr << "modak optimise: " << error << "\n";
    return kExitUsage;
  }
  if (!a.quiet)
    for (const auto& c : annotated.changes) std::cerr << "  " << c << "\n";
  std::cerr << "wrote " << out << " (" << p.apps.size() << " application node(s) optimised)\n";
  return kExitOk;
}

}  // namespace

Command add_optimise_command(CLI::App& app) {
  auto args = std::make_shared<OptimiseArgs>();
  CLI::App* cmd = app.add_subcommand(
      "optimise", "Choose image, graph compiler, resources, launcher and environment for each application node");
  cmd->alias("optimize");
  cmd->footer(
      "Examples:\n"
      "  modak optimise --explain blueprints/resnet50-slurm/service.yaml\n"
      "  modak optimise blueprints/resnet50-slurm/service.yaml -o /tmp/resnet50-optimised.yaml\n"
      "  modak optimise --target example-cpu-cluster --format json service.yaml\n"
      "  modak optimise request.json            (a MODAK JSON request)\n\n"
      "Exit status: 0 done, 1 invalid blueprint or request, 2 usage or I/O error.");
  cmd->add_option("blueprint", args->path, "service template, CSAR, or a MODAK JSON request (.json)")->required();
  cmd->add_option("-o,--output", args->output, "write the annotated blueprint (a file, or a directory)");
  cmd->add_flag("--explain", args->explain, "print the ranked candidates and why the winner won");
  add_optimiser_options(cmd, *args);
  add_pin_options(cmd, args->pin);
  add_common_options(cmd, *args);
  return {cmd, [args]() { return run_optimise(*args); }};
}

}  // namespace modak::cli
