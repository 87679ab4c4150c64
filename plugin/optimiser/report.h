// Decisions for people (--explain text) and machines (JSON, also stored in modak.decision).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "plugin/optimiser/decision.h"

namespace modak::opt {

nlohmann::json decision_json(const Decision& d, bool with_candidates = true);
std::string explain_text(const Decision& d);

// Reads back what decision_json wrote (the annotation modak.decision), for `modak render`.
// The chosen image is kept as `kept_user_image`; candidates are not restored.
bool decision_from_json(const nlohmann::json& j, const Knowledge& knowledge, Decision& d, std::string& error);

}  // namespace modak::opt
