// The steps optimise, render and preprocess share: validate the blueprint, load the knowledge
// base, find the application nodes that carry requests, and decide (or read the decisions the
// annotations hold).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "plugin/cli/common.h"
#include "plugin/optimiser/blueprint.h"
#include "plugin/optimiser/decide.h"
#include "plugin/optimiser/knowledge.h"

namespace modak::cli {

struct PipelineArgs : CommonArgs {
  std::string path;
  std::string output;
  std::string target;
  std::vector<std::string> targets_dirs;
  std::vector<std::string> catalogue_dirs;
  std::string container_runtime;
};

struct Pipeline {
  std::unique_ptr<tosca::Model> model = std::make_unique<tosca::Model>();
  opt::Knowledge knowledge;
  yaml::Arena arena;
  diag::Sink sink;  // validation and optimisation problems
  std::unique_ptr<tosca::Context> ctx;
  std::vector<opt::AppNode> apps;
  std::vector<opt::Decision> decisions;
  tosca::ValidateOptions validate_options;
};

// Adds the optimiser's options (--target, --targets, --catalogue, --container-runtime).
void add_optimiser_options(CLI::App* cmd, PipelineArgs& args);

enum class Decisions { Decide, FromAnnotations };

// Runs the shared steps. Returns -1 to go on, or the exit code to stop with (problems printed).
int run_pipeline(const PipelineArgs& a, Decisions how, Pipeline& p, const char* command);

// The same for a MODAK JSON request or the IaC builder's AADM JSON (no blueprint): every
// application that carries a request, decided. Not copyable: the parts refer to each other.
struct RequestRun {
  tosca::Model model;
  diag::Sink sink;
  opt::Knowledge knowledge;
  std::vector<opt::AppNode> apps;
  std::vector<opt::Decision> decisions;
};
int run_request_file(const PipelineArgs& a, RequestRun& r, const char* command);

// The file modak read for this blueprint (the blueprint, an import, a library file, a CSAR zip)
// that writing `out` would overwrite, or "" when it overwrites none. modak never writes over its
// input (docs/outputs.md).
std::string input_at(const tosca::Service& service, const std::string& out);
bool is_json_request(const std::string& path);

}  // namespace modak::cli
