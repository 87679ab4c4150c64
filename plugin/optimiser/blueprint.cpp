#include "plugin/optimiser/blueprint.h"

#include <algorithm>
#include <unordered_map>
#include <utility>

#include "tosca/check/checks.h"
#include "tosca/check/grammar.h"
#include "tosca/check/optimisation_hints.h"

namespace modak::opt {

using diag::Code;

namespace {

const char* kJobExecutionType = "sodalite.nodes.batch.Container.JobExecution";
const char* kModakJobType = "sodalite.nodes.modak.job";
const char* kClusterType = "sodalite.nodes.Kubernetes.Cluster";

bool is_a(const tosca::TypeDef* t, const tosca::TypeDef* base) { return t && base && t->derives_from(base); }

const yaml::Node* request_node(const yaml::Node* body) { return tosca::optimisation_request(body); }

// The first requirement `req` of a template that names a node template.
std::string requirement_target(const yaml::Node* body, std::string_view req) {
  const yaml::Node* reqs = body && body->is_map() ? body->get("requirements") : nullptr;
  if (!reqs || !reqs->is_seq()) return "";
  for (const yaml::Node* e : reqs->children) {
    if (!e->is_map() || e->size() != 1 || e->key_at(0)->text != req) continue;
    const yaml::Node* v = e->value_at(0);
    const yaml::Node* n = v->is_map() ? v->get("node") : v;
    if (n && n->is_scalar()) return n->text;
  }
  return "";
}

// A property value with get_input resolved to the input's default; nullptr when not resolvable.
const yaml::Node* resolved(const tosca::Context& ctx, const yaml::Node* v) {
  std::string_view fn = tosca::function_name(v);
  if (fn.empty()) return v;
  if (fn != "get_input" || !ctx.inputs || !ctx.inputs->is_map()) return nullptr;
  const yaml::Node* arg = v->value_at(0);
  const yaml::Node* def = ctx.inputs->get(arg->is_seq() && arg->size() ? arg->item(0)->text : arg->text);
  const yaml::Node* dflt = def && def->is_map() ? def->get("default") : nullptr;
  return dflt;
}

// Builds a map of the request fields a TOSCA node's properties carry (DSL names match SODALITE's).
yaml::Node* section_from_properties(tosca::Context& ctx, const yaml::Node* body, std::string_view section,
                                    yaml::Arena& arena) {
  const yaml::Node* props = body && body->is_map() ? body->get("properties") : nullptr;
  yaml::Node* out = arena.make(yaml::Kind::Map, props ? props->mark : body->mark);
  if (!props || !props->is_map()) return out;
  for (auto [k, v] : yaml::map_entries(props)) {
    if (!is_request_field(section, k->text)) continue;
    const yaml::Node* value = resolved(ctx, v);
    if (!value || value->is_null() || (value->is_string() && value->text.empty())) continue;
    if (value->is_map() && section == "application" && k->text != "build") continue;
    out->children.push_back(const_cast<yaml::Node*>(k));
    out->children.push_back(const_cast<yaml::Node*>(value));
  }
  return out;
}

// The request tree: a map as written, or JSON text parsed as a source of its own.
// The column of the key whose value is `site` in a template's metadata or properties (0: unknown).
std::uint32_t key_column_of(const yaml::Node* body, const yaml::Node* site) {
  for (const char* section : {"metadata", "properties"})
    if (const yaml::Node* m = body && body->is_map() ? body->get(section) : nullptr; m && m->is_map())
      for (auto [k, v] : yaml::map_entries(m))
        if (v == site) return k->mark.column;
  return 0;
}

const yaml::Node* request_tree(tosca::Context& ctx, const yaml::Node* site, yaml::Arena& arena, yaml::SourceTable& sources,
                               const std::string& node_name, std::uint32_t key_column) {
  if (site->is_map()) return site;
  if (!site->is_string()) {
    ctx.error(Code::WrongKind, site, "the optimisation request of '" + node_name + "' must be a map or JSON text");
    return nullptr;
  }
  std::string text = unwrap_request_text(site->text);
  return yaml::load_yaml(text, embed_request(ctx, site, sources, key_column), sources, arena, ctx.sink);
}

}  // namespace

std::uint32_t embed_request(const tosca::Context& ctx, const yaml::Node* site, yaml::SourceTable& sources,
                            std::uint32_t key_column) {
  auto loc = ctx.at(site);
  yaml::SourceTable::Embedding e;
  if (site->block) {
    // A block scalar's text starts on the next line, indented past its key (two spaces, the usual style).
    e.line_offset = loc.line;
    e.first_line_column = e.column = key_column > 0 ? key_column + 1 : (loc.column > 2 ? loc.column - 2 : 0);
  } else {
    // Quoted on one line: the text starts one column after the quote.
    e.line_offset = loc.line - 1;
    e.first_line_column = loc.column;
    e.column = 0;
  }
  return sources.add(loc.file, e);
}

std::string unwrap_request_text(std::string text) {
  // The IaC builder's fixtures wrap the JSON once more in quotes: "\"{...} \"".
  auto trim = [](std::string& t) {
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.pop_back();
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.erase(t.begin());
  };
  trim(text);
  if (text.size() > 2 && text.front() == '"' && text.back() == '"') {
    text = text.substr(1, text.size() - 2);
    trim(text);
  }
  return text;
}

bool carries_request(const yaml::Node* node_template) { return request_node(node_template) != nullptr; }

bool filled_by_modak(const tosca::TypeDef& type, std::string_view property) { return tosca::filled_by_modak(type, property); }

std::vector<AppNode> find_requests(tosca::Context& ctx, tosca::Model& model, yaml::Arena& arena) {
  yaml::SourceTable& sources = model.service.sources;
  std::vector<AppNode> out;
  const yaml::Node* root = model.service.root_unit().root;
  const yaml::Node* tt = root && root->is_map() ? root->get("topology_template") : nullptr;
  if (!tt || !tt->is_map()) return out;
  ctx.topology = tt;
  ctx.inputs = tt->get("inputs");
  tosca::index_templates(ctx);
  // The base types are looked up once, not once per template.
  const tosca::TypeDef* modak_job_type = ctx.types.find(tosca::EntityKind::Node, kModakJobType);
  const tosca::TypeDef* job_execution_type = ctx.types.find(tosca::EntityKind::Node, kJobExecutionType);
  const tosca::TypeDef* cluster_type = ctx.types.find(tosca::EntityKind::Node, kClusterType);
  // The JobExecutions by the application they run, each list in ctx.nodes' iteration order (the
  // order the previous per-application scan of every template saw them in). Built once: scanning
  // every template for every application was quadratic, and dominated `modak preprocess` on
  // blueprints with hundreds of jobs.
  std::unordered_map<std::string, std::vector<std::pair<std::string_view, const yaml::Node*>>> jobs_of;
  for (const auto& [job_name, job] : ctx.nodes)
    if (is_a(job.type, job_execution_type))
      if (std::string app = requirement_target(job.body, "application"); !app.empty())
        jobs_of[std::move(app)].emplace_back(job_name, job.body);
  const yaml::Node* nodes = tt->get("node_templates");
  for (auto [key, body] : yaml::map_entries(nodes && nodes->is_map() ? nodes : nullptr)) {
    auto info = ctx.nodes.find(key->text);
    const tosca::TypeDef* type = info == ctx.nodes.end() ? nullptr : info->second.type;
    AppNode app;
    app.name = key->text;
    app.body = body;
    app.type = type;
    if (is_a(type, modak_job_type)) {
      app.generation = Generation::Gen2ModakJob;
      const yaml::Node* props = body->get("properties");
      app.request_site = props;
      app.request.origin = "node template '" + app.name + "'";
      for (const char* section : {"job_options", "application", "target", "optimisation"})
        if (const yaml::Node* s = props && props->is_map() ? props->get(section) : nullptr; s && s->is_map()) {
          Fields& f = section[0] == 'j' ? app.request.job_options : section[0] == 'a' ? app.request.application
                      : section[0] == 't' ? app.request.target : app.request.optimisation;
          read_section(ctx, section, s, f);
          if (section[0] == 'o') app.request.has_optimisation = true;
        }
      out.push_back(std::move(app));
      continue;
    }
    const yaml::Node* site = request_node(body);
    if (!site) continue;
    app.request_site = site;
    app.request.origin = "node template '" + app.name + "'";
    const yaml::Node* tree = request_tree(ctx, site, arena, sources, app.name, key_column_of(body, site));
    if (!tree) continue;
    read_request(ctx, tree, app.request);
    // Gen-3: the job options come from the JobExecution that runs this application, the target
    // from the workload manager that job is hosted on.
    if (auto jobs = jobs_of.find(app.name); jobs != jobs_of.end())
      for (const auto& [job_name, job_body] : jobs->second) {
        app.job_node = std::string(job_name);
        if (!app.request.job_options.where)
          read_section(ctx, "job_options", section_from_properties(ctx, job_body, "job_options", arena), app.request.job_options);
        app.host_node = requirement_target(job_body, "host");
      }
    if (app.host_node.empty()) app.host_node = requirement_target(body, "host");
    if (!app.request.application.where)
      read_section(ctx, "application", section_from_properties(ctx, body, "application", arena), app.request.application);
    if (auto host = ctx.nodes.find(app.host_node); host != ctx.nodes.end() && !app.request.target.where) {
      yaml::Node* target = arena.make(yaml::Kind::Map, host->second.body->mark);
      const yaml::Node* props = host->second.body->get("properties");
      const yaml::Node* caps = host->second.body->get("capabilities");
      const yaml::Node* opt = caps && caps->is_map() ? caps->get("optimisations") : nullptr;
      const yaml::Node* opt_props = opt && opt->is_map() ? opt->get("properties") : nullptr;
      const yaml::Node* md = host->second.body->get("metadata");
      auto add = [&](const char* field, const yaml::Node* v) {
        v = v ? resolved(ctx, v) : nullptr;
        if (!v || !v->is_scalar() || v->is_null()) return;
        yaml::Node* k = arena.make(yaml::Kind::String, v->mark);
        k->text = field;
        target->children.push_back(k);
        target->children.push_back(const_cast<yaml::Node*>(v));
      };
      add("name", opt_props && opt_props->is_map() ? opt_props->get("target")
                  : md && md->is_map() ? md->get("modak.target") : nullptr);
      add("job_scheduler_type", props && props->is_map() ? props->get("scheduler") : nullptr);
      read_section(ctx, "target", target, app.request.target);
      app.generation = is_a(host->second.type, cluster_type) ? Generation::Kubernetes
                       : app.job_node.empty()                   ? Generation::Generic
                                                                : Generation::Gen3Batch;
    }
    out.push_back(std::move(app));
  }
  return out;
}

}  // namespace modak::opt
