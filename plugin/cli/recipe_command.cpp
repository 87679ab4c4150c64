// `modak recipe`: for every application whose request asks for an optimised build
// (enable_opt_build), write a Singularity/Apptainer definition file and an equivalent OCI
// Containerfile for a source build tuned to the decision (ISA flags, graph compiler, MPI).
// `modak recipe --check FILE.def` runs the definition-file grammar check.
#include <filesystem>
#include <iostream>
#include <memory>

#include "plugin/cli/commands.h"
#include "plugin/cli/common.h"
#include "plugin/cli/pipeline.h"
#include "plugin/optimiser/aadm.h"
#include "plugin/optimiser/decide.h"
#include "plugin/recipe/def_grammar.h"
#include "plugin/recipe/recipe.h"
#include "tosca/io/files.h"
#include "tosca/load/service.h"
#include "tosca/yaml/loader.h"

namespace modak::cli {

namespace fs = std::filesystem;

namespace {

struct RecipeArgs : PipelineArgs {
  std::string base;
  std::string recipes_dir;
  std::vector<std::string> check;
  bool smoke = false;
};

int run_check(const RecipeArgs& a) {
  int rc = kExitOk;
  for (const auto& file : a.check) {
    std::string text, error;
    if (!io::read_file(file, text, error)) {
      std::cerr << "modak recipe: " << error << "\n";
      return kExitUsage;
    }
    recipe::DefCheck c = recipe::check_definition(text);
    std::cerr << recipe::render_problems(file, c);
    if (!c.ok()) rc = kExitInvalid;
    else if (!a.quiet) std::cout << file << ": valid definition file (" << c.stages.size() << " stage(s), "
                                 << c.sections.size() << " section(s))\n";
  }
  return rc;
}

std::string file_stem(const std::string& node) {
  std::string s = fs::path(node).extension() == ".json" ? fs::path(node).stem().string() : node;
  for (char& ch : s)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.')) ch = '_';
  return s;
}

struct Job {
  const opt::Decision* decision;
  const opt::Request* request;
};

int write_recipes(const RecipeArgs& a, const std::vector<Job>& jobs) {
  recipe::RecipeKnowledge k;
  std::vector<std::string> errors;
  std::string dir = !a.recipes_dir.empty() ? a.recipes_dir
                                           : (fs::path(a.share_dir.empty() ? tosca::default_share_dir() : a.share_dir) / "recipes").string();
  if (!recipe::load_recipe_knowledge(dir, k, errors)) {
    for (const auto& e : errors) std::cerr << e << "\n";
    return kExitUsage;
  }
  std::error_code ec;
  fs::create_directories(a.output, ec);
  if (ec) {
    std::cerr << "modak recipe: cannot create '" << a.output << "': " << ec.message() << "\n";
    return kExitUsage;
  }
  int written = 0, failed = 0;
  for (const auto& job : jobs) {
    recipe::RecipeInputs in = recipe::inputs_from(*job.decision, *job.request);
    if (!in.enable_opt_build) {
      if (!a.quiet) std::cerr << "  " << in.node << ": enable_opt_build is false; no recipe (the catalogue image is used as is)\n";
      continue;
    }
    recipe::RecipeSpec spec;
    std::string error;
    if (!recipe::make_spec(k, in, recipe::RecipeOptions{a.base, a.smoke}, spec, error)) {
      std::cerr << "modak recipe: " << in.node << ": " << error << "\n";
      ++failed;
      continue;
    }
    std::string def = recipe::render_definition(spec);
    recipe::DefCheck check = recipe::check_definition(def);
    if (!check.ok()) {  // a template produced something Apptainer would reject: say so, write nothing
      std::cerr << recipe::render_problems(in.node + ".def", check);
      ++failed;
      continue;
    }
    std::string stem = (fs::path(a.output) / file_stem(in.node)).string();
    if (!io::write_file_atomic(stem + ".def", def, error) ||
        !io::write_file_atomic(stem + ".Containerfile", recipe::render_containerfile(spec), error)) {
      std::cerr << "modak recipe: " << error << "\n";
      return kExitUsage;
    }
    ++written;
    if (!a.quiet) {
      std::cout << "wrote " << stem << ".def\n      " << stem << ".Containerfile\n";
      std::cout << "  " << in.node << ": " << spec.template_id << ", " << spec.march_flag
                << (in.graph_compiler != "none" ? ", graph compiler " + in.graph_compiler : std::string())
                << (in.mpi_library.empty() ? std::string() : ", MPI " + in.mpi_library + " " + in.mpi_version)
                << ", base " << spec.base << (a.smoke ? " (smoke)" : "") << "\n";
      if (!spec.march_note.empty()) std::cout << "  note: " << spec.march_note << "\n";
    }
  }
  if (failed) return kExitInvalid;
  if (written == 0) {
    std::cerr << "modak recipe: no application asks for an optimised build (enable_opt_build: true); nothing written\n";
    return kExitInvalid;
  }
  return kExitOk;
}

// A MODAK JSON request (or AADM JSON): decided as `modak optimise request.json` does.
int recipe_request_file(const RecipeArgs& a) {
  RequestRun r;
  if (int rc = run_request_file(a, r, "recipe"); rc >= 0) return rc;
  std::vector<opt::AppNode>& apps = r.apps;
  std::vector<opt::Decision>& decisions = r.decisions;
  std::vector<Job> jobs;
  for (std::size_t i = 0; i < apps.size(); ++i) jobs.push_back({&decisions[i], &apps[i].request});
  return write_recipes(a, jobs);
}

int run_recipe(const RecipeArgs& a) {
  if (!a.check.empty()) return run_check(a);
  if (a.path.empty() || a.output.empty()) {
    std::cerr << "modak recipe: give a blueprint or request and -o DIR (or --check FILE.def)\n";
    return kExitUsage;
  }
  if (is_json_request(a.path)) return recipe_request_file(a);
  Pipeline p;
  if (int rc = run_pipeline(a, Decisions::Decide, p, "recipe"); rc >= 0) return rc;
  std::vector<Job> jobs;
  for (std::size_t i = 0; i < p.apps.size(); ++i) jobs.push_back({&p.decisions[i], &p.apps[i].request});
  return write_recipes(a, jobs);
}

}  // namespace

Command add_recipe_command(CLI::App& app) {
  auto args = std::make_shared<RecipeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "recipe", "Write Apptainer/Singularity and OCI build recipes for the optimised images the optimiser decides to build");
  cmd->footer(
      "Examples:\n"
      "  modak recipe blueprints/mpi-solver-pbspro/service.yaml -o recipes/\n"
      "  modak recipe request.json -o recipes/ --target example-gpu-cluster\n"
      "  modak recipe service.yaml -o /tmp/r --smoke --base localhost/busybox:local   (offline test build)\n"
      "  modak recipe --check recipes/heat3d.def\n\n"
      "Writes DIR/<node>.def and DIR/<node>.Containerfile for every application whose request has\n"
      "enable_opt_build: true. Templates: share/recipes (docs/recipes.md).\n"
      "Exit status: 0 done, 1 invalid input or no recipe to write, 2 usage or I/O error.");
  cmd->add_option("blueprint", args->path, "service template, CSAR, or a MODAK JSON request (.json)");
  cmd->add_option("-o,--output", args->output, "directory for the recipes");
  cmd->add_option("--base", args->base, "base image that replaces the template's (e.g. a local image)");
  cmd->add_flag("--smoke", args->smoke,
                "keep the recipe's structure (environment, labels, ISA flags) but replace the source build by "
                "the template's small offline step");
  cmd->add_option("--recipes", args->recipes_dir, "directory of recipe templates (default: SHARE/recipes)");
  cmd->add_option("--check", args->check, "check Singularity/Apptainer definition file(s) and print located errors");
  add_optimiser_options(cmd, *args);
  add_common_options(cmd, *args);
  return {cmd, [args]() { return run_recipe(*args); }};
}

}  // namespace modak::cli
