// YAML 1.2 core-schema resolution of plain scalars, and tag handling.
// `no`, `yes`, `on`, `00:30:00` and `1:00:00` stay strings (they were booleans and sexagesimal
// numbers only in YAML 1.1); `true`/`True`/`TRUE` are booleans; `~`, `null` and empty are null.
#pragma once

#include <string_view>

#include "tosca/yaml/node.h"

namespace modak::yaml {

// Sets kind and numeric value of a scalar node from its text, following the core schema.
void resolve_plain_scalar(Node& n);

// Applies an explicit tag (`!!str`, `!!int`, ...). Returns false for a tag that does not fit
// the text or is not one of the core tags; the caller reports it.
bool apply_tag(Node& n, std::string_view tag);

}  // namespace modak::yaml
