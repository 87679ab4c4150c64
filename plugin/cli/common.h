// Options every blueprint-reading subcommand shares (profile, import roots, URL policy, limits,
// output format), and the diagnostics printing they share.
#pragma once

#include <CLI/CLI.hpp>
#include <map>
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
  // Input limits as given on the command line, by limit name (tosca/load/limits.h); empty: the
  // default. Parsed by to_validate_options.
  std::map<std::string, std::string> limits;
};

void add_common_options(CLI::App* cmd, CommonArgs& args);
// Fills validation options; false with `error` set for a malformed option value.
bool to_validate_options(const CommonArgs& a, tosca::ValidateOptions& o, std::string& error);
// Only the limits (for commands that read files without validating a blueprint).
bool to_limits(const CommonArgs& a, tosca::Limits& limits, std::string& error);
// Prints diagnostics as text (stderr) unless the command prints JSON itself.
void print_diagnostics(const CommonArgs& a, const diag::Sink& sink);
bool stderr_is_terminal();
// True when `out` and `input` are the same existing file (through links, `..`, hard links):
// modak never writes over a file it read (docs/outputs.md).
bool same_file(const std::string& out, const std::string& input);

}  // namespace modak::cli
