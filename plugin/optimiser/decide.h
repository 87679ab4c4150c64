// From a request and the knowledge base to a decision: target and partition, a consistent
// resource shape, the candidates ranked by predicted time, launcher, environment and storage.
#pragma once

#include "plugin/optimiser/decision.h"
#include "plugin/optimiser/knowledge.h"
#include "plugin/optimiser/request.h"
#include "tosca/check/context.h"

namespace modak::opt {

struct DecideOptions {
  std::string target_override;        // --target NAME
  std::string container_runtime;      // --container-runtime: singularity | apptainer | podman | none ("" = site default)
};

// Returns false (with located errors in ctx) when the request contradicts itself or the target.
bool decide(tosca::Context& ctx, const Request& request, const Knowledge& knowledge, const DecideOptions& options,
            Decision& out);

// "2.1" matches 2.1, 2.1.0 and 2.1.3, not 2.10.
bool version_matches(const std::string& wanted, const std::string& have);

}  // namespace modak::opt
