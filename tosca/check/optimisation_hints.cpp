#include "tosca/check/optimisation_hints.h"

#include <utility>
#include <vector>

namespace modak::tosca {

const yaml::Node* optimisation_request(const yaml::Node* body) {
  if (!body || !body->is_map()) return nullptr;
  for (const char* section : {"metadata", "properties"})
    if (const yaml::Node* m = body->get(section); m && m->is_map())
      for (const char* key : {"optimisation", "optimization"})
        if (const yaml::Node* r = m->get(key)) return r;
  for (const char* key : {"optimisation", "optimization"})
    if (const yaml::Node* r = body->get(key)) return r;
  return nullptr;
}

bool filled_by_modak(const TypeDef& type, std::string_view property) {
  static const std::vector<std::pair<std::string_view, std::string_view>> kFilled = {
      {"sodalite.nodes.batch.Container.Application", "container_runtime"},
      {"sodalite.nodes.batch.Container.BatchExecution", "content"},
      {"sodalite.nodes.modak.job", "job_script"}};
  for (const auto& [type_name, prop] : kFilled)
    for (const TypeDef* t = &type; t; t = t->parent)
      if (t->name == type_name && property == prop) return true;
  return false;
}

}  // namespace modak::tosca
