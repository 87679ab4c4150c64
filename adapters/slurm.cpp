// Slurm: #SBATCH directives in sbatch's own long-option form.
#include "adapters/adapter.h"
#include "adapters/batch_script.h"
#include "adapters/shell.h"

namespace modak::adapters {

namespace {

std::string slurm_time(long s) {
  if (s >= 86400) return std::to_string(s / 86400) + "-" + hms(s % 86400);
  return hms(s);
}

std::string mail_types(const std::set<std::string>& events) {
  std::string out;
  for (const char* e : {"begin", "end", "fail"})
    if (events.count(e)) out += std::string(out.empty() ? "" : ",") + (e[0] == 'b' ? "BEGIN" : e[0] == 'e' ? "END" : "FAIL");
  return out;
}

class SlurmAdapter : public Adapter {
 public:
  std::string_view name() const override { return "slurm"; }

  Rendered render(const Job& j) const override {
    Rendered r;
    r.kind = "script";
    std::vector<std::string>& notes = r.notes;
    notes = j.notes;
    auto d = [&](const std::string& option) { r.content += "#SBATCH " + option + "\n"; };
    auto v = [&](const std::string& value, const std::string& what) { return directive_value(value, what, notes); };
    const std::string name = sanitise_name(j.name, 200, false);
    r.file_name = name + ".sbatch";
    r.content = "#!/bin/bash\n";
    d("--job-name=" + name);
    if (!j.account.empty()) d("--account=" + v(j.account, "account"));
    std::string partition = !j.partition.empty() ? j.partition : j.queue;
    if (!partition.empty()) d("--partition=" + v(partition, "partition"));
    if (j.walltime_seconds) d("--time=" + slurm_time(*j.walltime_seconds));
    d("--nodes=" + std::to_string(j.nodes));
    d("--ntasks=" + std::to_string(j.ranks));
    d("--ntasks-per-node=" + std::to_string(j.tasks_per_node));
    d("--cpus-per-task=" + std::to_string(j.threads));
    if (j.gpus_per_node > 0) d("--gres=gpu:" + std::to_string(j.gpus_per_node));
    if (j.memory_mb) d("--mem=" + std::to_string(*j.memory_mb) + "M");
    else if (j.memory_per_cpu_mb) d("--mem-per-cpu=" + std::to_string(*j.memory_per_cpu_mb) + "M");
    if (!j.output.empty()) d("--output=" + v(j.output, "standard_output_file"));
    // Slurm joins stderr into stdout unless --error is given.
    if (!j.error.empty() && !j.join_output) d("--error=" + v(j.error, "standard_error_file"));
    if (!j.mail_events.empty()) d("--mail-type=" + mail_types(j.mail_events));
    if (!j.mail_user.empty()) d("--mail-user=" + v(j.mail_user, "email_address"));
    if (j.export_all || !j.export_vars.empty()) {
      std::string e = j.export_all ? "ALL" : "NONE";
      for (const auto& [k, val] : j.export_vars) e += "," + v(k, "exported variable") + (val.empty() ? "" : "=" + v(val, "exported value"));
      d("--export=" + e);
    }
    if (!j.array.empty()) d("--array=" + v(j.array, "job_array"));
    if (!j.after_ok.empty()) {
      std::string dep = "afterok";
      for (const auto& id : j.after_ok) dep += ":" + v(id, "job_dependency");
      d("--dependency=" + dep);
    }
    if (j.exclusive) d("--exclusive");
    if (!j.constraint.empty()) d("--constraint=" + v(j.constraint, "architecture_constraint"));
    if (!j.nodelist.empty()) d("--nodelist=" + v(j.nodelist, "request_specific_nodes"));
    if (!j.begin.empty()) d("--begin=" + v(j.begin, "defer_job"));
    r.content += "\n" + batch_body(j, "${SLURM_SUBMIT_DIR:-$PWD}", notes);
    return r;
  }
};

}  // namespace

const Adapter& slurm_adapter() {
  static const SlurmAdapter a;
  return a;
}

}  // namespace modak::adapters
