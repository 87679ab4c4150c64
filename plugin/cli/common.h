// Options every blueprint-reading subcommand shares (profile, import roots, URL policy, limits,
// output format), and the diagnostics printing they share.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "tosca/diag/diagnostics.h"
#include "tosca/validator.h"

namespace modak::cli {

struct CommonArgs {
  std::string profile = "auto";
  std::vector<std::string> import_paths;
  std::vector<std::string> allowed_hosts;
  bool allow_http = false;
  std::string ca_file;
  std::string format = "text";
  std::string share_dir;
  bool quiet = false;
  std::uint32_t max_depth = 0;
  std::uint64_t max_file_bytes = 0;
  std::uint64_t max_expanded_nodes = 0;
  std::uint32_t max_imports = 0;
};

void add_common_options(CLI::App* cmd, CommonArgs& args);
// Fills validation options; false with `error` set for a malformed option value.
bool to_validate_options(const CommonArgs& a, tosca::ValidateOptions& o, std::string& error);
// Prints diagnostics as text (stderr) unless the command prints JSON itself.
void print_diagnostics(const CommonArgs& a, const diag::Sink& sink);
bool stderr_is_terminal();

}  // namespace modak::cli
