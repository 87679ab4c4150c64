#include "adapters/kubernetes.h"

namespace modak::adapters {

const Adapter& slurm_adapter();
const Adapter& pbspro_adapter();
const Adapter& torque_adapter();
const Adapter& shell_adapter();

const Adapter* adapter_for(std::string_view scheduler) {
  if (scheduler == "slurm") return &slurm_adapter();
  if (scheduler == "pbs" || scheduler == "pbspro" || scheduler == "openpbs") return &pbspro_adapter();
  if (scheduler == "torque") return &torque_adapter();
  if (scheduler == "kubernetes") return &kubernetes_adapter();
  if (scheduler == "batch" || scheduler == "none") return &shell_adapter();
  return nullptr;
}

std::vector<std::string_view> adapter_names() { return {"slurm", "pbspro", "torque", "kubernetes", "batch"}; }

}  // namespace modak::adapters
