// `modak pin IMAGE...`: print each image's digest-pinned reference. `modak pin BLUEPRINT -o OUT`:
// rewrite the images an annotated or rendered blueprint names. Also the shared --pin option.
#include "plugin/cli/pin_command.h"

#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "plugin/cli/commands.h"
#include "plugin/optimiser/annotate.h"
#include "plugin/pin/pin.h"
#include "tosca/io/files.h"
#include "tosca/load/service.h"
#include "tosca/validator.h"
#include "tosca/yaml/emit.h"
#include "tosca/yaml/loader.h"

namespace modak::cli {

namespace fs = std::filesystem;

namespace {

struct PinArgs {
  std::vector<std::string> inputs;
  std::string output, architecture, registry_auth, ca_file, share_dir, format = "text";
  std::vector<std::string> insecure_registries;
  long timeout = 30;
  bool quiet = false;
};

pin::ClientOptions client_options(const std::string& auth, const std::vector<std::string>& insecure, long timeout,
                                  const std::string& ca_file) {
  pin::ClientOptions o;
  o.auth = pin::registry_auth_from(auth);
  o.insecure_registries = insecure;
  o.timeout_seconds = timeout;
  o.connect_timeout_seconds = std::min<long>(timeout, 10);
  o.ca_file = ca_file;
  return o;
}

// A blueprint: an existing file, or a directory holding service.yaml (a rendered output).
bool is_blueprint(const std::string& in, std::string& file) {
  std::error_code ec;
  if (fs::is_directory(in, ec) && fs::is_regular_file(fs::path(in) / "service.yaml", ec)) {
    file = (fs::path(in) / "service.yaml").string();
    return true;
  }
  if (fs::is_regular_file(in, ec)) {
    file = in;
    return true;
  }
  return false;
}

int pin_blueprint_file(const PinArgs& a, const std::string& file, pin::Pinner& pinner) {
  std::string content, error;
  if (!io::read_file(file, content, error)) {
    std::cerr << "modak pin: " << error << "\n";
    return kExitUsage;
  }
  yaml::SourceTable sources;
  yaml::Arena arena;
  diag::Sink sink;
  yaml::Node* root = yaml::load_yaml(content, sources.add(file), sources, arena, sink);
  if (!root || sink.has_errors()) {
    std::cerr << "modak pin: " << file << ": not a readable YAML blueprint\n";
    return kExitInvalid;
  }
  opt::Knowledge knowledge;  // to find each node's target architecture from its modak.decision
  diag::Sink ksink;
  bool have_knowledge =
      a.architecture.empty() &&
      opt::load_knowledge(a.share_dir.empty() ? tosca::default_share_dir() : a.share_dir, {}, knowledge, ksink);
  std::vector<std::string> changes;
  if (!pin::pin_blueprint(root, arena, have_knowledge ? &knowledge : nullptr, a.architecture, pinner, changes, error)) {
    std::cerr << "modak pin: " << file << ": " << error << "\n";
    return kExitInvalid;
  }
  std::string out = a.output;
  std::error_code ec;
  if (!out.empty() && fs::is_directory(out, ec)) out = (fs::path(out) / fs::path(file).filename()).string();
  if (!out.empty()) {
    if (fs::exists(out, ec) && fs::equivalent(out, file, ec)) {
      std::cerr << "modak pin: refusing to overwrite the input '" << file << "'\n";
      return kExitUsage;
    }
    opt::rebase_imports(root, fs::absolute(file).parent_path().string(), fs::absolute(out).parent_path().string(), arena);
  }
  std::string text = yaml::emit_yaml(root);
  if (out.empty()) {
    std::cout << text;
  } else if (!io::write_file_atomic(out, text, error)) {
    std::cerr << "modak pin: " << error << "\n";
    return kExitUsage;
  }
  if (!a.quiet)
    for (const auto& c : changes) std::cerr << "  " << c << "\n";
  if (!out.empty()) std::cerr << "wrote " << out << " (" << changes.size() << " image reference(s) pinned)\n";
  return kExitOk;
}

int run_pin(const PinArgs& a) {
  if (!a.architecture.empty() && pin::architecture_for_isa(a.architecture).empty()) {
    std::cerr << "modak pin: unknown architecture '" << a.architecture << "' (amd64, arm64 or ppc64le)\n";
    return kExitUsage;
  }
  const std::string arch = a.architecture.empty() ? "" : pin::architecture_for_isa(a.architecture);
  pin::Pinner pinner(client_options(a.registry_auth, a.insecure_registries, a.timeout, a.ca_file));
  std::string file;
  if (a.inputs.size() == 1 && is_blueprint(a.inputs[0], file)) {
    PinArgs b = a;
    b.architecture = arch;
    return pin_blueprint_file(b, file, pinner);
  }
  if (!a.output.empty()) {
    std::cerr << "modak pin: -o applies to one blueprint; for images the pinned references go to stdout\n";
    return kExitUsage;
  }
  int rc = kExitOk;
  nlohmann::json all = nlohmann::json::array();
  for (const auto& image : a.inputs) {
    std::string pinned, error;
    const std::string target_arch = arch.empty() ? pin::host_architecture() : arch;
    if (!pinner.pin(image, target_arch, pinned, error)) {
      std::cerr << "modak pin: " << error << "\n";
      all.push_back({{"image", image}, {"error", error}});
      rc = kExitInvalid;
      continue;
    }
    all.push_back({{"image", image}, {"pinned", pinned}, {"architecture", target_arch}});
    if (a.format == "text") std::cout << image << " -> " << pinned << "\n";
  }
  if (a.format == "json") std::cout << all.dump(2) << "\n";
  return rc;
}

}  // namespace

void add_pin_options(CLI::App* cmd, PinOptions& o) {
  cmd->add_flag("--pin", o.pin, "pin each chosen image to the digest its registry reports (docs/pinning.md)");
  cmd->add_option("--registry-auth", o.registry_auth, "USER:PASSWORD for registries (default: $MODAK_REGISTRY_AUTH)");
  cmd->add_option("--insecure-registry", o.insecure_registries, "HOST[:PORT] to reach over plain HTTP (repeatable)");
  cmd->add_option("--registry-timeout", o.timeout, "seconds per registry request (default 30)")
      ->check(CLI::Range(1L, 3600L));
}

int pin_if_asked(const PinOptions& o, const std::string& ca_file, std::vector<opt::Decision>& decisions,
                 opt::Knowledge& k, bool quiet, const char* command) {
  if (!o.pin) return -1;
  pin::Pinner pinner(client_options(o.registry_auth, o.insecure_registries, o.timeout, ca_file));
  std::vector<std::string> changes;
  std::string error;
  if (!pin::pin_decisions(decisions, k, pinner, changes, error)) {
    std::cerr << "modak " << command << ": --pin: " << error << "\n";
    return kExitUsage;
  }
  if (!quiet)
    for (const auto& c : changes) std::cerr << "  pinned " << c << "\n";
  return -1;
}

Command add_pin_command(CLI::App& app) {
  auto args = std::make_shared<PinArgs>();
  CLI::App* cmd = app.add_subcommand("pin", "Resolve image references to the digests their registries report");
  cmd->footer(
      "Examples:\n"
      "  modak pin docker://ethcscs/openmpi:3.1.3\n"
      "  modak pin --arch arm64 quay.io/org/app:1.2 127.0.0.1:5000/test/a:1\n"
      "  modak pin optimised.yaml -o pinned.yaml      (an annotated or rendered blueprint)\n\n"
      "Plain HTTP is used for 127.0.0.1, localhost, ::1 and --insecure-registry hosts; HTTPS otherwise.\n"
      "Exit status: 0 all pinned, 1 an image could not be pinned, 2 usage or I/O error.");
  cmd->add_option("image", args->inputs, "image references ([docker://][registry[:port]/]name[:tag|@digest]), or one blueprint")
      ->required();
  cmd->add_option("-o,--output", args->output, "for a blueprint: write the pinned blueprint here (a file or a directory)");
  cmd->add_option("--arch", args->architecture, "amd64, arm64 or ppc64le: the index entry to pin (default: this machine's;"
                                                " for a blueprint: each node's target)");
  cmd->add_option("--registry-auth", args->registry_auth, "USER:PASSWORD (default: $MODAK_REGISTRY_AUTH)");
  cmd->add_option("--insecure-registry", args->insecure_registries, "HOST[:PORT] to reach over plain HTTP (repeatable)");
  cmd->add_option("--timeout", args->timeout, "seconds per registry request (default 30)")->check(CLI::Range(1L, 3600L));
  cmd->add_option("--ca-file", args->ca_file, "extra CA certificates (PEM) for HTTPS registries");
  cmd->add_option("--share", args->share_dir, "modak's data directory (default: installed share/modak)");
  cmd->add_option("--format", args->format, "text or json")->check(CLI::IsMember({"text", "json"}));
  cmd->add_flag("-q,--quiet", args->quiet, "print errors only");
  return {cmd, [args]() { return run_pin(*args); }};
}

}  // namespace modak::cli
