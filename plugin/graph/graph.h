// Pictures of a blueprint for `modak graph`: the topology as Graphviz DOT (node templates,
// requirements as edges, the optimiser's choice on application nodes), and the ranked candidates
// of each decision as an SVG bar chart (written here, no Graphviz needed).
#pragma once

#include <string>
#include <vector>

#include "plugin/optimiser/blueprint.h"
#include "plugin/optimiser/decision.h"
#include "tosca/check/context.h"

namespace modak::graph {

// DOT text of the entry file's topology. `apps[i]` was decided as `decisions[i]` (may be empty).
std::string topology_dot(const tosca::Context& ctx, const yaml::Node* entry_root, const std::vector<opt::AppNode>& apps,
                         const std::vector<opt::Decision>& decisions, const std::string& title);

// An SVG bar chart: one panel per decision, one bar per ranked candidate (predicted time).
std::string candidates_svg(const std::vector<opt::Decision>& decisions, const std::string& title);

// "701 s", "12.3 min", "2.5 h" (or "x1.00" for relative times).
std::string format_time(double value, const std::string& unit);

}  // namespace modak::graph
