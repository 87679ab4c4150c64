// `modak pin` and the `--pin` option that `modak optimise` and `modak preprocess` share: resolve
// the chosen images to digests through the registry (plugin/pin, docs/pinning.md).
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "plugin/optimiser/decision.h"
#include "plugin/optimiser/knowledge.h"

namespace modak::cli {

struct PinOptions {
  bool pin = false;
  std::string registry_auth;                     // user:password (else MODAK_REGISTRY_AUTH)
  std::vector<std::string> insecure_registries;  // plain HTTP
  long timeout = 30;                             // seconds per registry request
};

// --pin, --registry-auth, --insecure-registry, --registry-timeout.
void add_pin_options(CLI::App* cmd, PinOptions& o);

// When --pin was given, pins every decision's image. Returns -1 to go on, or the exit code to
// stop with (the reason printed).
int pin_if_asked(const PinOptions& o, const std::string& ca_file, std::vector<opt::Decision>& decisions,
                 opt::Knowledge& k, bool quiet, const char* command);

}  // namespace modak::cli
