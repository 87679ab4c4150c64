// MODAK's own job-script layout (SODALITE application-optimisation, final version): what
// MODAK's /get_optimisation returned as `job_content`, written from an adapters::Job and the
// optimiser's decision. The layout is MODAK's, byte for byte, except where MODAK had a bug;
// every such difference is listed in docs/modak-compatibility.md.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "adapters/job.h"
#include "plugin/optimiser/decision.h"
#include "plugin/optimiser/request.h"

namespace modak::adapters {

// One knowledge-base fragment as MODAK's script table held it: its uuid (MODAK's script id)
// and exact text. Fragments that MODAK never had are written from their env and commands and
// wrapped with their modak id instead.
struct ModakScript {
  std::string fragment;  // modak fragment id ("tensorflow-xla")
  std::string uuid;      // MODAK script id; empty when MODAK had no such script
  std::string stage = "pre";
  std::string raw;       // MODAK's text (may use {{ preferred_storage_location }})
  std::vector<std::pair<std::string, std::string>> env;  // fallback when raw is empty
  std::vector<std::string> commands;                     // fallback when raw is empty
};

// Reads every share/environment/*.yaml (and `extra` files) for fragments, keeping their
// `modak_script` block. Later files replace fragments with the same id. Problems go to `errors`.
std::map<std::string, ModakScript> load_modak_scripts(const std::string& share_dir, std::vector<std::string>& errors);

// What MODAK's layout needs besides the Job: the request's own values where MODAK used them
// verbatim and the Job only holds the optimiser's (filled-in) view.
struct ModakLayout {
  std::string scheduler = "torque";  // torque | slurm | anything else: plain bash
  std::string app_type;              // application.app_type: mpi | hpc give the MPI launch line
  bool node_count_given = true;      // job_options.node_count was in the request
  std::optional<long> core_count;    // job_options.core_count (#PBS -l procs / #SBATCH -n)
  std::optional<long> cpus_per_task; // job_options.core_count_per_process (Slurm only)
  std::string notification;          // job_options.request_event_notification as written
  std::string job_dependency;        // job_options.job_dependency as written
  std::string storage_location;      // {{ preferred_storage_location }} in script text
  std::vector<ModakScript> scripts;  // the applied fragments, in the decision's order
};

// Fills a ModakLayout from the request and decision (scripts looked up in `known`).
ModakLayout modak_layout_for(const opt::Request& request, const opt::Decision& decision,
                             const std::map<std::string, ModakScript>& known, const std::string& scheduler);

// The Job MODAK would have rendered: make_job's view, with the request's explicit
// node_count / process_count_per_node / request_gpus taking precedence over the optimiser's.
Job modak_job(const opt::Request& request, const opt::Decision& decision, const std::string& fallback_name);

// The script. `notes` gets what was changed or left out, and why.
std::string render_modak_script(const Job& job, const ModakLayout& layout, std::vector<std::string>& notes);

// MODAK's walltime text: H:MM:SS (Python str(timedelta)) below a day; above, Torque gets
// H:MM:SS with hours > 24 and Slurm D-HH:MM:SS (MODAK wrote "1 day, 2:00:00").
std::string modak_walltime(long seconds, const std::string& scheduler);

// "$SINGULARITY_DIR/<last URI segment, ':' -> '_'>.sif", with the name made shell-inert.
std::string modak_sif_path(const std::string& uri);

// A word for the script: bare when it has only characters that a shell never interprets,
// otherwise quoted by shell_word (variables in it still expand, nothing else does).
std::string modak_word(const std::string& word);

}  // namespace modak::adapters
