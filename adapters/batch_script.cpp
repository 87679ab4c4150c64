#include "adapters/batch_script.h"

#include <cstdio>

#include "adapters/shell.h"

namespace modak::adapters {

std::string hms(long s) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%02ld:%02ld:%02ld", s / 3600, (s % 3600) / 60, s % 60);
  return buf;
}

std::string directive_value(const std::string& value, const std::string& what, std::vector<std::string>& notes) {
  std::string out;
  bool changed = false;
  for (char c : value) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || std::string_view("._-%@+,:=/").find(c) != std::string_view::npos;
    out += ok ? c : '_';
    changed |= !ok;
  }
  if (changed) notes.push_back(what + " '" + value + "' has characters a directive line cannot carry safely; written as '" + out + "'");
  return out;
}

namespace {

std::vector<std::string> words_of(const std::string& text, const std::string& what, std::vector<std::string>& notes) {
  std::vector<std::string> w;
  if (!split_words(text, w)) {
    notes.push_back(what + " has unbalanced quotes; passed as a single word");
    w = {text};
  }
  return w;
}

// docker://x/y:t -> docker.io/x/y:t for podman; other schemes are not pullable by podman.
std::string podman_reference(const std::string& uri, std::vector<std::string>& notes) {
  const std::string docker = "docker://";
  if (uri.rfind(docker, 0) == 0) return uri.substr(docker.size());
  if (uri.find("://") == std::string::npos) return uri;
  notes.push_back("podman cannot run '" + uri + "' (only docker:// images); the reference is passed as is");
  return uri;
}

std::vector<std::string> container_words(const Job& j, std::vector<std::string>& notes) {
  if (j.image.empty() || j.container_runtime == "none" || j.container_runtime == "kubernetes") return {};
  if (j.container_runtime == "podman") {
    std::vector<std::string> w = {"podman", "run", "--rm", "--network=host", "-v", "\"$PWD:$PWD\"", "-w", "\"$PWD\""};
    if (j.gpu) w.insert(w.end(), {"--device", "nvidia.com/gpu=all"});
    if (!j.data_path.empty()) w.insert(w.end(), {"-v", single_quote(j.data_path + ":" + j.data_path)});
    const std::string ref = podman_reference(j.image, notes);
    if (ref.rfind('-', 0) == 0) w.push_back("--");  // an image is never an option
    w.push_back(single_quote(ref));
    return w;
  }
  std::vector<std::string> w = {j.container_runtime, "exec"};  // singularity | apptainer
  for (const auto& f : j.container_flags) {
    if (f == "--nv") w.push_back("--nv");
    else if (f.rfind("-B ", 0) == 0) w.insert(w.end(), {"-B", single_quote(f.substr(3))});
  }
  if (j.image.rfind('-', 0) == 0) w.push_back("--");  // an image is never an option
  w.push_back("\"$MODAK_IMAGE\"");
  return w;
}

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

}  // namespace

std::string launch_line(const Job& j, std::vector<std::string>& notes) {
  std::vector<std::string> cmd;
  for (const auto& w : words_of(j.executable, "executable", notes)) cmd.push_back(shell_word(w));
  for (const auto& w : words_of(j.arguments, "arguments", notes)) cmd.push_back(shell_word(w));
  if (cmd.empty()) {
    notes.push_back("the application names no executable: the container's default command runs");
    if (j.container_runtime == "singularity" || j.container_runtime == "apptainer") {
      auto c = container_words(j, notes);  // empty when there is no image
      if (c.size() >= 2) {
        c[1] = "run";
        return join(c);
      }
    }
  }
  std::vector<std::string> container = container_words(j, notes);
  std::vector<std::string> line;
  const std::string ranks = std::to_string(j.ranks);
  if (j.launcher == "srun") line = {"srun", "--ntasks=" + ranks, "--cpus-per-task=" + std::to_string(j.threads)};
  else if (j.launcher == "mpirun") line = {"mpirun", "-np", ranks};
  line.insert(line.end(), container.begin(), container.end());
  if (j.launcher == "torchrun")
    line.insert(line.end(), {"torchrun", "--nnodes=" + std::to_string(j.nodes),
                             "--nproc_per_node=" + std::to_string(std::max(1, j.gpus_per_node))});
  if (j.launcher == "horovodrun") line.insert(line.end(), {"horovodrun", "-np", ranks});
  line.insert(line.end(), cmd.begin(), cmd.end());
  return join(line);
}

std::string batch_body(const Job& j, const std::string& workdir_expr, std::vector<std::string>& notes) {
  std::string out;
  out += "cd \"" + workdir_expr + "\"\n";
  if (!j.image.empty() && j.container_runtime != "none")
    out += "MODAK_IMAGE=" + single_quote(j.image) + "\n";
  if (!j.env.empty()) {
    out += "\n# environment chosen by modak optimise\n";
    for (const auto& [k, v] : j.env) out += "export " + k + "=" + single_quote(v) + "\n";
  }
  if (!j.data_path.empty()) out += "export MODAK_DATA_DIR=" + single_quote(j.data_path) + "\n";
  if (!j.pre_commands.empty()) {
    out += "\n# from modak's knowledge base (share/environment)\n";
    for (const auto& c : j.pre_commands) out += c + "\n";
  }
  if (j.build) {
    // Built once per working directory; later runs of the job reuse the result.
    out += "\n# build, once\nif [ ! -e .modak-build.done ]; then\n";
    const std::string& src = j.build->src;
    bool git = src.size() > 4 && src.substr(src.size() - 4) == ".git";
    if (git) out += "  git clone " + single_quote(src) + " || exit 1\n";
    else out += "  curl -fsSL -O " + single_quote(src) + " || exit 1\n";
    std::string command = j.build->command;
    for (std::string key : {"{{BUILD_PARALLELISM}}", "{{ BUILD_PARALLELISM }}"})
      for (auto p = command.find(key); p != std::string::npos; p = command.find(key))
        command.replace(p, key.size(), std::to_string(j.build->parallelism));
    if (!command.empty()) {
      Job builder = j;
      builder.launcher = "none";
      builder.executable = "sh";
      builder.arguments.clear();
      std::vector<std::string> c = container_words(builder, notes);
      c.insert(c.end(), {"sh", "-c", single_quote(command)});  // the user's build command, run on purpose
      out += "  " + join(c) + " || exit 1\n";
    }
    out += "  touch .modak-build.done\nfi\n";
  }
  out += "\n# run\n" + launch_line(j, notes) + "\n";
  if (!j.post_commands.empty()) {
    // The job's exit status stays the application's, whatever the post steps do.
    out += "modak_status=$?\n\n# from modak's knowledge base (share/environment)\n";
    for (const auto& c : j.post_commands) out += c + "\n";
    out += "exit $modak_status\n";
  }
  return out;
}

}  // namespace modak::adapters
