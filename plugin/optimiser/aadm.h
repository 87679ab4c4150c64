// SODALITE's AADM JSON (what the semantic reasoner hands the IaC blueprint builder): node
// templates keyed by knowledge-base URIs, properties as [{URI: {value, label}}], and the
// optimisation request as JSON text under "optimization" on application nodes.
#pragma once

#include <vector>

#include "plugin/optimiser/blueprint.h"

namespace modak::opt {

// True when the document's top level is AADM (an entry of type AbstractApplicationDeploymentModel).
bool is_aadm(const yaml::Node* root);

// The application nodes that carry a request, with job options from the JobExecution that runs
// them and the target from the workload manager it is hosted on (as the IaC builder did).
std::vector<AppNode> find_aadm_requests(tosca::Context& ctx, const yaml::Node* root, yaml::Arena& arena,
                                        yaml::SourceTable& sources);

}  // namespace modak::opt
