// One interface for every scheduler: a job in, the artefact that runs it out. Batch adapters
// (slurm, pbspro, torque) write a job script; the kubernetes adapter writes manifests.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/job.h"

namespace modak::adapters {

struct Rendered {
  std::string content;             // the job script or the manifests (YAML, documents separated by ---)
  std::string file_name;           // suggested artefact name: "<job>.sbatch", "<job>.pbs", "<job>.yaml"
  std::string kind;                // "script" or "manifest"
  std::vector<std::string> notes;  // what could not be expressed for this scheduler, and why
};

class Adapter {
 public:
  virtual ~Adapter() = default;
  virtual std::string_view name() const = 0;
  virtual Rendered render(const Job& job) const = 0;
};

// The adapter for a scheduler name as SODALITE writes it (sodalite.nodes.hpc.WM `scheduler`:
// torque, pbs, slurm, batch; also pbspro, kubernetes). nullptr when there is none.
const Adapter* adapter_for(std::string_view scheduler);
std::vector<std::string_view> adapter_names();

}  // namespace modak::adapters
