// Kubernetes: a batch/v1 Job for training, an apps/v1 Deployment (plus a v1 Service when the
// application declares ports) for serving. Names are RFC 1123 labels; GPUs are requested as
// nvidia.com/gpu with a node selector for the accelerator's node pool; data is mounted.
#include <nlohmann/json.hpp>

#include "adapters/kubernetes.h"
#include "adapters/shell.h"
#include "tosca/yaml/emit.h"

namespace modak::adapters {

namespace {

using json = nlohmann::ordered_json;

yaml::Node* to_yaml(yaml::Arena& a, const json& j) {
  if (j.is_object()) {
    yaml::Node* m = yaml::make_map(a);
    for (auto it = j.begin(); it != j.end(); ++it) yaml::map_set(m, a, it.key(), to_yaml(a, it.value()));
    return m;
  }
  if (j.is_array()) {
    yaml::Node* s = yaml::make_seq(a);
    for (const auto& v : j) s->children.push_back(to_yaml(a, v));
    return s;
  }
  if (j.is_boolean()) return yaml::make_bool(a, j.get<bool>());
  if (j.is_number_integer()) return yaml::make_int(a, j.get<std::int64_t>());
  if (j.is_number()) return yaml::make_string(a, std::to_string(j.get<double>()));
  return yaml::make_string(a, j.is_string() ? j.get<std::string>() : "");
}

std::string image_reference(const std::string& uri, std::vector<std::string>& notes) {
  const std::string docker = "docker://";
  if (uri.rfind(docker, 0) == 0) return uri.substr(docker.size());
  if (uri.find("://") != std::string::npos)
    notes.push_back("Kubernetes pulls OCI images only; '" + uri + "' is passed as is");
  return uri;
}

json container_spec(const Job& j, const std::string& name, std::vector<std::string>& notes) {
  json c;
  c["name"] = name;
  c["image"] = image_reference(j.image, notes);
  std::vector<std::string> command, args;
  if (!split_words(j.executable, command)) command = {j.executable};
  if (!split_words(j.arguments, args)) args = {j.arguments};
  // No shell is involved: every word reaches the process as it is, so nothing in it executes.
  if (!command.empty()) c["command"] = command;
  if (!args.empty()) c["args"] = args;
  json env = json::array();
  for (const auto& [k, v] : j.env) env.push_back({{"name", k}, {"value", v}});
  if (!j.data_path.empty()) env.push_back({{"name", "MODAK_DATA_DIR"}, {"value", j.data_path}});
  if (!env.empty()) c["env"] = env;
  json resources;
  const int cpus = std::max(1, j.tasks_per_node * j.threads);
  resources["requests"]["cpu"] = std::to_string(cpus);
  if (j.memory_mb) resources["requests"]["memory"] = std::to_string(*j.memory_mb) + "Mi";
  if (j.memory_mb) resources["limits"]["memory"] = std::to_string(*j.memory_mb) + "Mi";
  if (j.gpus_per_node > 0) resources["limits"]["nvidia.com/gpu"] = std::to_string(j.gpus_per_node);
  c["resources"] = resources;
  if (!j.data_path.empty()) c["volumeMounts"] = json::array({{{"name", "data"}, {"mountPath", j.data_path}}});
  return c;
}

json pod_spec(const Job& j, const std::string& name, const std::map<std::string, std::string>& selector, bool batch,
              std::vector<std::string>& notes) {
  json spec;
  if (batch) spec["restartPolicy"] = "Never";
  if (!selector.empty()) {
    json sel = json::object();
    for (const auto& [k, v] : selector) sel[k] = v;
    spec["nodeSelector"] = sel;
  }
  spec["containers"] = json::array({container_spec(j, name, notes)});
  if (!j.data_path.empty())
    spec["volumes"] = json::array({{{"name", "data"}, {"hostPath", {{"path", j.data_path}, {"type", "DirectoryOrCreate"}}}}});
  return spec;
}

}  // namespace

Rendered KubernetesAdapter::render(const Job& j) const { return render(j, {}, {}, false); }

Rendered KubernetesAdapter::render(const Job& j, const std::map<std::string, std::string>& node_selector,
                                 const std::vector<int>& ports, bool serving) const {
  Rendered r;
  r.kind = "manifest";
  r.notes = j.notes;
  const std::string name = rfc1123_name(j.name);
  if (name != j.name) r.notes.push_back("name '" + j.name + "' written as '" + name + "' (RFC 1123)");
  r.file_name = name + ".yaml";
  json labels = {{"app.kubernetes.io/name", name}, {"app.kubernetes.io/managed-by", "modak"}};
  std::vector<json> docs;
  if (!serving) {
    json job = {{"apiVersion", "batch/v1"}, {"kind", "Job"}, {"metadata", {{"name", name}, {"labels", labels}}}};
    job["spec"]["backoffLimit"] = 0;
    if (j.walltime_seconds) job["spec"]["activeDeadlineSeconds"] = *j.walltime_seconds;
    if (j.ranks > 1 && j.launcher != "mpirun" && j.launcher != "srun") {
      job["spec"]["completions"] = j.ranks;
      job["spec"]["parallelism"] = j.ranks;
      job["spec"]["completionMode"] = "Indexed";
    }
    job["spec"]["template"]["metadata"]["labels"] = labels;
    job["spec"]["template"]["spec"] = pod_spec(j, name, node_selector, true, r.notes);
    docs.push_back(job);
  } else {
    json dep = {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"metadata", {{"name", name}, {"labels", labels}}}};
    dep["spec"]["replicas"] = std::max(1, j.ranks);
    dep["spec"]["selector"]["matchLabels"] = {{"app.kubernetes.io/name", name}};
    dep["spec"]["template"]["metadata"]["labels"] = labels;
    json pod = pod_spec(j, name, node_selector, false, r.notes);
    if (!ports.empty()) {
      json cp = json::array();
      for (int p : ports) cp.push_back({{"containerPort", p}});
      pod["containers"][0]["ports"] = cp;
    }
    dep["spec"]["template"]["spec"] = pod;
    docs.push_back(dep);
    if (!ports.empty()) {
      json svc = {{"apiVersion", "v1"}, {"kind", "Service"}, {"metadata", {{"name", name}, {"labels", labels}}}};
      svc["spec"]["selector"] = {{"app.kubernetes.io/name", name}};
      json sp = json::array();
      for (int p : ports) sp.push_back({{"name", "port-" + std::to_string(p)}, {"port", p}, {"targetPort", p}});
      svc["spec"]["ports"] = sp;
      docs.push_back(svc);
    }
  }
  if (j.launcher == "mpirun" || j.launcher == "srun")
    r.notes.push_back("MPI launchers need an MPI operator on Kubernetes; the Job runs one pod");
  yaml::Arena arena;
  for (std::size_t i = 0; i < docs.size(); ++i) {
    if (i) r.content += "---\n";
    r.content += yaml::emit_yaml(to_yaml(arena, docs[i]));
  }
  return r;
}

const KubernetesAdapter& kubernetes_adapter() {
  static const KubernetesAdapter a;
  return a;
}

}  // namespace modak::adapters

