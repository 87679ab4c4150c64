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

bool is_json_request(const std::string& path) { return fs::path(path).extension() == ".json"; }

// A MODAK JSON request: no blueprint, one decision.
int optimise_request_file(const OptimiseArgs& a, const opt::Knowledge& k, diag::Sink& sink) {
  tosca::Model model;
  tosca::ValidateOptions vo;
  std::string error;
  to_validate_options(a, vo, error);
  vo.load.load_normative = false;
  std::string content;
  if (!io::read_file(a.path, content, error)) {
    std::cerr << "modak optimise: " << error << "\n";
    return kExitUsage;
  }
  auto id = model.service.sources.add(a.path);
  const yaml::Node* root = yaml::load_yaml(content, id, model.service.sources, model.service.arena, sink);
  tosca::Context ctx(model.service, model.types, sink, model.profile);
  opt::DecideOptions o{a.target, a.container_runtime};
  std::vector<opt::Decision> decisions;
  bool ok = root != nullptr;
  if (ok && opt::is_aadm(root)) {
    // AADM JSON: every application node that carries a request, as the IaC builder saw them.
    for (auto& app : opt::find_aadm_requests(ctx, root, model.service.arena, model.service.sources)) {
      decisions.emplace_back();
      decisions.back().node = app.name;
      ok = ok && !sink.has_errors() && opt::decide(ctx, app.request, k, o, decisions.back());
    }
  } else if (ok) {
    opt::Request request;
    request.origin = a.path;
    decisions.emplace_back();
    decisions.back().node = a.path;
    ok = opt::read_request(ctx, root, request) && opt::decide(ctx, request, k, o, decisions.back());
  }
  print_diagnostics(a, sink);
  if (!ok) return root ? kExitInvalid : kExitUsage;
  nlohmann::json j = nlohmann::json::array();
  for (const auto& d : decisions) j.push_back(opt::decision_json(d));
  if (decisions.size() == 1) j = j[0];
  if (a.format == "json") std::cout << j.dump(2) << "\n";
  else
    for (const auto& d : decisions) std::cout << opt::explain_text(d) << "\n";
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
  if (is_json_request(a.path)) {
    diag::Sink sink;
    opt::Knowledge knowledge;
    std::vector<std::string> extra = a.targets_dirs;
    extra.insert(extra.end(), a.catalogue_dirs.begin(), a.catalogue_dirs.end());
    if (!opt::load_knowledge(a.share_dir.empty() ? tosca::default_share_dir() : a.share_dir, extra, knowledge, sink)) {
      print_diagnostics(a, sink);
      return kExitUsage;
    }
    return optimise_request_file(a, knowledge, sink);
  }
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
  std::error_code ec;
  if (fs::exists(out, ec) && fs::equivalent(out, a.path, ec)) {
    std::cerr << "modak optimise: refusing to overwrite the input '" << a.path << "'\n";
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
