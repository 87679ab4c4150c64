// The TOSCA library's entry point: load a service template with its imports and check it.
#pragma once

#include <memory>
#include <string>

#include "tosca/diag/diagnostics.h"
#include "tosca/load/service.h"
#include "tosca/model/profile.h"
#include "tosca/model/types.h"

namespace modak::tosca {

struct ValidateOptions {
  LoadOptions load;
  ProfileKind profile = ProfileKind::Strict;
  bool auto_profile = true;  // switch to sodalite (with a note) when sodalite.* types are used
};

// Everything validation built; later stages (optimiser, adapters) read it.
struct Model {
  Service service;
  TypeRegistry types;
  Profile profile;
  int minor_version = 3;
};

// Loads and checks `path` (a YAML file, CSAR directory or CSAR zip). Returns true when there
// are no errors. Diagnostics go to `sink`, sorted by location.
bool validate(const std::string& path, const ValidateOptions& options, Model& model, diag::Sink& sink);

// The same for a service template held in memory; imports resolve relative to `base_dir`.
bool validate_text(std::string content, const std::string& display_name, const std::string& base_dir,
                   const ValidateOptions& options, Model& model, diag::Sink& sink);

}  // namespace modak::tosca
