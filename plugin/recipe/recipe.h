// Build recipes for the images the optimiser decides to build (the request's enable_opt_build):
// a Singularity/Apptainer definition file and an equivalent OCI Containerfile, both rendered
// from one RecipeSpec so they describe the same build. What to build and how is data
// (share/recipes/*.yaml: one template per framework or application kind, the MPI libraries, the
// -march table); this code picks a template, fills it from the decision, and renders it.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "plugin/optimiser/decision.h"
#include "plugin/optimiser/request.h"

namespace modak::recipe {

using Pairs = std::vector<std::pair<std::string, std::string>>;

// A piece of a template: the main body, an accelerator or graph-compiler overlay, the smoke body.
struct Part {
  std::vector<std::string> packages, steps;
  Pairs build_env, env, labels;
  std::map<std::string, std::vector<std::string>> flags;  // named lists, used as {{NAME_flags}}
  std::string runscript, test;
};

struct Template {
  std::string id, file, description, install;
  std::map<std::string, std::string> match;  // framework | parallelisation | app -> value
  double gcc = 0;                            // the compiler the base image brings
  bool uses_mpi = false;
  std::map<std::string, std::string> base;   // accelerator -> image
  Pairs defaults;
  Part main;
  std::map<std::string, Part> accelerators, graph_compilers;
  Part smoke;
  bool has_smoke = false;
};

struct MpiLibrary {
  std::string name, default_version;
  Part part;
};

struct March {
  std::string flag, older, isa_level;
  double gcc = 0;
};

struct RecipeKnowledge {
  std::vector<Template> templates;
  std::map<std::string, MpiLibrary> mpi;
  std::map<std::string, March> microarchitectures, isa_levels;
  std::vector<std::string> files;
};

// Loads share/recipes (or another directory): march.yaml, mpi.yaml and every other *.yaml as a
// template. False with "file:line:col: message" errors.
bool load_recipe_knowledge(const std::string& dir, RecipeKnowledge& out, std::vector<std::string>& errors);

// What the recipe is built for, read off the decision and the request.
struct RecipeInputs {
  std::string node, target, partition;
  std::string framework, version, app;  // app: application name (hpc) or the framework
  std::string parallelisation;          // mpi | openmp | ...
  std::string graph_compiler = "none";
  std::string accelerator = "cpu";      // cpu | nvidia | ...
  std::string cuda;
  std::string microarchitecture, isa_level;
  std::string mpi_library, mpi_version, site_mpi_module;
  std::string image_id, image_uri;      // the catalogue image the decision chose (the one to rebuild)
  std::string app_src, app_build_command;
  int jobs = 0;                         // build parallelism (0: $(nproc))
  bool enable_opt_build = false;
};

RecipeInputs inputs_from(const opt::Decision& d, const opt::Request& r);

struct RecipeOptions {
  std::string base;    // replaces the template's base image (a local image in tests)
  bool smoke = false;  // keep the structure, replace the source build by the template's smoke steps
};

// The build, independent of the recipe format.
struct RecipeSpec {
  std::string node, template_id, description, base;
  std::string march_flag, march_note;
  Pairs build_env, env, labels;
  std::vector<std::string> steps;  // one shell command list each, run in order in one shell
  std::string runscript, test;
  std::vector<std::string> help;
};

// The -march/-mcpu flag for a CPU, given the compiler's GCC version (0: newest). `note` says
// why a fallback was used.
std::string march_flag(const RecipeKnowledge& k, const std::string& microarchitecture, const std::string& isa_level,
                       double gcc, std::string& note);

// Picks the template for the inputs (nullptr: none applies; `error` says why).
const Template* find_template(const RecipeKnowledge& k, const RecipeInputs& in, std::string& error);

bool make_spec(const RecipeKnowledge& k, const RecipeInputs& in, const RecipeOptions& o, RecipeSpec& out,
               std::string& error);

std::string render_definition(const RecipeSpec& s);
std::string render_containerfile(const RecipeSpec& s);

// Expands {{name}} from `vars` (values expanded too). False with `error` on an unknown name.
bool expand(const std::string& text, const std::map<std::string, std::string>& vars, std::string& out,
            std::string& error);

}  // namespace modak::recipe
