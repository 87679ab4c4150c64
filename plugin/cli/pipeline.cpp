#include "plugin/cli/pipeline.h"

#include <filesystem>
#include <iostream>

#include "plugin/cli/commands.h"
#include "plugin/optimiser/aadm.h"
#include "tosca/io/files.h"
#include "plugin/optimiser/report.h"

namespace modak::cli {

void add_optimiser_options(CLI::App* cmd, PipelineArgs& a) {
  cmd->add_option("--target", a.target, "optimise for this target instead of the one the blueprint names");
  cmd->add_option("--targets", a.targets_dirs, "directory of extra target descriptions (repeatable)")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--catalogue", a.catalogue_dirs, "directory of extra catalogue/knowledge files (repeatable)")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--container-runtime", a.container_runtime, "singularity, apptainer, podman or none")
      ->check(CLI::IsMember({"singularity", "apptainer", "podman", "none"}));
}

namespace {

// `modak render`: the decision `modak optimise` stored in the node's metadata.
bool decision_from_annotation(Pipeline& p, const opt::AppNode& app, opt::Decision& d) {
  const yaml::Node* md = app.body && app.body->is_map() ? app.body->get("metadata") : nullptr;
  const yaml::Node* text = md && md->is_map() ? md->get("modak.decision") : nullptr;
  if (!text || !text->is_string()) {
    p.ctx->error(diag::Code::MissingField, app.body,
                 "node '" + app.name + "' carries a request but no modak.decision: run modak optimise first, or modak preprocess");
    return false;
  }
  std::string error;
  nlohmann::json j = nlohmann::json::parse(text->text, nullptr, false);
  if (j.is_discarded() || !opt::decision_from_json(j, p.knowledge, d, error)) {
    p.ctx->error(diag::Code::InvalidValue, text, "node '" + app.name + "': " + (error.empty() ? "modak.decision is not JSON" : error));
    return false;
  }
  return true;
}

}  // namespace

std::string input_at(const tosca::Service& service, const std::string& out) {
  std::error_code ec;
  if (!std::filesystem::exists(out, ec)) return {};
  for (const auto& u : service.units) {
    const std::string& in = u.origin.kind == tosca::Origin::Kind::Zip ? u.origin.container : u.origin.path;
    if ((u.origin.kind == tosca::Origin::Kind::File || u.origin.kind == tosca::Origin::Kind::Zip) &&
        std::filesystem::equivalent(in, out, ec))
      return in;
  }
  return {};
}

bool is_json_request(const std::string& path) {
  return path.size() > 5 && path.compare(path.size() - 5, 5, ".json") == 0;
}

int run_request_file(const PipelineArgs& a, RequestRun& r, const char* command) {
  std::vector<std::string> extra = a.targets_dirs;
  extra.insert(extra.end(), a.catalogue_dirs.begin(), a.catalogue_dirs.end());
  if (!opt::load_knowledge(a.share_dir.empty() ? tosca::default_share_dir() : a.share_dir, extra, r.knowledge, r.sink)) {
    print_diagnostics(a, r.sink);
    return kExitUsage;
  }
  std::string content, error;
  tosca::Limits limits;
  if (!to_limits(a, limits, error)) {
    std::cerr << "modak " << command << ": " << error << "\n";
    return kExitUsage;
  }
  bool too_large = false;
  if (!io::read_file(a.path, content, error, limits.max_file_bytes, &too_large)) {
    if (too_large) {
      r.sink.error(diag::Code::Limit, {a.path, 1, 1}, error);
      print_diagnostics(a, r.sink);
    } else {
      std::cerr << "modak " << command << ": " << error << "\n";
    }
    return kExitUsage;
  }
  auto id = r.model.service.sources.add(a.path);
  const yaml::Node* root =
      yaml::load_yaml(content, id, r.model.service.sources, r.model.service.arena, r.sink, limits.yaml);
  tosca::Context ctx(r.model.service, r.model.types, r.sink, r.model.profile);
  bool ok = root != nullptr;
  if (ok && opt::is_aadm(root)) {
    // AADM JSON: every application node that carries a request, as the IaC builder saw them.
    r.apps = opt::find_aadm_requests(ctx, root, r.model.service.arena, r.model.service.sources);
  } else if (ok) {
    r.apps.emplace_back();
    r.apps.back().name = a.path;
    r.apps.back().request.origin = a.path;
    ok = opt::read_request(ctx, root, r.apps.back().request);
  }
  r.decisions.resize(r.apps.size());
  opt::DecideOptions o{a.target, a.container_runtime};
  for (std::size_t i = 0; ok && i < r.apps.size(); ++i) {
    r.decisions[i].node = r.apps[i].name;
    ok = !r.sink.has_errors() && opt::decide(ctx, r.apps[i].request, r.knowledge, o, r.decisions[i]);
  }
  print_diagnostics(a, r.sink);
  if (!ok) return root ? kExitInvalid : kExitUsage;
  return -1;
}

int run_pipeline(const PipelineArgs& a, Decisions how, Pipeline& p, const char* command) {
  std::string error;
  if (!to_validate_options(a, p.validate_options, error)) {
    std::cerr << "modak " << command << ": " << error << "\n";
    return kExitUsage;
  }
  std::vector<std::string> extra = a.targets_dirs;
  extra.insert(extra.end(), a.catalogue_dirs.begin(), a.catalogue_dirs.end());
  if (!opt::load_knowledge(a.share_dir.empty() ? tosca::default_share_dir() : a.share_dir, extra, p.knowledge, p.sink)) {
    print_diagnostics(a, p.sink);
    return kExitUsage;
  }
  bool valid = tosca::validate(a.path, p.validate_options, *p.model, p.sink);
  if (p.model->service.root < 0 || !p.model->service.root_unit().root) {
    print_diagnostics(a, p.sink);
    return kExitUsage;
  }
  if (!valid) {
    print_diagnostics(a, p.sink);
    std::cerr << a.path << ": invalid; fix the errors above first\n";
    return kExitInvalid;
  }
  std::size_t warnings = p.sink.count(diag::Severity::Warning);
  diag::Sink validation = std::move(p.sink);
  p.sink = diag::Sink();
  p.ctx = std::make_unique<tosca::Context>(p.model->service, p.model->types, p.sink, p.model->profile);
  p.apps = opt::find_requests(*p.ctx, *p.model, p.arena);
  p.decisions.resize(p.apps.size());
  bool ok = !p.sink.has_errors();
  for (std::size_t i = 0; i < p.apps.size() && ok; ++i) {
    p.decisions[i].node = p.apps[i].name;
    ok = how == Decisions::Decide
             ? opt::decide(*p.ctx, p.apps[i].request, p.knowledge, opt::DecideOptions{a.target, a.container_runtime}, p.decisions[i])
             : decision_from_annotation(p, p.apps[i], p.decisions[i]);
  }
  if (!a.quiet && warnings) std::cerr << a.path << ": valid, with " << warnings << " warning(s) (see modak validate)\n";
  print_diagnostics(a, p.sink);
  if (!ok) return kExitInvalid;
  if (p.apps.empty()) std::cerr << a.path << ": no application node carries an optimisation request\n";
  return -1;
}

}  // namespace modak::cli
