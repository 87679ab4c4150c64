// `modak submit OUTDIR [--wait]` and `modak status OUTDIR|JOBID... [--watch]`: submit the jobs
// `modak preprocess` rendered, in the blueprint's chain order with afterok dependencies, and
// follow them (plugin/submit). Exit status: 0 all completed (or submitted), 1 a job failed,
// 2 usage, I/O or scheduler error (missing command, rejected submission), 3 timeout.
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "plugin/cli/commands.h"
#include "plugin/submit/follow.h"
#include "plugin/submit/process.h"
#include "plugin/submit/submit.h"

namespace modak::cli {
namespace fs = std::filesystem;

namespace {

struct SubmitArgs {
  std::string outdir, workdir;
  bool wait = false, dry_run = false;
  double timeout = 0, interval = 1;
  std::string progress = "auto";
};

struct StatusArgs {
  std::vector<std::string> targets;
  std::string scheduler = "auto";
  bool watch = false;
  double timeout = 0, interval = 1;
  std::string progress = "auto";
};

bool use_terminal(const std::string& progress) {
  if (progress == "json") return false;
  if (progress == "tty") return true;
  return isatty(STDOUT_FILENO) != 0;
}

std::string join_cmd(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& a : v) s += (s.empty() ? "" : " ") + a;
  return s;
}

int run_submit(const SubmitArgs& a) {
  ops::JobChain chain;
  try {
    chain = ops::read_job_chain(a.outdir);
  } catch (const std::exception& e) {
    std::cerr << "modak submit: " << e.what() << "\n";
    return kExitUsage;
  }
  bool tty = use_terminal(a.progress);
  if (a.dry_run) {
    std::map<std::string, std::string> fake;
    int n = 0;
    for (const auto& j : chain.jobs) {
      std::vector<std::string> after;
      for (const auto& d : j.after) after.push_back(fake[d]);
      fake[j.node] = "$" + std::to_string(++n);
      std::cout << j.node << ": " << join_cmd(ops::submit_command(j, after)) << "\n";
    }
    return kExitOk;
  }
  try {
    ops::SubmitOptions opts;
    opts.workdir = a.workdir.empty() ? chain.outdir : fs::absolute(a.workdir).string();
    opts.on_submitted = [&](const ops::ChainJob& j) {
      if (tty) {
        std::cout << "submitted " << j.node << " (" << j.name << ") as job " << j.id;
        if (!j.after.empty()) {
          std::cout << ", after";
          for (const auto& d : j.after) std::cout << " " << d;
        }
        std::cout << "\n";
      } else {
        std::cout << nlohmann::json({{"event", "submitted"}, {"node", j.node}, {"name", j.name}, {"id", j.id},
                                     {"scheduler", j.scheduler}, {"script", j.script}, {"after", j.after}})
                         .dump()
                  << "\n";
      }
      std::cout.flush();
    };
    ops::submit_chain(chain, opts);
  } catch (const std::exception& e) {
    std::cerr << "modak submit: error: " << e.what() << "\n";
    bool any = false;
    for (const auto& j : chain.jobs) any = any || !j.id.empty();
    if (any) std::cerr << "modak submit: the jobs submitted before the error are recorded in " << chain.outdir << "/.modak-jobs.json\n";
    return kExitUsage;
  }
  if (!a.wait) return kExitOk;
  ops::FollowOptions f;
  f.watch = true;
  f.timeout_s = a.timeout;
  f.interval_s = a.interval;
  f.terminal = tty;
  return ops::follow_jobs(chain.jobs, f, std::cout, std::cerr);
}

int run_status(const StatusArgs& a) {
  std::vector<ops::ChainJob> jobs;
  for (const auto& t : a.targets) {
    if (fs::is_directory(t)) {
      try {
        ops::JobChain c = ops::read_job_record(t);
        jobs.insert(jobs.end(), c.jobs.begin(), c.jobs.end());
      } catch (const std::exception& e) {
        std::cerr << "modak status: " << e.what() << "\n";
        return kExitUsage;
      }
    } else if (!t.empty() && t.find_first_not_of("0123456789_.[]-abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") == std::string::npos &&
               std::isdigit(static_cast<unsigned char>(t[0]))) {
      std::string sched = a.scheduler;
      if (sched == "auto") sched = ops::have_program("scontrol") ? "slurm" : ops::have_program("qstat") ? "pbs" : "";
      if (sched.empty()) {
        std::cerr << "modak status: error: neither scontrol (Slurm) nor qstat (PBS/Torque) is on PATH\n";
        return kExitUsage;
      }
      if (sched == "torque") sched = "pbs";
      ops::ChainJob j;
      j.id = t;
      j.scheduler = sched;
      jobs.push_back(j);
    } else {
      std::cerr << "modak status: '" << t << "' is neither an output directory of modak submit nor a job id\n";
      return kExitUsage;
    }
  }
  if (jobs.empty()) {
    std::cerr << "modak status: no job to show\n";
    return kExitUsage;
  }
  ops::FollowOptions f;
  f.watch = a.watch;
  f.timeout_s = a.timeout;
  f.interval_s = a.interval;
  f.terminal = use_terminal(a.progress);
  return ops::follow_jobs(jobs, f, std::cout, std::cerr);
}

}  // namespace

Command add_submit_command(CLI::App& app) {
  auto args = std::make_shared<SubmitArgs>();
  CLI::App* cmd = app.add_subcommand("submit", "Submit the jobs modak preprocess rendered, in the blueprint's chain order");
  cmd->footer(
      "Submits OUTDIR/jobs/*.sbatch with sbatch, *.pbs with qsub (manifests with kubectl apply when KUBECONFIG is set),\n"
      "each after the jobs its workflow `dependency:` requirements name (--dependency=afterok:ID / -W depend=afterok:ID),\n"
      "from OUTDIR (or --workdir), and records the job ids in OUTDIR/.modak-jobs.json.\n"
      "Examples:\n"
      "  modak preprocess blueprint.yaml -o out && modak submit out --wait --timeout 3600\n"
      "Exit status: 0 submitted (with --wait: all completed), 1 a job failed, 2 usage/scheduler error\n"
      "(missing command, rejected submission), 3 --timeout passed.");
  cmd->add_option("outdir", args->outdir, "output directory of modak preprocess / render")->required();
  cmd->add_flag("--wait", args->wait, "follow the jobs until they have all finished");
  cmd->add_option("--timeout", args->timeout, "with --wait: give up after SECONDS (exit 3)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--interval", args->interval, "seconds between polls (default 1)")->check(CLI::Range(0.1, 3600.0));
  cmd->add_option("--workdir", args->workdir, "directory the jobs are submitted from (default: OUTDIR)");
  cmd->add_option("--progress", args->progress, "auto (a display on a terminal, JSON lines otherwise), tty or json")
      ->check(CLI::IsMember({"auto", "tty", "json"}));
  cmd->add_flag("--dry-run", args->dry_run, "print the submission commands in order, submit nothing");
  return {cmd, [args]() { return run_submit(*args); }};
}

Command add_status_command(CLI::App& app) {
  auto args = std::make_shared<StatusArgs>();
  CLI::App* cmd = app.add_subcommand("status", "Show (or --watch) the state of jobs modak submit submitted, or of job ids");
  cmd->footer(
      "Slurm: sacct -X -n -P -o State,ExitCode, falling back to scontrol show job -o and squeue; PBS/Torque: qstat -x (XML).\n"
      "Examples:\n"
      "  modak status out            (the jobs in out/.modak-jobs.json)\n"
      "  modak status 1234 1235 --watch --timeout 600\n"
      "Exit status: 0 no job failed, 1 a job failed (or can never run), 2 usage/scheduler error, 3 --timeout passed.");
  cmd->add_option("target", args->targets, "OUTDIR of modak submit, or job ids")->required();
  cmd->add_flag("--watch", args->watch, "follow until every job has finished");
  cmd->add_option("--timeout", args->timeout, "with --watch: give up after SECONDS (exit 3)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--interval", args->interval, "seconds between polls (default 1)")->check(CLI::Range(0.1, 3600.0));
  cmd->add_option("--scheduler", args->scheduler, "for job ids: auto, slurm, pbs or torque")
      ->check(CLI::IsMember({"auto", "slurm", "pbs", "torque"}));
  cmd->add_option("--progress", args->progress, "auto, tty or json")->check(CLI::IsMember({"auto", "tty", "json"}));
  return {cmd, [args]() { return run_status(*args); }};
}

}  // namespace modak::cli
