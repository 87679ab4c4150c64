#include "plugin/optimiser/annotate.h"

#include <filesystem>

#include "plugin/optimiser/report.h"
#include "tosca/yaml/emit.h"

namespace modak::opt {

namespace {

bool declares(const tosca::TypeDef* t, std::string_view property) { return t && t->properties.find(property); }

std::string short_time(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", s);
  return buf;
}

void set_int_if_declared(yaml::Node* tmpl, const tosca::TypeDef* type, yaml::Arena& a, std::string_view prop,
                         std::int64_t value, const std::string& owner, std::vector<std::string>& changes) {
  if (!declares(type, prop)) return;
  yaml::Node* props = yaml::map_ensure_map(tmpl, a, "properties");
  if (const yaml::Node* existing = yaml::map_get(props, prop); existing && existing->kind == yaml::Kind::Int && existing->num.i == value)
    return;
  if (const yaml::Node* existing = yaml::map_get(props, prop); existing && !existing->is_scalar()) return;  // a function: leave it
  yaml::map_set(props, a, prop, yaml::make_int(a, value));
  changes.push_back(owner + ": " + std::string(prop) + " = " + std::to_string(value));
}

void annotate_app(const AppNode& app, const Decision& d, const yaml::MapIndex& nodes, yaml::Arena& a,
                  std::vector<std::string>& changes) {
  yaml::Node* tmpl = nodes.get(app.name);
  if (!tmpl || !tmpl->is_map()) return;
  const std::string owner = "node '" + app.name + "'";
  const std::string uri = d.image_uri();
  // The request must not stay where xOpera rejects it: template-level keys and undeclared properties.
  for (const char* key : {"optimisation", "optimization"}) {
    if (yaml::map_erase(tmpl, key)) changes.push_back(owner + ": removed template-level '" + std::string(key) + "'");
    if (!declares(app.type, key))
      if (yaml::Node* props = yaml::map_get(tmpl, "properties"); props && yaml::map_erase(props, key))
        changes.push_back(owner + ": removed undeclared property '" + std::string(key) + "'");
  }
  if (app.generation == Generation::Gen2ModakJob) {
    // The MODAK job type keeps the request; the chosen image goes into its application map.
    if (yaml::Node* props = yaml::map_get(tmpl, "properties"))
      if (yaml::Node* application = yaml::map_get(props, "application"); application && application->is_map() && !uri.empty()) {
        yaml::map_set(application, a, "container_runtime", yaml::make_string(a, uri));
        changes.push_back(owner + ": application.container_runtime = " + uri);
      }
  } else if (!uri.empty() && declares(app.type, "container_runtime")) {
    yaml::map_set(yaml::map_ensure_map(tmpl, a, "properties"), a, "container_runtime", yaml::make_string(a, uri));
    changes.push_back(owner + ": container_runtime = " + uri);
  }
  set_int_if_declared(tmpl, app.type, a, "mpi_ranks", d.resources.ranks, owner, changes);
  set_int_if_declared(tmpl, app.type, a, "threads", d.resources.threads, owner, changes);
  yaml::Node* md = yaml::map_ensure_map(tmpl, a, "metadata");
  const Candidate* c = d.chosen();
  yaml::map_set(md, a, "modak.image", yaml::make_string(a, uri));
  yaml::map_set(md, a, "modak.graph_compiler", yaml::make_string(a, c ? c->compiler : "none"));
  yaml::map_set(md, a, "modak.predicted_time", yaml::make_string(a, c ? short_time(c->seconds) + (d.time_unit == "s" ? " s" : " relative") : ""));
  yaml::map_set(md, a, "modak.launcher", yaml::make_string(a, d.launcher));
  yaml::map_set(md, a, "modak.decision", yaml::make_string(a, decision_json(d, false).dump()));
  changes.push_back(owner + ": metadata modak.image, modak.graph_compiler, modak.predicted_time, modak.launcher, modak.decision");
}

void annotate_job(const AppNode& app, const Decision& d, const tosca::Context& ctx, const yaml::MapIndex& nodes,
                  yaml::Arena& a, std::vector<std::string>& changes) {
  if (app.job_node.empty()) return;
  yaml::Node* tmpl = nodes.get(app.job_node);
  auto info = ctx.nodes.find(app.job_node);
  if (!tmpl || info == ctx.nodes.end()) return;
  const std::string owner = "node '" + app.job_node + "'";
  set_int_if_declared(tmpl, info->second.type, a, "node_count", d.resources.nodes, owner, changes);
  set_int_if_declared(tmpl, info->second.type, a, "process_count_per_node", d.resources.tasks_per_node, owner, changes);
  if (d.resources.gpus_per_node > 0)
    set_int_if_declared(tmpl, info->second.type, a, "request_gpus", d.resources.gpus_per_node, owner, changes);
}

}  // namespace

Annotated annotate(const tosca::Context& ctx, const yaml::Node* entry_root, const std::vector<AppNode>& apps,
                   const std::vector<Decision>& decisions, yaml::Arena& arena) {
  Annotated out;
  out.root = yaml::deep_copy(arena, entry_root);
  yaml::Node* tt = yaml::map_get(out.root, "topology_template");
  // Indexed once: every application and its job are looked up by name.
  const yaml::MapIndex nodes(yaml::map_get(tt, "node_templates"));
  for (std::size_t i = 0; i < apps.size() && i < decisions.size(); ++i) {
    annotate_app(apps[i], decisions[i], nodes, arena, out.changes);
    annotate_job(apps[i], decisions[i], ctx, nodes, arena, out.changes);
  }
  return out;
}

void rebase_imports(yaml::Node* root, const std::string& from_dir, const std::string& to_dir, yaml::Arena& arena) {
  namespace fs = std::filesystem;
  yaml::Node* imports = yaml::map_get(root, "imports");
  if (!imports || !imports->is_seq() || fs::path(from_dir) == fs::path(to_dir)) return;
  for (yaml::Node*& entry : imports->children) {
    yaml::Node* file = entry->is_scalar() ? entry : yaml::map_get(entry, "file");
    if (!file || !file->is_string() || file->text.find("://") != std::string::npos || file->text.empty() || file->text[0] == '/')
      continue;
    std::error_code ec;
    fs::path original = fs::path(from_dir) / file->text;
    if (!fs::exists(original, ec)) continue;  // a library prefix (modules/...): resolved by --import-path
    std::string rebased = fs::relative(fs::weakly_canonical(original, ec), fs::weakly_canonical(to_dir, ec), ec).string();
    if (ec || rebased.empty()) continue;
    yaml::Node* replacement = yaml::make_string(arena, rebased);
    if (entry->is_scalar()) entry = replacement;
    else yaml::map_set(entry, arena, "file", replacement);
  }
}

}  // namespace modak::opt
