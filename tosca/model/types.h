// The type model: every type of every entity kind, its parent, and its effective members after
// inheritance (own definitions refine the parent's, in declaration order).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tosca/yaml/node.h"

namespace modak::tosca {

enum class EntityKind : std::uint8_t { Data, Artifact, Capability, Interface, Relationship, Node, Group, Policy };
constexpr int kEntityKinds = 8;

std::string_view section_name(EntityKind k);  // "node_types"
std::string_view kind_label(EntityKind k);    // "node type"
std::string_view normative_segment(EntityKind k);  // "nodes" as in tosca.nodes.Compute

struct TypeDef;

// A value's type: a data type (primitive or complex) plus entry/key schemas and constraints.
struct Schema {
  std::string type_name;
  const TypeDef* type = nullptr;
  const yaml::Node* at = nullptr;           // where the type was named
  const yaml::Node* constraints = nullptr;  // a list of constraint clauses
  std::shared_ptr<Schema> entry;            // entry_schema for list and map
  std::shared_ptr<Schema> key;              // key_schema for map
};

// Property, attribute and parameter definitions share one shape.
struct PropertyDef {
  std::string name;
  const yaml::Node* node = nullptr;  // the definition map
  Schema schema;
  bool required = true;
  const yaml::Node* default_value = nullptr;
  const yaml::Node* fixed_value = nullptr;  // a parameter's `value`
};

struct Occurrences {
  std::int64_t min = 1;
  std::int64_t max = 1;  // -1: UNBOUNDED
};

struct CapabilityDef {
  std::string name;
  const yaml::Node* node = nullptr;
  const TypeDef* type = nullptr;
  std::vector<std::string> valid_source_types;
  Occurrences occurrences{1, -1};
  const yaml::Node* property_refinements = nullptr;   // properties redefined on the definition
  const yaml::Node* attribute_refinements = nullptr;
};

struct RequirementDef {
  std::string name;
  const yaml::Node* node = nullptr;
  const TypeDef* capability = nullptr;  // a capability type ...
  std::string capability_name;          // ... or, when no such type, a capability name on the node
  const TypeDef* node_type = nullptr;
  const TypeDef* relationship = nullptr;
  const yaml::Node* relationship_node = nullptr;
  Occurrences occurrences{1, 1};
};

struct InterfaceDef {
  std::string name;
  const yaml::Node* node = nullptr;
  const TypeDef* type = nullptr;
  std::vector<std::pair<std::string, const yaml::Node*>> operations;  // name -> definition
  std::vector<std::pair<std::string, const yaml::Node*>> notifications;
  const yaml::Node* inputs = nullptr;
  const yaml::Node* find_operation(std::string_view op) const;
};

struct ArtifactDef {
  std::string name;
  const yaml::Node* node = nullptr;
  const TypeDef* type = nullptr;
};

// Members keyed by name, kept in first-declaration order.
template <class T>
struct Members {
  std::vector<T> items;
  const T* find(std::string_view name) const {
    for (const auto& i : items)
      if (i.name == name) return &i;
    return nullptr;
  }
  void put(T value) {
    for (auto& i : items)
      if (i.name == value.name) {
        i = std::move(value);
        return;
      }
    items.push_back(std::move(value));
  }
};

struct TypeDef {
  EntityKind kind = EntityKind::Node;
  std::string name;
  const yaml::Node* def = nullptr;  // the definition map (null for built-in primitives)
  const yaml::Node* key = nullptr;  // the name as written, for locations
  int unit = -1;
  bool builtin = false;  // a primitive such as string or scalar-unit.size
  std::string parent_name;
  const TypeDef* parent = nullptr;

  // Effective members after inheritance.
  Members<PropertyDef> properties;
  Members<PropertyDef> attributes;
  std::vector<RequirementDef> requirements;
  Members<CapabilityDef> capabilities;
  Members<InterfaceDef> interfaces;
  Members<ArtifactDef> artifacts;
  std::vector<std::pair<std::string, const yaml::Node*>> operations;  // interface types
  std::vector<std::pair<std::string, const yaml::Node*>> notifications;
  const yaml::Node* interface_inputs = nullptr;
  const yaml::Node* constraints = nullptr;  // data types derived from primitives
  std::shared_ptr<Schema> entry_schema;     // data types derived from list/map
  std::vector<const TypeDef*> valid_target_types;  // relationship types: capability types
  std::vector<const TypeDef*> valid_source_types;  // capability types: node types
  std::vector<const TypeDef*> members;             // group types: node types
  std::vector<const TypeDef*> targets;             // policy types: node or group types

  bool derives_from(const TypeDef* other) const {
    for (const TypeDef* t = this; t; t = t->parent)
      if (t == other) return true;
    return false;
  }
  // The primitive at the root of a data type's hierarchy ("string", "map", ...), or empty.
  std::string_view primitive() const {
    for (const TypeDef* t = this; t; t = t->parent)
      if (t->builtin) return t->name;
    return {};
  }
  const RequirementDef* find_requirement(std::string_view n) const {
    for (const auto& r : requirements)
      if (r.name == n) return &r;
    return nullptr;
  }
};

// All types by kind. Names resolve as written, then through the normative short forms
// ("Compute", "tosca:Compute") and namespace prefixes ("mongodb:MongoDB").
class TypeRegistry {
 public:
  TypeRegistry();
  TypeDef& add(EntityKind kind, std::string name);
  TypeDef* find(EntityKind kind, std::string_view name) const;
  // Which kind a name belongs to, when it is not of the expected one (for "wrong kind" errors).
  const TypeDef* find_any(std::string_view name) const;
  void add_alias(EntityKind kind, std::string alias, TypeDef* t);
  // Consulted after names and aliases: the last segment of normative names ("BlockStorage").
  void add_weak_alias(EntityKind kind, std::string alias, TypeDef* t);
  std::vector<TypeDef*> all(EntityKind kind) const;
  std::size_t size() const { return storage_.size(); }

 private:
  // Transparent hash and equality: find() takes a string_view and is called for every type
  // reference the checks and the optimiser resolve (several per template), so looking it up
  // without first copying it into a std::string matters on large blueprints.
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  using NameMap = std::unordered_map<std::string, TypeDef*, NameHash, std::equal_to<>>;
  std::deque<TypeDef> storage_;
  NameMap by_name_[kEntityKinds];
  NameMap aliases_[kEntityKinds];
  NameMap weak_aliases_[kEntityKinds];
};

}  // namespace modak::tosca
