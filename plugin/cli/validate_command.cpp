// `modak validate`: load a blueprint with its imports and report every problem, located.
#include <iostream>
#include <memory>

#include "plugin/cli/commands.h"
#include "plugin/cli/common.h"

namespace modak::cli {

namespace {

struct ValidateArgs : CommonArgs {
  std::string path;
};

int run_validate(const ValidateArgs& a) {
  tosca::ValidateOptions options;
  std::string error;
  if (!to_validate_options(a, options, error)) {
    std::cerr << "modak validate: " << error << "\n";
    return kExitUsage;
  }
  auto model = std::make_unique<tosca::Model>();
  diag::Sink sink;
  bool ok = tosca::validate(a.path, options, *model, sink);
  if (a.format == "json") {
    std::cout << diag::render_json(sink.all()) << "\n";
  } else {
    print_diagnostics(a, sink);
    if (!a.quiet || !ok) {
      std::size_t errors = sink.count(diag::Severity::Error), warnings = sink.count(diag::Severity::Warning);
      std::cerr << a.path << ": " << (ok ? "valid" : "invalid") << " (" << errors << " error" << (errors == 1 ? "" : "s")
                << ", " << warnings << " warning" << (warnings == 1 ? "" : "s") << ", profile "
                << tosca::profile_name(model->profile.kind) << ", " << model->service.units.size() << " files)\n";
    }
  }
  if (model->service.root < 0 || !model->service.root_unit().root) return kExitUsage;  // nothing could be read
  return ok ? kExitOk : kExitInvalid;
}

}  // namespace

Command add_validate_command(CLI::App& app) {
  auto args = std::make_shared<ValidateArgs>();
  CLI::App* cmd = app.add_subcommand("validate", "Check a TOSCA blueprint (file, CSAR directory or CSAR zip)");
  cmd->footer(
      "Examples:\n"
      "  modak validate blueprints/hello-tosca/service.yaml\n"
      "  modak validate --import-path modules=../iac-modules service.yaml\n"
      "  modak validate --profile strict --format json app.csar\n\n"
      "Exit status: 0 valid, 1 invalid, 2 usage or I/O error.");
  cmd->add_option("blueprint", args->path, "service template, CSAR directory or CSAR zip")->required();
  add_common_options(cmd, *args);
  return {cmd, [args]() { return run_validate(*args); }};
}

}  // namespace modak::cli
