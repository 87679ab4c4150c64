// The optimiser's answer for one application: the ranked candidates with predicted times, the
// chosen image and graph compiler, resources, launcher, environment and storage, and why.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "plugin/optimiser/knowledge.h"

namespace modak::opt {

struct Resources {
  int nodes = 1;
  int ranks = 1;           // processes (MPI ranks or training workers)
  int threads = 1;         // per process
  int tasks_per_node = 1;
  int gpus_per_node = 0;
};

struct Candidate {
  const Image* image = nullptr;
  std::string compiler = "none";  // none | xla | ngraph | glow | tvm
  double seconds = 0;             // predicted run time (per epoch for training)
  std::vector<std::string> breakdown;  // how the prediction came about
  std::string rejected;           // why it cannot run here (empty: feasible)
};

struct Decision {
  std::string node;  // application node template, or the request file
  const Target* target = nullptr;
  std::shared_ptr<const Target> generic_target;  // owns `target` when it was made from the request
  const Partition* partition = nullptr;
  Resources resources;
  std::vector<Candidate> ranked;    // feasible, fastest first
  std::vector<Candidate> rejected;  // with reasons
  std::string kept_user_image;      // no catalogue candidate: the request's own container stays
  std::string launcher = "none";    // srun | mpirun | torchrun | horovodrun | none
  std::string container_runtime = "none";
  std::vector<std::string> container_flags;  // --nv, -B ...
  std::vector<std::pair<std::string, std::string>> env;
  std::vector<std::string> pre_commands, post_commands;
  std::vector<std::string> fragments;  // ids of the environment fragments applied
  const Storage* storage = nullptr;
  std::string time_unit = "s";      // "s", or "relative" when no absolute model applies
  std::vector<std::string> why;     // the explanation, in order

  const Candidate* chosen() const { return ranked.empty() ? nullptr : &ranked.front(); }
  std::string image_uri() const;
};

}  // namespace modak::opt
