// Decisions for people (--explain text) and machines (JSON, also stored in modak.decision).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "plugin/optimiser/decision.h"

namespace modak::opt {

nlohmann::json decision_json(const Decision& d, bool with_candidates = true);
std::string explain_text(const Decision& d);

}  // namespace modak::opt
