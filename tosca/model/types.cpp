#include "tosca/model/types.h"

namespace modak::tosca {

std::string_view section_name(EntityKind k) {
  static constexpr std::string_view names[] = {"data_types",         "artifact_types", "capability_types",
                                               "interface_types",    "relationship_types", "node_types",
                                               "group_types",        "policy_types"};
  return names[static_cast<int>(k)];
}

std::string_view kind_label(EntityKind k) {
  static constexpr std::string_view names[] = {"data type",         "artifact type", "capability type",
                                               "interface type",    "relationship type", "node type",
                                               "group type",        "policy type"};
  return names[static_cast<int>(k)];
}

std::string_view normative_segment(EntityKind k) {
  static constexpr std::string_view names[] = {"datatypes",     "artifacts", "capabilities", "interfaces",
                                               "relationships", "nodes",     "groups",       "policies"};
  return names[static_cast<int>(k)];
}

const yaml::Node* InterfaceDef::find_operation(std::string_view op) const {
  for (const auto& [n, d] : operations)
    if (n == op) return d ? d : node;
  return nullptr;
}

TypeRegistry::TypeRegistry() {
  // The primitives of TOSCA 1.3 §3.3, as data types with no parent.
  for (const char* p : {"string", "integer", "float", "boolean", "timestamp", "null", "version", "range", "list",
                        "map", "scalar-unit.size", "scalar-unit.time", "scalar-unit.frequency",
                        "scalar-unit.bitrate"}) {
    TypeDef& t = add(EntityKind::Data, p);
    t.builtin = true;
  }
}

TypeDef& TypeRegistry::add(EntityKind kind, std::string name) {
  storage_.emplace_back();
  TypeDef& t = storage_.back();
  t.kind = kind;
  t.name = std::move(name);
  by_name_[static_cast<int>(kind)].emplace(t.name, &t);
  return t;
}

void TypeRegistry::add_alias(EntityKind kind, std::string alias, TypeDef* t) {
  aliases_[static_cast<int>(kind)].emplace(std::move(alias), t);
}

void TypeRegistry::add_weak_alias(EntityKind kind, std::string alias, TypeDef* t) {
  weak_aliases_[static_cast<int>(kind)].emplace(std::move(alias), t);
}

TypeDef* TypeRegistry::find(EntityKind kind, std::string_view name) const {
  const auto& m = by_name_[static_cast<int>(kind)];
  if (auto it = m.find(name); it != m.end()) return it->second;
  const auto& a = aliases_[static_cast<int>(kind)];
  if (auto it = a.find(name); it != a.end()) return it->second;
  const auto& w = weak_aliases_[static_cast<int>(kind)];
  if (auto it = w.find(name); it != w.end()) return it->second;
  return nullptr;
}

const TypeDef* TypeRegistry::find_any(std::string_view name) const {
  for (int k = 0; k < kEntityKinds; ++k)
    if (const TypeDef* t = find(static_cast<EntityKind>(k), name)) return t;
  return nullptr;
}

std::vector<TypeDef*> TypeRegistry::all(EntityKind kind) const {
  std::vector<TypeDef*> out;
  for (const auto& t : storage_)
    if (t.kind == kind) out.push_back(const_cast<TypeDef*>(&t));
  return out;
}

}  // namespace modak::tosca
