// `modak submit OUTDIR`: submits the jobs `modak preprocess` rendered (OUTDIR/jobs/*.sbatch,
// *.pbs; OUTDIR/manifests/*.yaml with kubectl apply) in the order and with the dependencies the
// blueprint's job chain states, and records the job ids in OUTDIR/.modak-jobs.json.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace modak::ops {

struct ChainJob {
  std::string node;                 // the JobExecution node template
  std::string name;                 // job_name property (or the node name)
  std::string script;               // absolute path of the job script
  std::string scheduler;            // slurm | pbs | kubernetes
  std::vector<std::string> after;   // JobExecution nodes this one waits for (afterok)
  std::string id;                   // scheduler job id once submitted
};

struct JobChain {
  std::string outdir;
  std::vector<ChainJob> jobs;  // submission order: every job after those it depends on
};

// A problem with the output directory or its blueprint (missing file, dependency cycle, ...).
struct ChainError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// The scheduler refused a job (its stderr is in the message) or a command is missing.
struct SubmitError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Reads OUTDIR/service.yaml and OUTDIR/jobs: JobExecution nodes (their `content` is the script
// in OUTDIR/jobs), sodalite.nodes.workflow.Job (`execution:`) and Result (`job:`) nodes, and the
// `dependency:` requirements between them. Without JobExecution nodes, every script in jobs/ is
// one independent job (sorted by file name).
JobChain read_job_chain(const std::string& outdir);

// Same, from the service template text and the scripts (name -> content) — for tests.
JobChain job_chain_from_text(const std::string& service_yaml, const std::vector<std::pair<std::string, std::string>>& scripts,
                             const std::string& jobs_dir);

// The command line for one job (program first), given the ids of the jobs it waits for.
std::vector<std::string> submit_command(const ChainJob& job, const std::vector<std::string>& after_ids);

// Parses a submission's stdout into the job id: sbatch --parsable prints "ID[;cluster]",
// qsub prints "ID.server"; kubectl apply prints "job.batch/name created".
std::string parse_job_id(const std::string& scheduler, const std::string& out);

struct SubmitOptions {
  std::string workdir;  // where the jobs run from (sbatch/qsub's working directory); "" = OUTDIR
  std::function<void(const ChainJob&)> on_submitted;
};

// Submits every job of the chain in order; fills ids and writes OUTDIR/.modak-jobs.json after
// each submission (so a failure half-way still records what was submitted). Throws SubmitError.
void submit_chain(JobChain& chain, const SubmitOptions& opts);

// OUTDIR/.modak-jobs.json: read back (throws ChainError when absent or malformed).
JobChain read_job_record(const std::string& outdir);
void write_job_record(const JobChain& chain, const std::string& workdir);

}  // namespace modak::ops
