#include "plugin/optimiser/aadm.h"

#include <map>

namespace modak::opt {

namespace {

std::string last_segment(const std::string& uri) {
  auto slash = uri.rfind('/');
  return slash == std::string::npos ? uri : uri.substr(slash + 1);
}

// [{URI: {value: V, label: L}}, ...] -> (label, value node) pairs.
std::vector<std::pair<std::string, const yaml::Node*>> labelled(const yaml::Node* list) {
  std::vector<std::pair<std::string, const yaml::Node*>> out;
  if (!list || !list->is_seq()) return out;
  for (const yaml::Node* item : list->children) {
    if (!item->is_map() || item->size() != 1) continue;
    const yaml::Node* body = item->value_at(0);
    const yaml::Node* label = body->is_map() ? body->get("label") : nullptr;
    std::string name = label && label->is_scalar() ? label->text : last_segment(item->key_at(0)->text);
    out.emplace_back(name, body->is_map() ? body->get("value") : nullptr);
  }
  return out;
}

// The URI a requirement points at: {value: {URI: {label}}, label}.
std::string requirement_uri(const yaml::Node* node, std::string_view requirement) {
  for (auto [name, value] : labelled(node->get("requirements")))
    if (name == requirement && value && value->is_map() && value->size() >= 1) return value->key_at(0)->text;
  return "";
}

yaml::Node* properties_as_section(const yaml::Node* node, std::string_view section, yaml::Arena& arena) {
  yaml::Node* out = arena.make(yaml::Kind::Map, node->mark);
  for (auto [name, value] : labelled(node->get("properties"))) {
    if (!value || !is_request_field(section, name) || value->is_null()) continue;
    if (value->is_string() && value->text.rfind("{ get_", 0) == 0) continue;  // a TOSCA function as text
    yaml::Node* key = arena.make(yaml::Kind::String, value->mark);
    key->text = name;
    out->children.push_back(key);
    out->children.push_back(const_cast<yaml::Node*>(value));
  }
  return out;
}

yaml::Node* target_section(const yaml::Node* wm, yaml::Arena& arena) {
  yaml::Node* out = arena.make(yaml::Kind::Map, wm->mark);
  auto add = [&](const char* field, const yaml::Node* v) {
    if (!v || !v->is_scalar() || v->is_null()) return;
    yaml::Node* key = arena.make(yaml::Kind::String, v->mark);
    key->text = field;
    out->children.push_back(key);
    out->children.push_back(const_cast<yaml::Node*>(v));
  };
  for (auto [name, value] : labelled(wm->get("properties")))
    if (name == "scheduler") add("job_scheduler_type", value);
  if (const yaml::Node* caps = wm->get("capabilities"); caps && caps->is_seq())
    for (const yaml::Node* cap : caps->children)
      if (cap->is_map() && cap->size() == 1 && last_segment(cap->key_at(0)->text) == "optimisations")
        for (auto [name, value] : labelled(cap->value_at(0)->get("properties")))
          if (name == "target") add("name", value);
  return out;
}

}  // namespace

bool is_aadm(const yaml::Node* root) {
  if (!root || !root->is_map()) return false;
  for (auto [k, v] : yaml::map_entries(root))
    if (v->is_map())
      if (const yaml::Node* t = v->get("type"); t && t->text == "AbstractApplicationDeploymentModel") return true;
  return false;
}

std::vector<AppNode> find_aadm_requests(tosca::Context& ctx, const yaml::Node* root, yaml::Arena& arena,
                                        yaml::SourceTable& sources) {
  std::vector<AppNode> out;
  std::map<std::string, const yaml::Node*> nodes;
  for (auto [k, v] : yaml::map_entries(root))
    if (v->is_map() && v->get("isNodeTemplate")) nodes[k->text] = v;
  for (const auto& [uri, node] : nodes) {
    const yaml::Node* site = node->get("optimization");
    if (!site) site = node->get("optimisation");
    if (!site) continue;
    AppNode app;
    app.name = last_segment(uri);
    app.body = node;
    app.request_site = site;
    app.request.origin = "AADM node '" + app.name + "'";
    const yaml::Node* tree = site;
    if (site->is_string()) {
      // The fixtures wrap the JSON in one more pair of quotes: positions shift by one column.
      tree = yaml::load_yaml(unwrap_request_text(site->text), embed_request(ctx, site, sources), sources, arena, ctx.sink);
    }
    if (!tree) continue;
    read_request(ctx, tree, app.request);
    read_section(ctx, "application", properties_as_section(node, "application", arena), app.request.application);
    // The IaC builder's rule: execution nodes have requirements application, host (or runtime).
    for (const auto& [job_uri, job] : nodes) {
      if (requirement_uri(job, "application") != uri) continue;
      app.job_node = last_segment(job_uri);
      read_section(ctx, "job_options", properties_as_section(job, "job_options", arena), app.request.job_options);
      std::string host = requirement_uri(job, "host");
      if (host.empty())
        if (auto rt = nodes.find(requirement_uri(job, "runtime")); rt != nodes.end()) host = requirement_uri(rt->second, "host");
      if (auto wm = nodes.find(host); wm != nodes.end()) {
        app.host_node = last_segment(host);
        read_section(ctx, "target", target_section(wm->second, arena), app.request.target);
        app.generation = Generation::Gen3Batch;
      }
    }
    out.push_back(std::move(app));
  }
  return out;
}

}  // namespace modak::opt
