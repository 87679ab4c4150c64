#include "adapters/modak_layout.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "adapters/batch_script.h"
#include "adapters/shell.h"
#include "tosca/diag/diagnostics.h"
#include "tosca/yaml/loader.h"

namespace modak::adapters {

namespace fs = std::filesystem;

namespace {

std::string scalar(const yaml::Node* n, std::string_view key, const std::string& fallback = "") {
  const yaml::Node* v = n ? n->get(key) : nullptr;
  return v && v->is_scalar() && !v->is_null() ? v->text : fallback;
}

ModakScript read_script(const yaml::Node* f) {
  ModakScript s;
  s.fragment = scalar(f, "id");
  s.stage = scalar(f, "stage", "pre");
  if (const yaml::Node* env = f->get("env"); env && env->is_map())
    for (auto [k, v] : yaml::map_entries(env))
      if (v->is_scalar()) s.env.emplace_back(k->text, v->text);
  if (const yaml::Node* cmds = f->get("commands"); cmds && cmds->is_seq())
    for (const yaml::Node* c : cmds->children)
      if (c->is_scalar()) s.commands.push_back(c->text);
  if (const yaml::Node* ms = f->get("modak_script"); ms && ms->is_map()) {
    s.uuid = scalar(ms, "uuid");
    s.raw = scalar(ms, "raw");
  }
  return s;
}

bool safe_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("_./=:,+@%-").find(c) != std::string_view::npos;
}

bool bare_safe(const std::string& w) { return !w.empty() && std::all_of(w.begin(), w.end(), safe_char); }

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words)
    if (!w.empty()) out += (out.empty() ? "" : " ") + w;
  return out;
}

// Backslash-newline is a line continuation for the shell: it joins, it is no character.
std::string unfold(std::string s) {
  for (auto p = s.find("\\\n"); p != std::string::npos; p = s.find("\\\n", p)) s.replace(p, 2, " ");
  return s;
}

std::vector<std::string> words_of(const std::string& text, const std::string& what, std::vector<std::string>& notes) {
  std::vector<std::string> w;
  if (!split_words(unfold(text), w)) {
    notes.push_back(what + " has unbalanced quotes; passed as a single quoted word");
    w = {text};
  }
  return w;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (auto p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
  return s;
}

std::string rtrim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  return s;
}

// "{{ NAME }}" (Jinja) with any spacing.
std::string render_var(std::string text, const std::string& name, const std::string& value) {
  for (const char* sp : {"", " "}) text = replace_all(text, std::string("{{") + sp + name + sp + "}}", value);
  return text;
}

std::string torque_mail(const std::set<std::string>& e) {
  std::string out;
  if (e.count("fail")) out += 'a';
  if (e.count("begin")) out += 'b';
  if (e.count("end")) out += 'e';
  return out.empty() ? "n" : out;
}

std::string slurm_mail(const std::set<std::string>& e) {
  std::string out;
  for (const char* w : {"begin", "end", "fail"})
    if (e.count(w)) out += std::string(out.empty() ? "" : ",") + (w[0] == 'b' ? "BEGIN" : w[0] == 'e' ? "END" : "FAIL");
  return out.empty() ? "NONE" : out;
}

// The container part of every command line (MODAK's CEXEC); empty without a container.
std::string container_exec(const Job& j, bool gpu, bool run, std::vector<std::string>& notes) {
  if (j.image.empty() || j.container_runtime == "none" || j.container_runtime.empty()) return "";
  if (j.container_runtime == "podman") {
    std::string ref = j.image.rfind("docker://", 0) == 0 ? j.image.substr(9) : j.image;
    if (ref.find("://") != std::string::npos) notes.push_back("podman cannot pull '" + j.image + "'; passed as is");
    return std::string("podman run --rm -v \"$PWD:$PWD\" -w \"$PWD\"") + (gpu ? " --device nvidia.com/gpu=all" : "") +
           (ref.rfind('-', 0) == 0 ? " -- " : " ") + modak_word(ref);  // an image is never an option
  }
  std::string rt = j.container_runtime == "apptainer" ? "apptainer" : "singularity";
  return rt + (run ? " run" : " exec") + (gpu ? " \"--nv\"" : "") + " \"" + modak_sif_path(j.image) + "\"";
}

void write_scripts(std::string& out, const ModakLayout& l, const std::string& stage) {
  for (const auto& s : l.scripts) {
    if (s.stage != stage) continue;
    const std::string id = s.uuid.empty() ? s.fragment : s.uuid;
    std::string text;
    if (!s.raw.empty()) {
      text = render_var(s.raw, "preferred_storage_location", l.storage_location);
    } else {
      std::vector<std::string> lines;
      for (const auto& [k, v] : s.env) lines.push_back("export " + k + "=" + single_quote(v));
      lines.insert(lines.end(), s.commands.begin(), s.commands.end());
      for (const auto& x : lines) text += (text.empty() ? "" : "\n") + x;
    }
    out += "# MODAK: Start Script<id=" + id + ">\n" + text + "\n# MODAK: End   Script<id=" + id + ">\n";
  }
}

std::vector<std::string> dependency_ids(const Job& j) {
  std::vector<std::string> ids;
  for (std::string id : j.after_ok) {
    if (auto eq = id.find('='); eq != std::string::npos) id = id.substr(eq + 1);
    if (id.empty() || id == "afterok" || id == "depend") continue;
    ids.push_back(id);
  }
  return ids;
}

}  // namespace

std::string modak_word(const std::string& word) { return bare_safe(word) ? word : shell_word(word); }

std::string modak_walltime(long s, const std::string& scheduler) {
  char buf[64];
  if (scheduler == "slurm" && s >= 86400)
    std::snprintf(buf, sizeof buf, "%ld-%02ld:%02ld:%02ld", s / 86400, (s % 86400) / 3600, (s % 3600) / 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s % 3600) / 60, s % 60);
  return buf;
}

std::string modak_sif_path(const std::string& uri) {
  std::string last = uri.substr(uri.find_last_of('/') == std::string::npos ? 0 : uri.find_last_of('/') + 1);
  for (char& c : last) {
    if (c == ':') c = '_';
    else if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') c = '_';
  }
  return "$SINGULARITY_DIR/" + last + ".sif";
}

std::map<std::string, ModakScript> load_modak_scripts(const std::string& share_dir, std::vector<std::string>& errors) {
  std::map<std::string, ModakScript> out;
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::directory_iterator it(fs::path(share_dir) / "environment", ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".yaml" || it->path().extension() == ".yml") files.push_back(it->path());
  std::sort(files.begin(), files.end());
  yaml::Arena arena;
  yaml::SourceTable sources;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string content = ss.str();
    diag::Sink sink;
    auto id = sources.add(f.string());
    const yaml::Node* root = yaml::load_yaml(content, id, sources, arena, sink);
    if (!root || sink.has_errors()) {
      errors.push_back(f.string() + ": not readable YAML");
      continue;
    }
    if (const yaml::Node* fr = root->get("fragments"); fr && fr->is_seq())
      for (const yaml::Node* n : fr->children)
        if (n->is_map()) {
          ModakScript s = read_script(n);
          if (!s.fragment.empty()) out[s.fragment] = s;
        }
  }
  return out;
}

Job modak_job(const opt::Request& r, const opt::Decision& d, const std::string& fallback_name) {
  Job j = make_job(r, d, fallback_name);
  const opt::Fields& jo = r.job_options;
  if (auto n = jo.integer("node_count")) j.nodes = static_cast<int>(*n);
  if (auto p = jo.integer("process_count_per_node")) {
    j.tasks_per_node = static_cast<int>(*p);
  } else if (auto c = jo.integer("core_count"); c && jo.has("node_count") && j.nodes > 0) {
    // MODAK forced ppn=1 here (its default); the cores asked for, spread over the nodes, is
    // what the request means.
    j.tasks_per_node = static_cast<int>((*c + j.nodes - 1) / j.nodes);
  }
  if (auto g = jo.integer("request_gpus")) j.gpus_per_node = static_cast<int>(*g);
  return j;
}

ModakLayout modak_layout_for(const opt::Request& r, const opt::Decision& d, const std::map<std::string, ModakScript>& known,
                             const std::string& scheduler) {
  ModakLayout l;
  l.scheduler = scheduler;
  l.app_type = r.application.str("app_type").value_or("");
  if ((l.app_type.empty()) && (d.launcher == "mpirun" || d.launcher == "srun")) l.app_type = "mpi";
  l.node_count_given = r.job_options.has("node_count");
  l.core_count = r.job_options.integer("core_count");
  l.cpus_per_task = r.job_options.integer("core_count_per_process");
  l.notification = r.job_options.str("request_event_notification").value_or("");
  l.job_dependency = r.job_options.str("job_dependency").value_or("");
  if (d.storage) l.storage_location = d.storage->path;
  for (const auto& id : d.fragments) {
    auto it = known.find(id);
    if (it != known.end()) l.scripts.push_back(it->second);
    else l.scripts.push_back(ModakScript{id, "", "pre", "", {}, {}});
  }
  return l;
}

std::string render_modak_script(const Job& j, const ModakLayout& l, std::vector<std::string>& notes) {
  notes.insert(notes.end(), j.notes.begin(), j.notes.end());
  const bool torque = l.scheduler == "torque" || l.scheduler == "pbs" || l.scheduler == "pbspro";
  const bool slurm = l.scheduler == "slurm";
  auto v = [&](const std::string& value, const std::string& what) { return directive_value(value, what, notes); };
  // MODAK: a core_count with a node_count asked for two contradicting processor counts; the
  // nodes spec is the complete one, so procs= / -n is written only when no node_count is given.
  const bool nodes_line = l.node_count_given || !l.core_count;
  const bool procs_line = l.core_count && !l.node_count_given;
  if (l.core_count && l.node_count_given && *l.core_count != static_cast<long>(j.nodes) * j.tasks_per_node)
    notes.push_back("core_count " + std::to_string(*l.core_count) + " contradicts node_count x process_count_per_node (" +
                    std::to_string(j.nodes) + " x " + std::to_string(j.tasks_per_node) +
                    "); the node spec is kept, core_count is left out");
  bool gpu = j.gpus_per_node > 0;
  if (torque && gpu && !nodes_line) {
    notes.push_back("request_gpus needs a node count in Torque's nodes= spec; no GPU is requested");
    gpu = false;
  }
  const std::vector<std::string> deps = dependency_ids(j);

  std::string out;
  auto d = [&](const std::string& line) { out += (torque ? "#PBS " : "#SBATCH ") + line + "\n"; };
  if (torque) {
    out += "#PBS -S /bin/bash\n## START OF HEADER ##\n";
    if (!j.name.empty()) d("-N " + v(j.name, "job_name"));
    if (!j.account.empty()) d("-A " + v(j.account, "account"));
    if (!j.queue.empty()) d("-q " + v(j.queue, "queue"));
    if (j.walltime_seconds) d("-l walltime=" + modak_walltime(*j.walltime_seconds, "torque"));
    if (nodes_line) {
      std::string spec = "nodes=" + std::to_string(j.nodes) + ":ppn=" + std::to_string(j.tasks_per_node);
      if (gpu) spec += ":gpus=" + std::to_string(j.gpus_per_node);
      d("-l " + spec);
    }
    if (procs_line) d("-l procs=" + std::to_string(*l.core_count));
    if (j.memory_mb) d("-l mem=" + std::to_string(*j.memory_mb * j.nodes) + "mb");
    if (j.memory_per_cpu_mb) d("-l pmem=" + std::to_string(*j.memory_per_cpu_mb) + "mb");
    if (!j.nodelist.empty()) d("-l host=" + v(j.nodelist, "request_specific_nodes"));
    if (!j.array.empty()) d("-t " + v(j.array, "job_array"));
    if (!j.output.empty()) d("-o " + v(j.output, "standard_output_file"));
    if (!j.error.empty()) d("-e " + v(j.error, "standard_error_file"));
    if (j.join_output) d("-j oe");
    if (!j.partition.empty()) d("-l partition=" + v(j.partition, "partition"));
    if (j.export_all) d("-V");
    if (!j.export_vars.empty()) {
      std::string list;
      for (const auto& [k, val] : j.export_vars)
        list += (list.empty() ? "" : ",") + v(k, "exported variable") + (val.empty() ? "" : "=" + v(val, "exported value"));
      d("-v " + list);
    }
    if (!deps.empty()) {
      std::string dep = "depend=afterok";
      for (const auto& id : deps) dep += ":" + v(id, "job_dependency");
      d("-W " + dep);
    }
    if (!l.notification.empty()) d("-m " + torque_mail(j.mail_events));
    if (!j.mail_user.empty()) d("-M " + v(j.mail_user, "email_address"));
    if (!j.begin.empty()) {
      bool ok = !j.begin.empty() && std::all_of(j.begin.begin(), j.begin.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '.'; });
      if (ok) d("-a " + j.begin);
      else notes.push_back("defer_job '" + j.begin + "' is not PBS's [[CC]YY]MMDDhhmm[.SS]; left out");
    }
    if (j.exclusive) d("-l naccesspolicy=singlejob");
    out += "## END OF HEADER ##\n\ncd \"${PBS_O_WORKDIR}\"\nexport PATH=\"${PBS_O_WORKDIR}:${PATH}\"\n";
  } else if (slurm) {
    out += "#!/bin/bash\n## START OF HEADER ##\n";
    if (!j.name.empty()) d("-J " + v(j.name, "job_name"));
    if (!j.account.empty()) d("-A " + v(j.account, "account"));
    if (!j.queue.empty()) d("--partition=" + v(j.queue, "queue"));
    if (j.walltime_seconds) d("--time=" + modak_walltime(*j.walltime_seconds, "slurm"));
    if (nodes_line) d("-N " + std::to_string(j.nodes));
    if (procs_line) d("-n " + std::to_string(*l.core_count));
    d("--ntasks-per-node=" + std::to_string(j.tasks_per_node));
    if (l.cpus_per_task) d("--cpus-per-task=" + std::to_string(*l.cpus_per_task));
    if (j.memory_mb) d("--mem=" + std::to_string(*j.memory_mb) + "M");
    if (j.memory_per_cpu_mb) d("--mem-per-cpu=" + std::to_string(*j.memory_per_cpu_mb) + "M");
    if (gpu) d("--gres=gpu:" + std::to_string(j.gpus_per_node));
    if (!j.nodelist.empty()) d("--nodelist=" + v(j.nodelist, "request_specific_nodes"));
    if (!j.array.empty()) d("-a " + v(j.array, "job_array"));
    if (!j.output.empty()) d("--output=" + v(j.output, "standard_output_file"));
    if (!j.error.empty()) d("--error=" + v(j.error, "standard_error_file"));
    if (!j.partition.empty()) d("-C " + v(j.partition, "partition"));
    if (j.export_all || !j.export_vars.empty()) {
      std::string list = j.export_all ? "ALL" : "";
      for (const auto& [k, val] : j.export_vars)
        list += (list.empty() ? "" : ",") + v(k, "exported variable") + (val.empty() ? "" : "=" + v(val, "exported value"));
      d("--export=" + list);
    }
    if (!deps.empty()) {
      std::string dep = "afterok";
      for (const auto& id : deps) dep += ":" + v(id, "job_dependency");
      d("--dependency=" + dep);
    }
    if (!l.notification.empty()) d("--mail-type=" + slurm_mail(j.mail_events));
    if (!j.mail_user.empty()) d("--mail-user=" + v(j.mail_user, "email_address"));
    if (!j.begin.empty()) d("--begin=" + v(j.begin, "defer_job"));
    if (j.exclusive) d("--exclusive");
    out += "## END OF HEADER ##\n\ncd \"${SLURM_SUBMIT_DIR}\"\nexport PATH=\"${SLURM_SUBMIT_DIR}:${PATH}\"\n";
  } else {
    out += "#!/bin/bash\n\n";
  }

  write_scripts(out, l, "pre");

  std::vector<std::string> cmd;
  for (const auto& w : words_of(j.executable, "executable", notes)) cmd.push_back(modak_word(w));
  const bool no_exe = cmd.empty();
  for (const auto& w : words_of(j.arguments, "arguments", notes)) cmd.push_back(modak_word(w));
  const std::string cexec = container_exec(j, gpu, no_exe, notes);
  if (no_exe && cexec.empty()) notes.push_back("neither an executable nor a container: nothing to run");

  if (j.build) {
    const std::string& src = j.build->src;
    if (src.size() >= 4 && src.compare(src.size() - 4, 4, ".git") == 0) {
      out += "\ngit clone " + modak_word(src) + "\n";
    } else {
      // Verified download (MODAK: --no-check-certificate), into a fixed name so that a re-run
      // replaces the file instead of leaving "file.1" and building the old one.
      std::string name = src.substr(0, src.find_first_of("?#"));
      name = name.substr(name.find_last_of('/') == std::string::npos ? 0 : name.find_last_of('/') + 1);
      if (src.rfind("http://", 0) == 0) notes.push_back("build.src '" + src + "' is plain http: nothing verifies it");
      out += "\nwget " + (bare_safe(name) ? "-O " + name + " " : std::string()) + modak_word(src) + "\n";
    }
    std::string command = rtrim(render_var(j.build->command, "BUILD_PARALLELISM", std::to_string(j.build->parallelism)));
    if (!command.empty()) {
      std::vector<std::string> w;
      bool plain = split_words(command, w) && join(w) == command &&
                   std::all_of(w.begin(), w.end(), [](const std::string& x) { return bare_safe(x); });
      // Words a shell does not interpret are written as they are (MODAK's text); anything else
      // runs as one `sh -c` inside the container instead of being pasted into the job script.
      std::string line = plain ? command : "sh -c " + single_quote(command);
      out += "\n" + join({container_exec(j, gpu, false, notes), line}) + "\n";
    }
  }

  const bool mpi = l.app_type == "mpi" || l.app_type == "hpc";
  if (mpi) {
    out += "\nexport OMP_NUM_THREADS=" + std::to_string(j.threads) + "\n";
    std::string launcher = slurm ? "srun -n " + std::to_string(j.ranks) : "mpirun -np " + std::to_string(j.ranks);
    out += join({launcher, cexec, join(cmd)}) + "\n";
  } else {
    out += join({cexec, join(cmd)}) + "\n";
  }

  write_scripts(out, l, "post");
  return out;
}

}  // namespace modak::adapters
