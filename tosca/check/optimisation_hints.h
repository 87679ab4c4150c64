// What validation needs to know about modak's optimisation requests: whether a node template
// carries one, and which properties the optimiser fills (so leaving them unset is not an error).
#pragma once

#include <string_view>

#include "tosca/model/types.h"
#include "tosca/yaml/node.h"

namespace modak::tosca {

// The request node of a template: metadata or properties `optimisation`/`optimization`, or the
// AADM-style key beside `type`. Null when there is none.
const yaml::Node* optimisation_request(const yaml::Node* node_template);

// Properties the optimiser writes: the application's container_runtime, the job's content, the
// MODAK job's script path.
bool filled_by_modak(const TypeDef& type, std::string_view property);

}  // namespace modak::tosca
