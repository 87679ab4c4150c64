// `modak request`: answers a MODAK JSON request the way MODAK's /get_optimisation did. The
// response is the request with application.container_runtime set to the chosen image, plus
// job_content (the job script in MODAK's layout, adapters/modak_layout.cpp) and job_script
// (its file name). Differences from MODAK's output: docs/modak-compatibility.md.
#include <chrono>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "adapters/modak_layout.h"
#include "plugin/cli/commands.h"
#include "plugin/cli/common.h"
#include "plugin/optimiser/decide.h"
#include "plugin/optimiser/knowledge.h"
#include "plugin/optimiser/request.h"
#include "tosca/io/files.h"
#include "tosca/load/service.h"
#include "tosca/validator.h"
#include "tosca/yaml/loader.h"

namespace modak::cli {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

namespace {

struct RequestArgs {
  std::string path, output, script_out, target, container_runtime, share_dir;
  bool quiet = false;
};

std::string timestamp() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d%H%M%S", &tm);
  return buf;
}

int run_request(const RequestArgs& a) {
  CommonArgs common;
  common.quiet = a.quiet;
  diag::Sink sink;
  std::string error, content;
  if (!io::read_file(a.path, content, error)) {
    std::cerr << "modak request: " << error << "\n";
    return kExitUsage;
  }
  ojson response;
  try {
    response = ojson::parse(content);
  } catch (const std::exception& e) {
    std::cerr << "modak request: " << a.path << ": not JSON: " << e.what() << "\n";
    return kExitInvalid;
  }
  if (!response.is_object() || !response.contains("job") || !response["job"].is_object()) {
    std::cerr << "modak request: " << a.path << ": expected {\"job\": {...}}\n";
    return kExitInvalid;
  }

  const std::string share = a.share_dir.empty() ? tosca::default_share_dir() : a.share_dir;
  opt::Knowledge knowledge;
  if (!opt::load_knowledge(share, {}, knowledge, sink)) {
    print_diagnostics(common, sink);
    return kExitUsage;
  }
  tosca::Model model;
  auto id = model.service.sources.add(a.path);
  const yaml::Node* root = yaml::load_yaml(content, id, model.service.sources, model.service.arena, sink);
  tosca::Context ctx(model.service, model.types, sink, model.profile);
  opt::Request request;
  request.origin = a.path;
  opt::Decision decision;
  decision.node = a.path;
  bool ok = root && opt::read_request(ctx, root, request) &&
            opt::decide(ctx, request, knowledge, opt::DecideOptions{a.target, a.container_runtime}, decision);
  print_diagnostics(common, sink);
  if (!ok) return kExitInvalid;

  // The scheduler: the request's, else the target's (MODAK's target completion).
  std::string scheduler = request.target.str("job_scheduler_type").value_or("");
  if (scheduler.empty() && decision.target) scheduler = decision.target->scheduler;

  std::vector<std::string> errors;
  auto scripts = adapters::load_modak_scripts(share, errors);
  for (const auto& e : errors) std::cerr << "modak request: " << e << "\n";
  adapters::Job job = adapters::modak_job(request, decision, "job");
  adapters::ModakLayout layout = adapters::modak_layout_for(request, decision, scripts, scheduler);
  if (job.executable.empty() && job.image.empty()) {
    std::cerr << "modak request: neither application.executable nor a container: nothing to run\n";
    return kExitInvalid;
  }
  std::vector<std::string> notes;
  const std::string script = adapters::render_modak_script(job, layout, notes);
  if (!a.quiet)
    for (const auto& n : notes) std::cerr << "note: " << n << "\n";

  const std::string script_name =
      a.script_out.empty() ? job.name + "_" + timestamp() + ".sh" : fs::path(a.script_out).filename().string();
  ojson& j = response["job"];
  if (!job.image.empty()) j["application"]["container_runtime"] = job.image;
  j["job_content"] = script;
  j["job_script"] = script_name;
  const std::string text = response.dump(2) + "\n";

  for (const std::string* out : {&a.script_out, &a.output}) {
    if (!out->empty() && same_file(*out, a.path)) {
      std::cerr << "modak request: refusing to overwrite '" << a.path << "', which modak read; choose another output\n";
      return kExitUsage;
    }
  }

  if (!a.script_out.empty() && !io::write_file_atomic(a.script_out, script, error)) {
    std::cerr << "modak request: " << error << "\n";
    return kExitUsage;
  }
  if (a.output.empty()) {
    std::cout << text;
  } else if (!io::write_file_atomic(a.output, text, error)) {
    std::cerr << "modak request: " << error << "\n";
    return kExitUsage;
  }
  return kExitOk;
}

}  // namespace

Command add_request_command(CLI::App& app) {
  auto args = std::make_shared<RequestArgs>();
  CLI::App* cmd = app.add_subcommand(
      "request", "Answer a MODAK JSON request like MODAK's /get_optimisation: chosen image and job script");
  cmd->footer(
      "Examples:\n"
      "  modak request tf_resnet.json                         (prints MODAK's JSON response)\n"
      "  modak request mpi_test.json --script-out mpi_test.sh -o response.json\n"
      "  modak request job.json | jq -r .job.application.container_runtime   (MODAK's /get_image)\n\n"
      "The script follows MODAK's layout except where MODAK had a bug: docs/modak-compatibility.md.\n"
      "Exit status: 0 done, 1 invalid request, 2 usage or I/O error.");
  cmd->add_option("request", args->path, "MODAK JSON request ({\"job\": {...}})")->required();
  cmd->add_option("-o,--output", args->output, "write the JSON response here instead of standard output");
  cmd->add_option("--script-out", args->script_out, "also write the job script to this file");
  cmd->add_option("--target", args->target, "optimise for this target instead of the one the request names");
  cmd->add_option("--container-runtime", args->container_runtime, "singularity, apptainer, podman or none")
      ->check(CLI::IsMember({"singularity", "apptainer", "podman", "none"}));
  cmd->add_option("--share", args->share_dir, "modak's data directory (default: installed share/modak)");
  cmd->add_flag("-q,--quiet", args->quiet, "print errors only");
  return {cmd, [args]() { return run_request(*args); }};
}

}  // namespace modak::cli
