// `modak validate`: load a blueprint with its imports and report every problem, located.
#include <unistd.h>

#include <iostream>
#include <memory>

#include "plugin/cli/commands.h"
#include "tosca/validator.h"

namespace modak::cli {

namespace {

struct ValidateArgs {
  std::string path;
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

bool fill_options(const ValidateArgs& a, tosca::ValidateOptions& o, std::string& error) {
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

int run_validate(const ValidateArgs& a) {
  tosca::ValidateOptions options;
  std::string error;
  if (!fill_options(a, options, error)) {
    std::cerr << "modak validate: " << error << "\n";
    return kExitUsage;
  }
  auto model = std::make_unique<tosca::Model>();
  diag::Sink sink;
  bool ok = tosca::validate(a.path, options, *model, sink);
  const auto& diags = sink.all();
  if (a.format == "json") {
    std::cout << diag::render_json(diags) << "\n";
  } else {
    std::vector<diag::Diagnostic> shown;
    for (const auto& d : diags)
      if (!a.quiet || d.severity == diag::Severity::Error) shown.push_back(d);
    std::cerr << diag::render_text(shown, isatty(STDERR_FILENO) != 0);
    std::size_t errors = sink.count(diag::Severity::Error), warnings = sink.count(diag::Severity::Warning);
    std::cerr << a.path << ": " << (ok ? "valid" : "invalid") << " (" << errors << " error" << (errors == 1 ? "" : "s")
              << ", " << warnings << " warning" << (warnings == 1 ? "" : "s") << ", profile "
              << tosca::profile_name(model->profile.kind) << ", " << model->service.units.size() << " files)\n";
  }
  if (model->service.root < 0 || !model->service.root_unit().root) return kExitUsage;  // nothing could be read
  return ok ? kExitOk : kExitInvalid;
}

}  // namespace

Action add_validate_command(CLI::App& app) {
  auto args = std::make_shared<ValidateArgs>();
  CLI::App* cmd = app.add_subcommand("validate", "Check a TOSCA blueprint (file, CSAR directory or CSAR zip)");
  cmd->footer(
      "Examples:\n"
      "  modak validate blueprints/hello-tosca/service.yaml\n"
      "  modak validate --import-path modules=../iac-modules service.yaml\n"
      "  modak validate --profile strict --format json app.csar\n\n"
      "Exit status: 0 valid, 1 invalid, 2 usage or I/O error.");
  cmd->add_option("blueprint", args->path, "service template, CSAR directory or CSAR zip")->required();
  cmd->add_option("--profile", args->profile, "strict (the specification), sodalite, or auto (default)")
      ->check(CLI::IsMember({"strict", "sodalite", "auto"}));
  cmd->add_option("--import-path", args->import_paths,
                  "NAME=DIR: imports starting with NAME/ resolve under DIR (modules, sodalite, iac-modules and "
                  "library all name SODALITE's iac-modules)");
  cmd->add_option("--allow-host", args->allowed_hosts, "host that URL imports may fetch from (repeatable)");
  cmd->add_flag("--allow-http", args->allow_http, "allow plain http:// imports from allowed hosts");
  cmd->add_option("--ca-file", args->ca_file, "extra CA certificates (PEM) for https imports");
  cmd->add_option("--format", args->format, "text or json")->check(CLI::IsMember({"text", "json"}));
  cmd->add_option("--share", args->share_dir, "modak's data directory (default: installed share/modak)");
  cmd->add_flag("-q,--quiet", args->quiet, "print errors only");
  cmd->add_option("--max-depth", args->max_depth, "limit: YAML nesting depth (default 256)");
  cmd->add_option("--max-file-bytes", args->max_file_bytes, "limit: bytes per file (default 32 MiB)");
  cmd->add_option("--max-expanded-nodes", args->max_expanded_nodes, "limit: nodes after alias expansion (default 4M)");
  cmd->add_option("--max-imports", args->max_imports, "limit: number of imports (default 2000)");
  return [cmd, args]() { return cmd->parsed() ? run_validate(*args) : kExitUsage; };
}

}  // namespace modak::cli
