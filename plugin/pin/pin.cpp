#include "plugin/pin/pin.h"

#include <nlohmann/json.hpp>

#include "tosca/yaml/emit.h"

namespace modak::pin {

namespace {

// A container_runtime value that names a registry image (not "singularity", not shub://...).
bool names_image(const std::string& v) {
  if (v.rfind("docker://", 0) == 0) return true;
  return v.find("://") == std::string::npos && v.find('/') != std::string::npos && v.find(' ') == std::string::npos;
}

std::string isa_architecture(const opt::Partition* p) {
  return p ? architecture_for_isa(p->cpu.isa_level) : std::string();
}

}  // namespace

bool Pinner::pin(const std::string& uri, const std::string& architecture, std::string& pinned, std::string& error) {
  auto key = std::make_pair(uri, architecture);
  if (auto it = cache_.find(key); it != cache_.end()) {
    pinned = it->second;
    return true;
  }
  ImageRef ref;
  if (!parse_reference(uri, ref, error)) return false;
  Resolved r;
  if (!client_.resolve(ref, architecture, r, error)) return false;
  pinned = ref.pinned(r.digest);
  cache_[key] = pinned;
  return true;
}

std::string decision_architecture(const opt::Decision& d) {
  std::string a = isa_architecture(d.partition);
  if (a.empty() && d.target) a = isa_architecture(d.target->default_or(""));
  if (a.empty())
    if (const opt::Candidate* c = d.chosen(); c && c->image) a = architecture_for_isa(c->image->isa_level);
  return a.empty() ? "amd64" : a;
}

bool pin_decisions(std::vector<opt::Decision>& decisions, opt::Knowledge& k, Pinner& p,
                   std::vector<std::string>& changes, std::string& error) {
  for (auto& d : decisions) {
    const std::string uri = d.image_uri();
    if (uri.empty()) continue;
    const std::string arch = decision_architecture(d);
    std::string pinned;
    if (!p.pin(uri, arch, pinned, error)) {
      error = d.node + ": " + error;
      return false;
    }
    if (pinned == uri) continue;
    if (const opt::Candidate* c = d.chosen()) {
      // The candidate points into the knowledge base: pin that entry, so every view of the
      // decision (annotations, rendered jobs, JSON) names the digest.
      for (auto& img : k.images)
        if (&img == c->image) img.uri = pinned;
    } else {
      d.kept_user_image = pinned;
    }
    changes.push_back(d.node + ": " + uri + " -> " + pinned + " (linux/" + arch + ")");
  }
  return true;
}

bool pin_blueprint(yaml::Node* root, yaml::Arena& arena, const opt::Knowledge* k, const std::string& architecture,
                   Pinner& p, std::vector<std::string>& changes, std::string& error) {
  yaml::Node* nodes = yaml::map_get(yaml::map_get(root, "topology_template"), "node_templates");
  if (!nodes || !nodes->is_map()) return true;
  for (std::size_t i = 0; i + 1 < nodes->children.size(); i += 2) {
    const std::string name = nodes->children[i]->text;
    yaml::Node* tmpl = nodes->children[i + 1];
    if (!tmpl || !tmpl->is_map()) continue;
    yaml::Node* md = yaml::map_get(tmpl, "metadata");
    yaml::Node* decision_node = yaml::map_get(md, "modak.decision");
    nlohmann::json decision;
    if (decision_node && decision_node->is_string()) decision = nlohmann::json::parse(decision_node->text, nullptr, false);
    std::string arch = architecture;
    if (arch.empty() && k && decision.is_object())
      if (const opt::Target* t = k->target(decision.value("target", "")))
        arch = isa_architecture(t->default_or(decision.value("partition", "")));
    if (arch.empty()) arch = host_architecture();

    auto pin_scalar = [&](yaml::Node* parent, std::string_view key, bool must_be_image) -> bool {
      yaml::Node* v = yaml::map_get(parent, key);
      if (!v || !v->is_scalar() || v->text.empty() || (must_be_image && !names_image(v->text))) return true;
      std::string pinned;
      if (!p.pin(v->text, arch, pinned, error)) {
        error = "node '" + name + "': " + error;
        return false;
      }
      if (pinned != v->text) {
        changes.push_back("node '" + name + "': " + std::string(key) + " " + v->text + " -> " + pinned);
        yaml::map_set(parent, arena, key, yaml::make_string(arena, pinned));
      }
      return true;
    };
    yaml::Node* props = yaml::map_get(tmpl, "properties");
    if (!pin_scalar(props, "container_runtime", true)) return false;
    if (!pin_scalar(yaml::map_get(props, "application"), "container_runtime", true)) return false;
    if (!pin_scalar(md, "modak.image", false)) return false;
    if (decision.is_object() && decision.contains("image") && decision["image"].is_string() &&
        !decision["image"].get<std::string>().empty()) {
      std::string pinned;
      if (!p.pin(decision["image"].get<std::string>(), arch, pinned, error)) {
        error = "node '" + name + "': " + error;
        return false;
      }
      if (pinned != decision["image"].get<std::string>()) {
        decision["image"] = pinned;
        yaml::map_set(md, arena, "modak.decision", yaml::make_string(arena, decision.dump()));
      }
    }
  }
  return true;
}

}  // namespace modak::pin
