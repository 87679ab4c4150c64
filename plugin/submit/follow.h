// Following submitted jobs to the end: Slurm (sacct, scontrol show job, squeue) and Torque/PBS
// (`qstat -x` XML, parsed with Xerces-C). A progress display on a terminal, JSON lines otherwise.
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "plugin/submit/submit.h"

namespace modak::ops {

struct JobStatus {
  std::string id;
  std::string state;      // PENDING RUNNING COMPLETED FAILED CANCELLED TIMEOUT NEVER_RUNS UNKNOWN ...
  std::string raw_state;  // as the scheduler said it
  std::string exit_code;  // "3:0" (Slurm), "3" (PBS); "" when not known
  std::string reason;     // Slurm Reason= / why UNKNOWN
  std::string name;
  std::string source;     // sacct | scontrol | squeue | qstat
  bool done() const;      // no longer pending or running
  bool failed() const;    // done and not COMPLETED
};

// One line of `scontrol show job -o ID`.
JobStatus parse_scontrol_job(std::string_view oneliner);
// `sacct -X -n -P -o State,ExitCode -j ID`: "COMPLETED|0:0", "CANCELLED by 0|0:15".
JobStatus parse_sacct(std::string_view text);
// Slurm's JobState words onto modak's states (COMPLETING -> RUNNING, NODE_FAIL -> FAILED, ...).
std::string normalise_slurm_state(const std::string& raw);
// Torque's `qstat -x [ID...]` XML (<Data><Job>...</Job></Data>): every job in it.
std::vector<JobStatus> parse_qstat_xml(std::string_view xml);

// Asks the scheduler once. `scheduler` is slurm | pbs.
std::vector<JobStatus> query_jobs(const std::string& scheduler, const std::vector<std::string>& ids);

struct FollowOptions {
  bool watch = true;          // false: one query, then report
  double timeout_s = 0;       // 0 = no limit
  double interval_s = 1.0;
  bool terminal = false;      // progress display (true) or JSON lines (false)
};

// Exit codes of follow() (and of `modak submit --wait` / `modak status`).
constexpr int kFollowOk = 0;
constexpr int kFollowJobFailed = 1;
constexpr int kFollowError = 2;
constexpr int kFollowTimeout = 3;

// Follows `jobs` (ids filled) until all are done, the timeout passes, or once (watch=false);
// writes the display to `out` and errors to `err`.
int follow_jobs(const std::vector<ChainJob>& jobs, const FollowOptions& opts, std::ostream& out, std::ostream& err);

}  // namespace modak::ops
