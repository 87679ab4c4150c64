// No scheduler (SODALITE's `batch`: a VM that runs the job directly): a plain bash script.
#include "adapters/adapter.h"
#include "adapters/batch_script.h"
#include "adapters/shell.h"

namespace modak::adapters {

namespace {

class ShellAdapter : public Adapter {
 public:
  std::string_view name() const override { return "batch"; }
  Rendered render(const Job& j) const override {
    Rendered r;
    r.kind = "script";
    r.notes = j.notes;
    r.file_name = sanitise_name(j.name, 200, false) + ".sh";
    r.content = "#!/bin/bash\n# " + sanitise_name(j.name, 200, false) + ": run directly, no batch scheduler\n\n" +
                batch_body(j, "$PWD", r.notes);
    if (j.launcher == "srun") r.notes.push_back("srun needs Slurm; the script runs where it is started");
    return r;
  }
};

}  // namespace

const Adapter& shell_adapter() {
  static const ShellAdapter a;
  return a;
}

}  // namespace modak::adapters
