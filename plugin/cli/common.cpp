#include "plugin/cli/common.h"

#include <unistd.h>

#include <iostream>

namespace modak::cli {

bool stderr_is_terminal() { return isatty(STDERR_FILENO) != 0; }

void add_common_options(CLI::App* cmd, CommonArgs& a) {
  cmd->add_option("--profile", a.profile, "strict (the specification), sodalite, or auto (default)")
      ->check(CLI::IsMember({"strict", "sodalite", "auto"}));
  cmd->add_option("--import-path", a.import_paths,
                  "NAME=DIR: imports starting with NAME/ resolve under DIR (modules, sodalite, iac-modules and "
                  "library all name SODALITE's iac-modules)")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--allow-host", a.allowed_hosts, "host that URL imports may fetch from (repeatable)")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_flag("--allow-http", a.allow_http, "allow plain http:// imports from allowed hosts");
  cmd->add_option("--ca-file", a.ca_file, "extra CA certificates (PEM) for https imports");
  cmd->add_option("--format", a.format, "text or json")->check(CLI::IsMember({"text", "json"}));
  cmd->add_option("--share", a.share_dir, "modak's data directory (default: installed share/modak)");
  cmd->add_flag("-q,--quiet", a.quiet, "print errors only");
  cmd->add_option("--max-depth", a.max_depth, "limit: YAML nesting depth (default 256)");
  cmd->add_option("--max-file-bytes", a.max_file_bytes, "limit: bytes per file (default 32 MiB)");
  cmd->add_option("--max-expanded-nodes", a.max_expanded_nodes, "limit: nodes after alias expansion (default 4M)");
  cmd->add_option("--max-imports", a.max_imports, "limit: number of imports (default 2000)");
}

bool to_validate_options(const CommonArgs& a, tosca::ValidateOptions& o, std::string& error) {
  if (!tosca::parse_profile_name(a.profile, o.profile, o.auto_profile)) {
    error = "unknown profile '" + a.profile + "' (strict, sodalite or auto)";
    return false;
  }
  if (a.profile != "auto") o.auto_profile = false;
  for (const auto& ip : a.import_paths) {
    auto eq = ip.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == ip.size()) {
      error = "--import-path takes NAME=DIR, got '" + ip + "'";
      return false;
    }
    o.load.import_roots.emplace_back(ip.substr(0, eq), ip.substr(eq + 1));
  }
  o.load.allowed_hosts = a.allowed_hosts;
  o.load.allow_http = a.allow_http;
  o.load.ca_file = a.ca_file;
  o.load.share_dir = a.share_dir;
  if (a.max_depth) o.load.limits.yaml.max_depth = a.max_depth;
  if (a.max_file_bytes) o.load.limits.max_file_bytes = a.max_file_bytes;
  if (a.max_expanded_nodes) o.load.limits.yaml.max_expanded_nodes = a.max_expanded_nodes;
  if (a.max_imports) o.load.limits.max_imports = a.max_imports;
  return true;
}

void print_diagnostics(const CommonArgs& a, const diag::Sink& sink) {
  std::vector<diag::Diagnostic> shown;
  for (const auto& d : sink.all())
    if (!a.quiet || d.severity == diag::Severity::Error) shown.push_back(d);
  std::cerr << diag::render_text(shown, stderr_is_terminal());
}

}  // namespace modak::cli
