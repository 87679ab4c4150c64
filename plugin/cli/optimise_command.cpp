// `modak optimise`: decide image, graph compiler, resources, launcher, environment and storage
// for every application node that carries an optimisation request, explain the choice, and write
// the annotated blueprint.
#include <filesystem>
#include <iostream>
#include <memory>

#include "plugin/cli/commands.h"
#include "plugin/cli/common.h"
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

struct OptimiseArgs : CommonArgs {
  std::string path;
  std::string output;
  bool explain = false;
  std::string target;
  std::vector<std::string> targets_dirs;
  std::vector<std::string> catalogue_dirs;
  std::string container_runtime;
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
  tosca::ValidateOptions options;
  std::string error;
  if (!to_validate_options(a, options, error)) {
    std::cerr << "modak optimise: " << error << "\n";
    return kExitUsage;
  }
  diag::Sink sink;
  opt::Knowledge knowledge;
  std::vector<std::string> extra = a.targets_dirs;
  extra.insert(extra.end(), a.catalogue_dirs.begin(), a.catalogue_dirs.end());
  if (!opt::load_knowledge(a.share_dir.empty() ? tosca::default_share_dir() : a.share_dir, extra, knowledge, sink)) {
    print_diagnostics(a, sink);
    return kExitUsage;
  }
  if (is_json_request(a.path)) return optimise_request_file(a, knowledge, sink);

  auto model = std::make_unique<tosca::Model>();
  bool valid = tosca::validate(a.path, options, *model, sink);
  if (model->service.root < 0 || !model->service.root_unit().root) {
    print_diagnostics(a, sink);
    return kExitUsage;
  }
  if (!valid) {
    print_diagnostics(a, sink);
    std::cerr << a.path << ": invalid; fix the errors above before optimising\n";
    return kExitInvalid;
  }
  diag::Sink opt_sink;
  tosca::Context ctx(model->service, model->types, opt_sink, model->profile);
  yaml::Arena arena;
  std::vector<opt::AppNode> apps = opt::find_requests(ctx, *model, arena);
  std::vector<opt::Decision> decisions(apps.size());
  bool ok = !opt_sink.has_errors();
  for (std::size_t i = 0; i < apps.size() && ok; ++i) {
    decisions[i].node = apps[i].name;
    ok = opt::decide(ctx, apps[i].request, knowledge, opt::DecideOptions{a.target, a.container_runtime}, decisions[i]);
  }
  if (!a.quiet && sink.count(diag::Severity::Warning))
    std::cerr << a.path << ": valid, with " << sink.count(diag::Severity::Warning)
              << " warning(s) (see modak validate)\n";
  print_diagnostics(a, opt_sink);
  if (!ok) return kExitInvalid;
  if (apps.empty()) std::cerr << a.path << ": no application node carries an optimisation request\n";
  if (a.format == "json") {
    nlohmann::json all = nlohmann::json::array();
    for (const auto& d : decisions) all.push_back(opt::decision_json(d));
    std::cout << all.dump(2) << "\n";
  } else if (a.explain) {
    for (const auto& d : decisions) std::cout << opt::explain_text(d) << "\n";
  }
  if (a.output.empty()) return kExitOk;
  opt::Annotated annotated = opt::annotate(ctx, model->service.root_unit().root, apps, decisions, arena);
  std::string out = output_path(a.output, a.path);
  std::string from_dir = fs::path(model->service.root_unit().origin.path).parent_path().string();
  std::string to_dir = fs::absolute(out).parent_path().string();
  opt::rebase_imports(annotated.root, from_dir, to_dir, arena);
  std::string text = yaml::emit_yaml(annotated.root);
  if (fs::exists(out) && fs::equivalent(out, a.path)) {
    std::cerr << "modak optimise: refusing to overwrite the input '" << a.path << "'\n";
    return kExitUsage;
  }
  if (!io::write_file_atomic(out, text, error)) {
    std::cerr << "modak optimise: " << error << "\n";
    return kExitUsage;
  }
  if (!a.quiet)
    for (const auto& c : annotated.changes) std::cerr << "  " << c << "\n";
  std::cerr << "wrote " << out << " (" << apps.size() << " application node(s) optimised)\n";
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
  cmd->add_option("--target", args->target, "optimise for this target instead of the one the blueprint names");
  cmd->add_option("--targets", args->targets_dirs, "directory of extra target descriptions (repeatable)")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--catalogue", args->catalogue_dirs, "directory of extra catalogue/knowledge files (repeatable)")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--container-runtime", args->container_runtime, "singularity, apptainer, podman or none")
      ->check(CLI::IsMember({"singularity", "apptainer", "podman", "none"}));
  add_common_options(cmd, *args);
  return {cmd, [args]() { return run_optimise(*args); }};
}

}  // namespace modak::cli
