// modak: TOSCA optimisation and deployment for HPC and cloud. This file only wires subcommands.
#include <iostream>
#include <vector>

#include "plugin/cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"modak: validate, optimise and render SODALITE TOSCA blueprints"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("modak ") + MODAK_VERSION);
  std::vector<modak::cli::Command> commands = {modak::cli::add_validate_command(app),
                                               modak::cli::add_optimise_command(app),
                                               modak::cli::add_preprocess_command(app),
                                               modak::cli::add_render_command(app),
                                               modak::cli::add_request_command(app),
                                               modak::cli::add_graph_command(app),
                                               modak::cli::add_pin_command(app),
                                               modak::cli::add_recipe_command(app),
                                               modak::cli::add_discover_command(app),
                                               modak::cli::add_submit_command(app),
                                               modak::cli::add_status_command(app)};
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : modak::cli::kExitUsage;
  }
  try {
    for (const auto& c : commands)
      if (c.app->parsed()) return c.run();
  } catch (const std::exception& e) {
    std::cerr << "modak: internal error: " << e.what() << "\n";
  }
  return modak::cli::kExitUsage;
}
