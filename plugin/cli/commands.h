// Subcommands of the modak CLI. Each registers its options on the app and returns the action
// that runs once parsing succeeded; the action returns the process exit code.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace modak::cli {

// Exit codes, documented in docs/cli.md: 0 valid / success, 1 invalid input, 2 usage or I/O error.
constexpr int kExitOk = 0;
constexpr int kExitInvalid = 1;
constexpr int kExitUsage = 2;

struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

Command add_validate_command(CLI::App& app);
Command add_optimise_command(CLI::App& app);
Command add_preprocess_command(CLI::App& app);
Command add_render_command(CLI::App& app);
Command add_graph_command(CLI::App& app);
Command add_request_command(CLI::App& app);
Command add_pin_command(CLI::App& app);
Command add_recipe_command(CLI::App& app);
Command add_discover_command(CLI::App& app);
Command add_submit_command(CLI::App& app);
Command add_status_command(CLI::App& app);

}  // namespace modak::cli
