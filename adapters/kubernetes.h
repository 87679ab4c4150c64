// The Kubernetes adapter: a batch/v1 Job for training, an apps/v1 Deployment (+ v1 Service when
// ports are declared) for serving, with node selectors for accelerator node pools.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "adapters/adapter.h"

namespace modak::adapters {

class KubernetesAdapter : public Adapter {
 public:
  std::string_view name() const override { return "kubernetes"; }
  Rendered render(const Job& job) const override;
  Rendered render(const Job& job, const std::map<std::string, std::string>& node_selector, const std::vector<int>& ports,
                  bool serving) const;
};

const KubernetesAdapter& kubernetes_adapter();

}  // namespace modak::adapters
