#include "plugin/submit/submit.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "plugin/submit/process.h"
#include "tosca/diag/diagnostics.h"
#include "tosca/yaml/loader.h"
#include "tosca/yaml/node.h"

namespace modak::ops {
namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw ChainError("cannot read " + p.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string text_of(const yaml::Node* n) { return n && n->is_scalar() && !n->is_null() ? n->text : std::string{}; }

std::string scheduler_of(const std::string& file) {
  if (file.ends_with(".sbatch")) return "slurm";
  if (file.ends_with(".pbs")) return "pbs";
  if (file.ends_with(".yaml") || file.ends_with(".yml")) return "kubernetes";
  return "";
}

// requirement targets: for `- name: target` or `- name: {node: target}` entries
std::vector<std::pair<std::string, std::string>> requirements(const yaml::Node* tmpl) {
  std::vector<std::pair<std::string, std::string>> out;
  const yaml::Node* reqs = tmpl && tmpl->is_map() ? tmpl->get("requirements") : nullptr;
  if (!reqs || !reqs->is_seq()) return out;
  for (const yaml::Node* r : reqs->children)
    for (auto [k, v] : yaml::map_entries(r)) {
      std::string target = v->is_map() ? text_of(v->get("node")) : text_of(v);
      if (!target.empty()) out.emplace_back(k->text, target);
    }
  return out;
}

std::string now_iso() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

}  // namespace

JobChain job_chain_from_text(const std::string& service_yaml, const std::vector<std::pair<std::string, std::string>>& scripts,
                             const std::string& jobs_dir) {
  yaml::Arena arena;
  yaml::SourceTable sources;
  diag::Sink sink;
  const yaml::Node* root = yaml::load_yaml(service_yaml, sources.add("service.yaml"), sources, arena, sink);
  if (!root || sink.has_errors()) throw ChainError("service.yaml: not valid YAML:\n" + diag::render_text(sink.all()));
  const yaml::Node* tt = root->is_map() ? root->get("topology_template") : nullptr;
  const yaml::Node* nodes = tt && tt->is_map() ? tt->get("node_templates") : nullptr;

  JobChain chain;
  std::map<std::string, std::string> type_of;
  for (auto [k, v] : yaml::map_entries(nodes && nodes->is_map() ? nodes : nullptr)) type_of[k->text] = text_of(v->is_map() ? v->get("type") : nullptr);

  // JobExecution nodes and their scripts
  std::map<std::string, std::size_t> index;  // JobExecution node -> jobs[i]
  std::set<std::string> used_scripts;
  for (auto [k, v] : yaml::map_entries(nodes && nodes->is_map() ? nodes : nullptr)) {
    const std::string& type = type_of[k->text];
    if (type.find("JobExecution") == std::string::npos) continue;
    const yaml::Node* props = v->is_map() ? v->get("properties") : nullptr;
    std::string content = text_of(props && props->is_map() ? props->get("content") : nullptr);
    std::string job_name = text_of(props && props->is_map() ? props->get("job_name") : nullptr);
    ChainJob job;
    job.node = k->text;
    job.name = job_name.empty() ? k->text : job_name;
    for (const auto& [file, text] : scripts)
      if (!content.empty() && text == content && !used_scripts.count(file)) {
        job.script = (fs::path(jobs_dir) / file).string();
        used_scripts.insert(file);
        break;
      }
    if (job.script.empty())  // content changed by hand: fall back to the job name
      for (const auto& [file, text] : scripts)
        if (fs::path(file).stem() == job.name && !used_scripts.count(file)) {
          job.script = (fs::path(jobs_dir) / file).string();
          used_scripts.insert(file);
          break;
        }
    if (job.script.empty())
      throw ChainError("node '" + job.node + "' (" + type + "): no script in " + jobs_dir +
                       " holds its content; render the blueprint again with modak preprocess");
    job.scheduler = scheduler_of(job.script);
    index[job.node] = chain.jobs.size();
    chain.jobs.push_back(std::move(job));
  }
  if (chain.jobs.empty()) {
    for (const auto& [file, text] : scripts) {
      ChainJob job;
      job.node = fs::path(file).stem().string();
      job.name = job.node;
      job.script = (fs::path(jobs_dir) / file).string();
      job.scheduler = scheduler_of(file);
      chain.jobs.push_back(std::move(job));
    }
    std::sort(chain.jobs.begin(), chain.jobs.end(), [](const ChainJob& a, const ChainJob& b) { return a.script < b.script; });
    return chain;
  }

  // workflow nodes: Job -> execution: JobExecution; Result -> job: Job
  std::map<std::string, std::string> exec_of;  // workflow node -> JobExecution node
  for (auto [k, v] : yaml::map_entries(nodes)) {
    const std::string& type = type_of[k->text];
    if (type.find("workflow.Job") != std::string::npos)
      for (auto [rn, target] : requirements(v))
        if (rn == "execution" && index.count(target)) exec_of[k->text] = target;
  }
  for (auto [k, v] : yaml::map_entries(nodes)) {
    const std::string& type = type_of[k->text];
    if (type.find("workflow.Result") != std::string::npos)
      for (auto [rn, target] : requirements(v))
        if (rn == "job" && exec_of.count(target)) exec_of[k->text] = exec_of[target];
  }
  for (const auto& [n, i] : index) exec_of[n] = n;  // a dependency may name the JobExecution itself
  for (auto [k, v] : yaml::map_entries(nodes)) {
    auto self = exec_of.find(k->text);
    if (self == exec_of.end()) continue;
    for (auto [rn, target] : requirements(v)) {
      if (rn != "dependency") continue;
      auto dep = exec_of.find(target);
      if (dep == exec_of.end())
        throw ChainError("node '" + std::string(k->text) + "': dependency '" + target +
                         "' is no job of the chain (a workflow Job/Result or JobExecution node)");
      auto& after = chain.jobs[index[self->second]].after;
      if (dep->second != self->second && std::find(after.begin(), after.end(), dep->second) == after.end())
        after.push_back(dep->second);
    }
  }
  // topological order, stable in declaration order
  std::vector<ChainJob> ordered;
  std::set<std::string> placed, visiting;
  std::function<void(std::size_t)> place = [&](std::size_t i) {
    const ChainJob& j = chain.jobs[i];
    if (placed.count(j.node)) return;
    if (visiting.count(j.node)) throw ChainError("the job chain has a dependency cycle through '" + j.node + "'");
    visiting.insert(j.node);
    for (const auto& a : j.after) place(index[a]);
    visiting.erase(j.node);
    placed.insert(j.node);
    ordered.push_back(j);
  };
  for (std::size_t i = 0; i < chain.jobs.size(); ++i) place(i);
  chain.jobs = std::move(ordered);
  return chain;
}

JobChain read_job_chain(const std::string& outdir) {
  fs::path dir = fs::absolute(outdir);
  fs::path service = dir / "service.yaml";
  if (!fs::exists(service)) service = dir / "service.yml";
  if (!fs::is_directory(dir)) throw ChainError(outdir + ": no such directory (give the -o directory of modak preprocess)");
  std::vector<std::pair<std::string, std::string>> scripts;
  for (const char* sub : {"jobs", "manifests"}) {
    if (!fs::is_directory(dir / sub)) continue;
    for (const auto& e : fs::directory_iterator(dir / sub)) {
      std::string f = e.path().filename().string();
      if (!scheduler_of(f).empty() && e.is_regular_file())
        scripts.emplace_back((std::string(sub) == "jobs" ? "" : "../manifests/") + f, read_text(e.path()));
    }
  }
  std::sort(scripts.begin(), scripts.end());
  if (scripts.empty()) throw ChainError(outdir + ": no job script (jobs/*.sbatch, jobs/*.pbs) or manifest (manifests/*.yaml) to submit");
  std::string yaml_text = fs::exists(service) ? read_text(service) : std::string{};
  JobChain c = job_chain_from_text(yaml_text, scripts, (dir / "jobs").string());
  c.outdir = dir.string();
  for (auto& j : c.jobs) j.script = fs::weakly_canonical(j.script).string();
  return c;
}

std::vector<std::string> submit_command(const ChainJob& job, const std::vector<std::string>& after_ids) {
  std::string joined;
  for (const auto& id : after_ids) joined += ":" + id;
  if (job.scheduler == "slurm") {
    std::vector<std::string> cmd = {"sbatch", "--parsable"};
    if (!after_ids.empty()) cmd.push_back("--dependency=afterok" + joined);
    cmd.push_back(job.script);
    return cmd;
  }
  if (job.scheduler == "pbs") {
    std::vector<std::string> cmd = {"qsub"};
    if (!after_ids.empty()) cmd.insert(cmd.end(), {"-W", "depend=afterok" + joined});
    cmd.push_back(job.script);
    return cmd;
  }
  if (job.scheduler == "kubernetes") return {"kubectl", "apply", "-f", job.script};
  throw SubmitError("'" + job.script + "': unknown job script kind (expected .sbatch, .pbs or a manifest .yaml)");
}

std::string parse_job_id(const std::string& scheduler, const std::string& out) {
  std::string line = out.substr(0, out.find('\n'));
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  if (scheduler == "slurm") {
    // --parsable: "12345" or "12345;cluster"; without it "Submitted batch job 12345"
    std::string id = line.substr(0, line.find(';'));
    if (auto sp = id.rfind(' '); sp != std::string::npos) id = id.substr(sp + 1);
    if (id.empty() || id.find_first_not_of("0123456789_") != std::string::npos) return {};
    return id;
  }
  if (scheduler == "kubernetes") {
    auto sp = line.find(' ');
    return line.substr(0, sp);
  }
  // qsub: "123.server" (Torque/PBS Pro) or "123"
  if (line.empty() || line.find(' ') != std::string::npos) return {};
  return line;
}

void write_job_record(const JobChain& chain, const std::string& workdir) {
  nlohmann::json j;
  j["modak_jobs"] = 1;
  j["outdir"] = chain.outdir;
  j["workdir"] = workdir;
  j["submitted_at"] = now_iso();
  j["jobs"] = nlohmann::json::array();
  std::map<std::string, std::string> id_of;
  for (const auto& job : chain.jobs) id_of[job.node] = job.id;
  for (const auto& job : chain.jobs) {
    if (job.id.empty()) continue;
    std::vector<std::string> after_ids;
    for (const auto& a : job.after) after_ids.push_back(id_of[a]);
    j["jobs"].push_back({{"node", job.node}, {"name", job.name}, {"script", job.script}, {"scheduler", job.scheduler},
                         {"id", job.id}, {"after", job.after}, {"after_ids", after_ids}});
  }
  fs::path p = fs::path(chain.outdir) / ".modak-jobs.json";
  fs::path tmp = p;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << j.dump(2) << "\n";
    if (!out) throw SubmitError("cannot write " + tmp.string());
  }
  fs::rename(tmp, p);
}

JobChain read_job_record(const std::string& outdir) {
  fs::path p = fs::path(outdir) / ".modak-jobs.json";
  if (!fs::exists(p)) throw ChainError(p.string() + " does not exist: nothing was submitted from " + outdir + " (run modak submit first)");
  JobChain c;
  try {
    nlohmann::json j = nlohmann::json::parse(read_text(p));
    c.outdir = j.value("outdir", outdir);
    for (const auto& e : j.at("jobs")) {
      ChainJob job;
      job.node = e.value("node", "");
      job.name = e.value("name", "");
      job.script = e.value("script", "");
      job.scheduler = e.value("scheduler", "slurm");
      job.id = e.at("id").get<std::string>();
      job.after = e.value("after", std::vector<std::string>{});
      c.jobs.push_back(std::move(job));
    }
  } catch (const nlohmann::json::exception& e) {
    throw ChainError(p.string() + ": malformed: " + e.what());
  }
  return c;
}

void submit_chain(JobChain& chain, const SubmitOptions& opts) {
  std::string workdir = opts.workdir.empty() ? chain.outdir : opts.workdir;
  fs::create_directories(workdir);
  std::map<std::string, std::string> id_of;
  for (ChainJob& job : chain.jobs) {
    std::vector<std::string> after_ids;
    for (const auto& a : job.after) {
      auto it = id_of.find(a);
      if (it == id_of.end()) throw SubmitError("internal: '" + job.node + "' depends on '" + a + "', which was not submitted");
      after_ids.push_back(it->second);
    }
    if (job.scheduler == "kubernetes" && !std::getenv("KUBECONFIG") &&
        !fs::exists(fs::path(std::getenv("HOME") ? std::getenv("HOME") : "/") / ".kube" / "config"))
      throw SubmitError("'" + job.script + "' is a Kubernetes manifest but no cluster is configured (set KUBECONFIG)");
    std::vector<std::string> cmd = submit_command(job, after_ids);
    std::vector<std::string> args(cmd.begin() + 1, cmd.end());
    ProcessResult r;
    try {
      r = run_program(cmd[0], args, workdir, std::chrono::seconds(120));
    } catch (const MissingCommand& e) {
      std::string pkg = cmd[0] == "sbatch" ? "Slurm's client commands (Debian: slurm-client)"
                        : cmd[0] == "qsub" ? "the PBS/Torque client commands"
                                           : "kubectl";
      throw SubmitError(std::string(e.what()) + ": job '" + job.name + "' needs " + pkg);
    }
    if (r.timed_out) throw SubmitError(cmd[0] + " did not answer within 120 s for job '" + job.name + "'");
    if (r.exit_code != 0) {
      std::string err = r.err.empty() ? r.out : r.err;
      while (!err.empty() && err.back() == '\n') err.pop_back();
      write_job_record(chain, workdir);
      throw SubmitError(cmd[0] + " rejected job '" + job.name + "' (" + job.script + "), exit status " +
                        std::to_string(r.exit_code) + ": " + err);
    }
    job.id = parse_job_id(job.scheduler, r.out);
    if (job.id.empty()) throw SubmitError(cmd[0] + " printed no job id for '" + job.name + "': " + r.out);
    id_of[job.node] = job.id;
    write_job_record(chain, workdir);
    if (opts.on_submitted) opts.on_submitted(job);
  }
}

}  // namespace modak::ops
