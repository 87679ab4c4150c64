// The performance model: a predicted run time for one candidate deployment, from what the
// request and the target say, with the priors of share/models/performance.yaml where they are
// silent. Training: 6 x parameters FLOPs per sample over the device's sustained throughput
// (build kind, ISA level, graph compiler), against reading the data from the chosen storage
// (overlapped when the input pipeline prefetches). MPI: a scaling model per application.
#pragma once

#include "plugin/optimiser/decision.h"
#include "plugin/optimiser/knowledge.h"
#include "plugin/optimiser/request.h"

namespace modak::opt {

struct Situation {
  const Request& request;
  const Knowledge& knowledge;
  const Target& target;
  const Partition& partition;
  const Resources& resources;
  const Storage* storage;
  std::string container_runtime = "singularity";
};

// Fills candidate.seconds and candidate.breakdown, or candidate.rejected when it cannot run.
void predict(const Situation& s, Candidate& candidate, std::string& time_unit);

// Relative throughput of code built for ISA level `image_level` on a CPU of `cpu_level`;
// 0 when the CPU cannot run it (an AVX-512 build on an AVX2 machine).
double isa_factor(const Knowledge& k, const std::string& image_level, const std::string& cpu_level);

// "small" or "large", by the network's parameter count.
std::string network_size_class(const Situation& s);

}  // namespace modak::opt
