#include "plugin/cli/common.h"

#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "tosca/load/limits.h"

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
  // Every input limit (docs/limits.md); sizes take 64KiB, 32MiB, ...; times 20, 500ms, 2min.
  for (const auto& spec : tosca::limit_specs()) {
    const tosca::LimitSpec* s = &spec;
    const char* type = s->unit == tosca::LimitUnit::Bytes ? "SIZE" : s->unit == tosca::LimitUnit::Milliseconds ? "TIME" : "N";
    cmd->add_option(s->flag, a.limits[s->name], std::string("limit: ") + s->help)
        ->type_name(type)
        ->group("Limits (docs/limits.md)")
        ->check(CLI::Validator(
            [s](std::string& value) {
              std::uint64_t v = 0;
              std::string error;
              return tosca::parse_limit_value(*s, value, v, error) ? std::string() : error;
            },
            "", ""));
  }
}

bool to_limits(const CommonArgs& a, tosca::Limits& limits, std::string& error) {
  for (const auto& [name, text] : a.limits) {
    if (text.empty()) continue;
    const tosca::LimitSpec* s = tosca::find_limit(name);
    std::uint64_t v = 0;
    if (!s || !tosca::parse_limit_value(*s, text, v, error)) {
      error = (s ? std::string(s->flag) : name) + ": " + error;
      return false;
    }
    s->set(limits, v);
  }
  return true;
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
  return to_limits(a, o.load.limits, error);
}

void print_diagnostics(const CommonArgs& a, const diag::Sink& sink) {
  std::vector<diag::Diagnostic> shown;
  for (const auto& d : sink.all())
    if (!a.quiet || d.severity == diag::Severity::Error) shown.push_back(d);
  std::cerr << diag::render_text(shown, stderr_is_terminal());
}

bool same_file(const std::string& out, const std::string& input) {
  std::error_code ec;
  return std::filesystem::exists(out, ec) && std::filesystem::exists(input, ec) &&
         std::filesystem::equivalent(out, input, ec) && !ec;
}

}  // namespace modak::cli
