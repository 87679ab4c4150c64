// MODAK's optimisation DSL: a job's options, application, target and optimisation request, read
// from a MODAK JSON request or from a TOSCA blueprint, with every field's location kept.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tosca/check/context.h"
#include "tosca/yaml/node.h"

namespace modak::opt {

// A validated section of a request: fields by name, each pointing at its node (for locations).
class Fields {
 public:
  const yaml::Node* node(std::string_view name) const;
  bool has(std::string_view name) const { return node(name) != nullptr; }
  std::optional<std::string> str(std::string_view name) const;
  std::optional<std::int64_t> integer(std::string_view name) const;
  std::optional<double> number(std::string_view name) const;
  std::optional<bool> boolean(std::string_view name) const;
  const Fields* section(std::string_view name) const;  // nested map, e.g. "build"
  const yaml::Node* where = nullptr;                    // the section's map

  std::vector<std::pair<std::string, const yaml::Node*>> values;
  // Nested sections, owned here (held by pointer: Fields is incomplete inside its own definition).
  std::vector<std::pair<std::string, std::shared_ptr<Fields>>> sections;
};

// The request of one application: what MODAK called a "job".
struct Request {
  std::string origin;  // "file.json", "service.yaml node 'app'", ...
  Fields job_options;
  Fields application;
  Fields target;
  Fields optimisation;
  bool has_optimisation = false;

  // Derived views used by the optimiser.
  std::string app_type() const;      // ai_training | hpc | ...
  std::string framework() const;     // tensorflow, pytorch, ... (ai_training)
  const Fields* framework_section() const;
  std::string parallelisation() const;  // mpi | openmp | ... (hpc)
  const Fields* parallelisation_section() const;
  const Fields* data() const;
};

// Reads a request tree: {job: {...}} (a MODAK JSON file) or the four sections directly.
// Unknown fields are located errors; values outside the documented sets are warnings.
bool read_request(tosca::Context& ctx, const yaml::Node* root, Request& out);

// Whether `name` is a field of a top-level section ("job_options", "application", ...).
bool is_request_field(std::string_view section, std::string_view name);

// Reads one section ("job_options", "application", "target", "optimisation") from a map.
void read_section(tosca::Context& ctx, std::string_view section, const yaml::Node* map, Fields& out);

}  // namespace modak::opt
