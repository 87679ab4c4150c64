// `modak preprocess` (validate, optimise, render: what an orchestrator calls before deploying)
// and `modak render` (render an already optimised blueprint from its annotations).
#include <filesystem>
#include <iostream>

#include "plugin/cli/commands.h"
#include "plugin/cli/pipeline.h"
#include "plugin/cli/pin_command.h"
#include "plugin/render/output.h"
#include "plugin/render/render.h"
#include "tosca/yaml/emit.h"

namespace modak::cli {

namespace fs = std::filesystem;

namespace {

struct RenderArgs : PipelineArgs {
  std::string adapter;
  bool csar = false;
  bool force = false;  // replace a non-empty output directory modak did not write
  PinOptions pin;  // --pin: only preprocess decides here (render keeps the annotated images)
};

// The written blueprint must validate too: check it the way the input was checked.
bool check_output(const RenderArgs& a, const Pipeline& p, const std::string& out_dir) {
  tosca::Model model;
  diag::Sink sink;
  bool ok = tosca::validate((fs::path(out_dir) / "service.yaml").string(), p.validate_options, model, sink);
  if (!ok) {
    std::cerr << "modak: the rendered blueprint does not validate (this is a bug in modak, please report it):\n";
    print_diagnostics(a, sink);
  }
  return ok;
}

int run_render(const RenderArgs& a, Decisions how, const char* command) {
  Pipeline p;
  if (int rc = run_pipeline(a, how, p, command); rc >= 0) return rc;
  if (int rc = pin_if_asked(a.pin, a.ca_file, p.decisions, p.knowledge, a.quiet, command); rc >= 0) return rc;
  render::Output out;
  if (!render::render(*p.ctx, p.model->service.root_unit().root, p.apps, p.decisions, render::Options{a.adapter}, p.arena, out)) {
    print_diagnostics(a, p.sink);
    return kExitInvalid;
  }
  std::string error;
  render::WriteOptions wo;
  wo.out_dir = a.output;
  wo.csar = a.csar;
  wo.force = a.force;
  std::vector<std::string> write_notes;
  bool unchanged = true;
  if (!render::write_output(p.model->service, yaml::emit_yaml(out.service), out.artefacts, wo, error, &write_notes,
                            &unchanged)) {
    std::cerr << "modak " << command << ": " << error << "\n";
    if (unchanged)
      std::cerr << "modak " << command << ": nothing was written; " << a.output << " is as it was (docs/outputs.md)\n";
    else
      std::cerr << "modak " << command << ": " << a.output
                << " is NOT as it was: putting the previous output back failed, see above for where it is (docs/outputs.md)\n";
    return kExitUsage;
  }
  if (!a.quiet) {
    for (const auto& c : out.changes) std::cerr << "  " << c << "\n";
    for (const auto& n : out.notes) std::cerr << "  note: " << n << "\n";
    for (const auto& n : write_notes) std::cerr << "  note: " << n << "\n";
  }
  if (!a.quiet) {
    std::cout << "wrote " << a.output << "/service.yaml";
    for (const auto& art : out.artefacts) std::cout << "\n      " << a.output << "/" << art.path;
    std::cout << "\n      " << a.output << "/TOSCA-Metadata/TOSCA.meta" << (a.csar ? "\n      " + a.output + ".csar" : "") << "\n";
  }
  return check_output(a, p, a.output) ? kExitOk : kExitUsage;
}

Command add(CLI::App& app, const char* name, const char* help, const char* footer, Decisions how) {
  auto args = std::make_shared<RenderArgs>();
  CLI::App* cmd = app.add_subcommand(name, help);
  cmd->footer(footer);
  cmd->add_option("blueprint", args->path, "service template or CSAR")->required();
  cmd->add_option("-o,--output", args->output, "output directory (service.yaml, artefacts, TOSCA-Metadata)")->required();
  cmd->add_option("--adapter", args->adapter, "slurm, pbspro, torque, kubernetes or batch (default: the target's scheduler)")
      ->check(CLI::IsMember({"slurm", "pbspro", "pbs", "torque", "kubernetes", "batch"}));
  cmd->add_flag("--csar", args->csar, "also write OUTPUT.csar, a zip of the output directory");
  cmd->add_flag("--force", args->force,
                "replace OUTPUT even if it is a non-empty directory modak did not write (its contents are deleted)");
  add_optimiser_options(cmd, *args);
  if (how == Decisions::Decide) add_pin_options(cmd, args->pin);
  add_common_options(cmd, *args);
  return {cmd, [args, how, name]() { return run_render(*args, how, name); }};
}

}  // namespace

Command add_preprocess_command(CLI::App& app) {
  return add(app, "preprocess", "Validate, optimise and render a blueprint into a deployable one (what an orchestrator calls)",
             "Examples:\n"
             "  modak preprocess blueprints/resnet50-slurm/service.yaml -o /tmp/resnet50\n"
             "  modak preprocess --csar --import-path modules=../iac-modules service.yaml -o out\n"
             "  modak preprocess --adapter kubernetes --target example-k8s service.yaml -o out\n\n"
             "Exit status: 0 written, 1 invalid blueprint or request, 2 usage or I/O error.",
             Decisions::Decide);
}

Command add_render_command(CLI::App& app) {
  return add(app, "render", "Render a blueprint that modak optimise already annotated (modak.decision metadata)",
             "Examples:\n"
             "  modak optimise service.yaml -o optimised.yaml && modak render optimised.yaml -o out\n\n"
             "Exit status: 0 written, 1 invalid blueprint or missing annotations, 2 usage or I/O error.",
             Decisions::FromAnnotations);
}

}  // namespace modak::cli
