// PBS Pro / OpenPBS and Torque: #PBS directives. The two dialects differ in resources (PBS Pro's
// select chunks vs Torque's nodes=N:ppn=P), names, arrays and exclusivity.
#include <regex>

#include "adapters/adapter.h"
#include "adapters/batch_script.h"
#include "adapters/shell.h"

namespace modak::adapters {

namespace {

std::string mail_letters(const std::set<std::string>& events) {
  std::string out;
  if (events.count("fail")) out += 'a';
  if (events.count("begin")) out += 'b';
  if (events.count("end")) out += 'e';
  return out.empty() ? "n" : out;
}

// Job arrays: PBS Pro takes only X-Y[:Z][%n]; Torque takes lists and ranges but no step, so a
// stepped range is expanded (up to a sane size). Empty: not expressible, the caller notes it.
std::string pbspro_array(const std::string& a) {
  static const std::regex ok(R"(\d+-\d+(:\d+)?(%\d+)?)");
  return std::regex_match(a, ok) ? a : "";
}

std::string torque_array(const std::string& a) {
  static const std::regex list(R"(\d+(-\d+)?(,\d+(-\d+)?)*(%\d+)?)");
  static const std::regex stepped(R"((\d+)-(\d+):(\d+)(%\d+)?)");
  if (std::regex_match(a, list)) return a;
  std::smatch m;
  if (!std::regex_match(a, m, stepped)) return "";
  long from = std::stol(m[1]), to = std::stol(m[2]), step = std::stol(m[3]);
  if (step <= 0 || to < from || (to - from) / step > 1000) return "";
  std::string out;
  for (long i = from; i <= to; i += step) out += (out.empty() ? "" : ",") + std::to_string(i);
  return out + (m[4].matched ? m[4].str() : "");
}

class PbsAdapter : public Adapter {
 public:
  explicit PbsAdapter(bool torque) : torque_(torque) {}
  std::string_view name() const override { return torque_ ? "torque" : "pbspro"; }

  Rendered render(const Job& j) const override {
    Rendered r;
    r.kind = "script";
    std::vector<std::string>& notes = r.notes;
    notes = j.notes;
    auto d = [&](const std::string& option) { r.content += "#PBS " + option + "\n"; };
    auto v = [&](const std::string& value, const std::string& what) { return directive_value(value, what, notes); };
    // Torque: at most 15 characters, starting with a letter; PBS Pro: 236, starting alphanumeric.
    const std::string name = torque_ ? sanitise_name(j.name, 15, true) : sanitise_name(j.name, 236, false);
    if (name != j.name) notes.push_back("job name '" + j.name + "' written as '" + name + "' for " + std::string(this->name()));
    r.file_name = sanitise_name(j.name, 200, false) + ".pbs";
    r.content = "#!/bin/bash\n";
    d("-N " + name);
    if (!j.account.empty()) d("-A " + v(j.account, "account"));
    std::string queue = !j.queue.empty() ? j.queue : j.partition;
    if (!queue.empty()) d("-q " + v(queue, "queue"));
    if (j.walltime_seconds) d("-l walltime=" + hms(*j.walltime_seconds));
    const int cpus = j.tasks_per_node * j.threads;
    if (torque_) {
      std::string nodes = "nodes=" + std::to_string(j.nodes) + ":ppn=" + std::to_string(cpus);
      if (j.gpus_per_node > 0) nodes += ":gpus=" + std::to_string(j.gpus_per_node);
      d("-l " + nodes);
      if (j.memory_mb) d("-l mem=" + std::to_string(*j.memory_mb * j.nodes) + "mb");
      if (j.memory_per_cpu_mb) d("-l pmem=" + std::to_string(*j.memory_per_cpu_mb) + "mb");
    } else {
      std::string chunk = std::to_string(j.nodes) + ":ncpus=" + std::to_string(cpus) + ":mpiprocs=" +
                          std::to_string(j.tasks_per_node) + ":ompthreads=" + std::to_string(j.threads);
      if (j.gpus_per_node > 0) chunk += ":ngpus=" + std::to_string(j.gpus_per_node);
      if (j.memory_mb) chunk += ":mem=" + std::to_string(*j.memory_mb) + "mb";
      d("-l select=" + chunk);
      // One chunk per node, and the whole node when the request asks for exclusivity.
      d(std::string("-l place=") + (j.nodes > 1 ? "scatter" : "pack") + (j.exclusive ? ":excl" : ""));
      if (j.memory_per_cpu_mb) d("-l pmem=" + std::to_string(*j.memory_per_cpu_mb) + "mb");
    }
    if (!j.output.empty()) d("-o " + v(j.output, "standard_output_file"));
    if (!j.error.empty() && !j.join_output) d("-e " + v(j.error, "standard_error_file"));
    if (j.join_output) d("-j oe");
    if (!j.mail_events.empty()) d("-m " + mail_letters(j.mail_events));
    if (!j.mail_user.empty()) d("-M " + v(j.mail_user, "email_address"));
    if (j.export_all) d("-V");
    if (!j.export_vars.empty()) {
      std::string list;
      for (const auto& [k, val] : j.export_vars)
        list += (list.empty() ? "" : ",") + v(k, "exported variable") + (val.empty() ? "" : "=" + v(val, "exported value"));
      d("-v " + list);
    }
    if (!j.array.empty()) {
      std::string a = torque_ ? torque_array(v(j.array, "job_array")) : pbspro_array(v(j.array, "job_array"));
      if (a.empty()) notes.push_back("job_array '" + j.array + "' has no " + std::string(this->name()) + " form; left out");
      else d((torque_ ? "-t " : "-J ") + a);
    }
    if (!j.after_ok.empty()) {
      std::string dep = "depend=afterok";
      for (const auto& id : j.after_ok) dep += ":" + v(id, "job_dependency");
      d("-W " + dep);
    }
    if (j.exclusive && torque_) d("-l naccesspolicy=singlejob");
    if (!j.nodelist.empty()) {
      if (torque_) d("-l host=" + v(j.nodelist, "request_specific_nodes"));
      else notes.push_back("request_specific_nodes: PBS Pro names hosts inside select chunks (host=); left out");
    }
    if (!j.constraint.empty()) notes.push_back("architecture_constraint has no portable #PBS form; left out");
    if (!j.begin.empty()) notes.push_back("defer_job needs PBS's [[CC]YY]MMDDhhmm form; left out");
    r.content += "\n" + batch_body(j, "${PBS_O_WORKDIR:-$PWD}", notes);
    return r;
  }

 private:
  bool torque_;
};

}  // namespace

const Adapter& pbspro_adapter() {
  static const PbsAdapter a(false);
  return a;
}
const Adapter& torque_adapter() {
  static const PbsAdapter a(true);
  return a;
}

}  // namespace modak::adapters
