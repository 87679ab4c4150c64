#include "plugin/submit/follow.h"

#include <chrono>
#include <cmath>
#include <iomanip>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>
#include <thread>

#include "plugin/discover/slurm_info.h"
#include "plugin/discover/xml.h"
#include "plugin/submit/process.h"

namespace modak::ops {
namespace {

const std::set<std::string> kActive = {"PENDING", "RUNNING", "SUSPENDED", "REQUEUED", "RESIZING", "CONFIGURING",
                                       "COMPLETING", "STAGE_OUT", "SIGNALING", "HELD", "QUEUED", "UNKNOWN"};

std::string first_word(std::string s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  s = s.substr(b);
  return s.substr(0, s.find_first_of(" \t\r\n"));
}

}  // namespace

bool JobStatus::done() const { return !kActive.count(state); }
bool JobStatus::failed() const { return done() && state != "COMPLETED"; }

std::string normalise_slurm_state(const std::string& raw) {
  std::string s = first_word(raw);
  if (auto plus = s.find('+'); plus != std::string::npos) s = s.substr(0, plus);  // CANCELLED+
  if (s == "COMPLETING" || s == "CONFIGURING" || s == "STAGE_OUT" || s == "SIGNALING" || s == "RESIZING") return "RUNNING";
  if (s == "REQUEUED" || s == "REQUEUE_HOLD" || s == "REQUEUE_FED" || s == "RESV_DEL_HOLD") return "PENDING";
  if (s == "NODE_FAIL" || s == "BOOT_FAIL" || s == "OUT_OF_MEMORY" || s == "SPECIAL_EXIT" || s == "REVOKED" ||
      s == "PREEMPTED" || s == "DEADLINE")
    return "FAILED";
  if (s.empty()) return "UNKNOWN";
  return s;  // PENDING RUNNING SUSPENDED COMPLETED FAILED CANCELLED TIMEOUT
}

JobStatus parse_scontrol_job(std::string_view oneliner) {
  JobStatus st;
  auto recs = parse_scontrol_oneliner(oneliner);
  if (recs.empty()) return st;
  const SlurmRecord& r = recs.front();
  auto get = [&](const char* k) { auto it = r.find(k); return it == r.end() ? std::string{} : it->second; };
  st.id = get("JobId");
  st.name = get("JobName");
  st.raw_state = get("JobState");
  st.state = normalise_slurm_state(st.raw_state);
  st.exit_code = get("ExitCode");
  st.reason = get("Reason");
  if (st.reason == "None") st.reason.clear();
  // A job whose afterok dependency failed stays PENDING for ever (unless kill_invalid_depend).
  if (st.state == "PENDING" && st.reason.find("DependencyNeverSatisfied") != std::string::npos) st.state = "NEVER_RUNS";
  st.source = "scontrol";
  return st;
}

JobStatus parse_sacct(std::string_view text) {
  JobStatus st;
  std::string line(text.substr(0, text.find('\n')));
  auto bar = line.find('|');
  if (line.empty() || bar == std::string::npos) return st;
  st.raw_state = line.substr(0, bar);
  st.state = normalise_slurm_state(st.raw_state);
  st.exit_code = line.substr(bar + 1);
  while (!st.exit_code.empty() && (st.exit_code.back() == '|' || st.exit_code.back() == '\r')) st.exit_code.pop_back();
  st.source = "sacct";
  return st;
}

std::vector<JobStatus> parse_qstat_xml(std::string_view xml) {
  std::vector<JobStatus> out;
  if (xml.find_first_not_of(" \t\r\n") == std::string_view::npos) return out;  // no job at all
  XmlElement root = parse_xml(xml, "qstat -x XML");
  if (root.name != "Data") throw XmlError("qstat -x XML: the document element is <" + root.name + ">, not <Data>");
  for (const XmlElement* j : root.all("Job")) {
    JobStatus st;
    st.id = j->path_text("Job_Id");
    st.name = j->path_text("Job_Name");
    st.raw_state = j->path_text("job_state");
    st.exit_code = j->path_text("exit_status");
    if (st.exit_code.empty()) st.exit_code = j->path_text("Exit_status");  // PBS Pro spelling
    st.source = "qstat";
    const std::string& s = st.raw_state;
    if (s == "Q" || s == "H" || s == "W" || s == "T" || s == "M") st.state = "PENDING";
    else if (s == "R" || s == "E" || s == "B") st.state = "RUNNING";
    else if (s == "S" || s == "U") st.state = "SUSPENDED";
    else if (s == "C" || s == "F" || s == "X") {
      // Torque: exit_status < 0 = the job never ran properly (e.g. -1 dependency failed / deleted);
      // > 256: killed by a signal (256 + n)
      if (st.exit_code.empty()) st.state = "COMPLETED";
      else st.state = st.exit_code == "0" ? "COMPLETED" : (std::atoi(st.exit_code.c_str()) > 256 ? "CANCELLED" : "FAILED");
    } else st.state = "UNKNOWN";
    if (const XmlElement* c = j->child("comment")) st.reason = c->text;
    out.push_back(std::move(st));
  }
  return out;
}

namespace {

bool g_sacct_disabled = false;

JobStatus query_slurm(const std::string& id) {
  JobStatus st;
  st.id = id;
  if (!g_sacct_disabled && have_program("sacct")) {
    ProcessResult r = run_program("sacct", {"-X", "-n", "-P", "-o", "State,ExitCode", "-j", id}, "", std::chrono::seconds(20));
    if (r.exit_code == 0 && !r.out.empty()) {
      JobStatus s = parse_sacct(r.out);
      s.id = id;
      if (!s.state.empty() && s.state != "PENDING") return s;  // PENDING: scontrol knows the reason
    } else if (r.exit_code != 0 || r.timed_out) {
      g_sacct_disabled = true;  // "Slurm accounting storage is disabled": scontrol from now on
    }
  }
  ProcessResult r = run_program("scontrol", {"show", "job", "-o", id}, "", std::chrono::seconds(20));
  if (r.exit_code == 0 && r.out.find("JobId=") != std::string::npos) {
    JobStatus s = parse_scontrol_job(r.out);
    s.id = id;
    return s;
  }
  std::string why = r.timed_out ? "scontrol timed out" : first_word(r.err.empty() ? r.out : r.err);
  if (have_program("squeue")) {
    ProcessResult q = run_program("squeue", {"-h", "-j", id, "-o", "%T"}, "", std::chrono::seconds(20));
    if (q.exit_code == 0 && !first_word(q.out).empty()) {
      st.raw_state = first_word(q.out);
      st.state = normalise_slurm_state(st.raw_state);
      st.source = "squeue";
      return st;
    }
  }
  st.state = "UNKNOWN";
  st.reason = "the scheduler no longer knows job " + id + (r.err.empty() ? "" : " (" + r.err.substr(0, r.err.find('\n')) + ")");
  (void)why;
  st.source = "scontrol";
  return st;
}

}  // namespace

std::vector<JobStatus> query_jobs(const std::string& scheduler, const std::vector<std::string>& ids) {
  std::vector<JobStatus> out;
  if (scheduler == "slurm") {
    if (!have_program("scontrol")) throw MissingCommand("scontrol");
    for (const auto& id : ids) out.push_back(query_slurm(id));
    return out;
  }
  if (scheduler == "pbs") {
    ProcessResult r = run_program("qstat", {"-x"}, "", std::chrono::seconds(30));
    if (r.timed_out) throw std::runtime_error("qstat -x did not answer within 30 s");
    if (r.exit_code != 0) throw std::runtime_error("qstat -x failed (exit " + std::to_string(r.exit_code) + "): " + r.err);
    std::vector<JobStatus> all = parse_qstat_xml(r.out);
    for (const auto& id : ids) {
      JobStatus st;
      st.id = id;
      st.state = "UNKNOWN";
      st.reason = "qstat -x does not list job " + id;
      st.source = "qstat";
      std::string shortid = id.substr(0, id.find('.'));
      for (const auto& j : all)
        if (j.id == id || j.id.substr(0, j.id.find('.')) == shortid) st = j;
      out.push_back(st);
    }
    return out;
  }
  throw std::runtime_error("cannot follow jobs of scheduler '" + scheduler + "' (slurm and pbs/torque are supported)");
}

namespace {

std::string describe(const JobStatus& s) {
  std::string d = s.state;
  if (!s.exit_code.empty() && s.done()) d += " (exit " + s.exit_code + ")";
  if (s.state == "NEVER_RUNS") d += " (a job it depends on failed)";
  else if (!s.reason.empty() && !s.done()) d += " (" + s.reason + ")";
  return d;
}

}  // namespace

int follow_jobs(const std::vector<ChainJob>& jobs, const FollowOptions& opts, std::ostream& out, std::ostream& err) {
  using clock = std::chrono::steady_clock;
  auto start = clock::now();
  std::map<std::string, std::vector<std::string>> by_scheduler;
  for (const auto& j : jobs) by_scheduler[j.scheduler == "slurm" ? "slurm" : j.scheduler].push_back(j.id);
  std::map<std::string, std::string> last;  // id -> described state
  int drawn = 0;
  auto elapsed = [&] { return std::chrono::duration<double>(clock::now() - start).count(); };
  unsigned spin = 0;
  std::map<std::string, int> unknown_polls;  // a job the scheduler does not know for 3 polls is given up
  for (;;) {
    std::map<std::string, JobStatus> now;
    try {
      for (const auto& [sched, ids] : by_scheduler) {
        if (sched == "kubernetes") {
          for (const auto& id : ids) now[id] = JobStatus{id, "COMPLETED", "applied", "", "kubectl apply succeeded; not followed", "", "kubectl"};
          continue;
        }
        for (JobStatus& s : query_jobs(sched, ids)) now[s.id] = s;
      }
    } catch (const MissingCommand& e) {
      err << "modak: error: " << e.what() << " (needed to follow the jobs)\n";
      return kFollowError;
    } catch (const std::exception& e) {
      err << "modak: error: " << e.what() << "\n";
      return kFollowError;
    }
    bool all_done = true, any_failed = false;
    std::vector<std::string> unknown;
    for (const auto& j : jobs) {
      const JobStatus& s = now[j.id];
      bool settled = s.done();
      if (s.state == "UNKNOWN") {
        settled = ++unknown_polls[j.id] >= 3 || !opts.watch;
        if (settled) unknown.push_back(j.id);
      } else {
        unknown_polls[j.id] = 0;
      }
      all_done = all_done && settled;
      any_failed = any_failed || s.failed();
    }
    if (opts.terminal) {
      if (drawn) out << "\033[" << drawn << "A";
      drawn = 0;
      static const char* spinner = "|/-\\";
      for (const auto& j : jobs) {
        const JobStatus& s = now[j.id];
        out << "\r\033[K  " << std::left << std::setw(24) << (j.node.empty() ? s.name : j.node) << " " << std::setw(10) << j.id
            << " " << describe(s) << "\n";
        ++drawn;
      }
      int finished = 0;
      for (const auto& j : jobs) finished += now[j.id].done() ? 1 : 0;
      out << "\r\033[K" << (all_done ? (any_failed ? "FAILED" : "done") : std::string(1, spinner[spin++ % 4])) << " " << finished
          << "/" << jobs.size() << " finished, " << static_cast<int>(elapsed()) << " s\n";
      ++drawn;
      out.flush();
    } else {
      for (const auto& j : jobs) {
        const JobStatus& s = now[j.id];
        std::string d = describe(s);
        if (last[j.id] == d) continue;
        last[j.id] = d;
        nlohmann::json line = {{"event", "state"}, {"id", j.id}, {"node", j.node}, {"name", j.name.empty() ? s.name : j.name},
                               {"state", s.state}, {"scheduler_state", s.raw_state}, {"exit_code", s.exit_code},
                               {"source", s.source}, {"elapsed_s", std::round(elapsed() * 10) / 10}};
        if (!s.reason.empty()) line["reason"] = s.reason;
        out << line.dump() << "\n";
      }
      out.flush();
    }
    if (all_done || !opts.watch) {
      std::vector<std::string> failed;
      for (const auto& j : jobs)
        if (now[j.id].failed()) failed.push_back(j.id);
      if (!opts.terminal) {
        nlohmann::json line = {{"event", all_done ? "done" : "status"}, {"ok", failed.empty() && unknown.empty()}, {"failed", failed}, {"unknown", unknown},
                               {"elapsed_s", std::round(elapsed() * 10) / 10}};
        out << line.dump() << "\n";
      }
      for (const auto& j : jobs)
        if (now[j.id].failed())
          err << "modak: job " << j.id << " (" << (j.node.empty() ? now[j.id].name : j.node) << ") " << describe(now[j.id])
              << (now[j.id].state == "NEVER_RUNS" ? "; cancel it with scancel " + j.id : "") << "\n";
      if (!failed.empty()) return kFollowJobFailed;
      if (!unknown.empty()) {
        for (const auto& id : unknown) err << "modak: error: " << now[id].reason << "\n";
        return kFollowError;
      }
      return kFollowOk;
    }
    if (opts.timeout_s > 0 && elapsed() >= opts.timeout_s) {
      std::string pending;
      for (const auto& j : jobs)
        if (!now[j.id].done()) pending += " " + j.id + " (" + now[j.id].state + ")";
      if (!opts.terminal)
        out << nlohmann::json({{"event", "timeout"}, {"timeout_s", opts.timeout_s}, {"elapsed_s", std::round(elapsed() * 10) / 10}}).dump() << "\n";
      err << "modak: error: timed out after " << opts.timeout_s << " s; still not finished:" << pending
          << " (the jobs keep running; follow them with modak status --watch)\n";
      return kFollowTimeout;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int>(opts.interval_s * 1000)));
  }
}

}  // namespace modak::ops
