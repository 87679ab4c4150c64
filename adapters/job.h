// What every adapter renders from: a scheduler-neutral job, made from an optimised application
// (its request's job options and the optimiser's decision). Values that came from the blueprint
// are kept as data; adapters quote them for the shell and sanitise names for their scheduler.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "plugin/optimiser/decision.h"
#include "plugin/optimiser/request.h"

namespace modak::adapters {

struct Build {
  std::string src;            // git repository or file URL to fetch
  std::string command;        // the user's build command (run once, on purpose)
  int parallelism = 1;
};

struct Job {
  std::string name;                   // unsanitised; adapters apply their scheduler's rules
  std::string account, queue, partition;
  std::optional<long> walltime_seconds;
  int nodes = 1, tasks_per_node = 1, ranks = 1, threads = 1, gpus_per_node = 0;
  std::optional<long> memory_mb;                 // per node
  std::optional<long> memory_per_cpu_mb;
  std::string output, error;                     // file names
  bool join_output = false;                      // stderr into stdout
  std::set<std::string> mail_events;             // begin, end, fail (abort), all
  std::string mail_user;
  bool export_all = false;
  std::vector<std::pair<std::string, std::string>> export_vars;  // NAME=value (value may be empty: pass through)
  std::string array;                             // "1-10", "1,3,5-7", "1-9:2"
  std::vector<std::string> after_ok;             // job ids this job waits for (afterok)
  bool exclusive = false;
  std::string constraint;                        // node features
  std::string nodelist;                          // specific nodes
  std::string begin;                             // deferred start, as the request wrote it

  // The body.
  std::vector<std::pair<std::string, std::string>> env;  // from the optimiser (values quoted on output)
  std::vector<std::string> pre_commands, post_commands;  // from the knowledge base: trusted text
  std::optional<Build> build;
  std::string launcher = "none";                 // srun | mpirun | torchrun | horovodrun | none
  std::string container_runtime = "none";        // singularity | apptainer | podman | none
  std::string image;                             // URI as chosen (docker://..., library://...)
  std::vector<std::string> container_flags;      // --nv, -B <path>
  std::string data_path;                         // storage chosen for the data
  std::string executable;                        // the command to run
  std::string arguments;                         // its arguments, split into words like a shell would
  bool gpu = false;

  std::vector<std::string> notes;                // what the adapter had to leave out, and why
};

// Fills a Job from the request's job options and application and from the decision.
// `fallback_name` names the job when the request does not (the node template's name).
Job make_job(const opt::Request& request, const opt::Decision& decision, const std::string& fallback_name);

// "12:00:00", "1-06:00:00", "90:00", "45" (minutes, as Slurm reads it) -> seconds.
std::optional<long> parse_walltime(std::string_view text);
// "4GB", "512 MB", "2G", "1024" (MB) -> megabytes.
std::optional<long> parse_memory_mb(std::string_view text);
// MODAK/Torque letters (a, b, e, n) or Slurm words (BEGIN, END, FAIL, ALL, NONE) -> events.
std::set<std::string> parse_mail_events(std::string_view text);

}  // namespace modak::adapters
