// The validation phases, in the order the validator runs them. Each reads what the previous
// ones built and reports into the context's sink.
#pragma once

#include "tosca/check/context.h"

namespace modak::tosca {

// Phase 1: the service-template grammar of every loaded file (top-level keys, versions, imports).
void check_units(Context& ctx);
// Phase 2: gather every type, resolve derived_from, reject cycles, inherit members, and check the
// definitions themselves (member types, constraints, defaults, refinements).
void build_types(Context& ctx);
// Phase 3: the topology template of the entry file: inputs, templates, requirements, functions,
// groups, policies, outputs, substitution mappings, workflows.
void check_topology(Context& ctx);

// Function checks. The scope says what SELF, SOURCE and TARGET are.
struct FunctionScope {
  std::string_view self_name;            // the template's name ("" outside templates)
  const TemplateInfo* self = nullptr;    // node or relationship template
  const TypeDef* self_type = nullptr;
  bool in_relationship = false;
  const TemplateInfo* source = nullptr;  // for relationship contexts
  const TemplateInfo* target = nullptr;
  bool in_outputs = false;
};
// Used by the topology checks.
void index_templates(Context& ctx);
void check_node_template(Context& ctx, const TemplateInfo& t, std::string_view name);
void check_relationship_template(Context& ctx, const TemplateInfo& t, std::string_view name);
void check_requirements(Context& ctx, const TemplateInfo& t, std::string_view name);
void check_interfaces(Context& ctx, const yaml::Node* ifaces, const Members<InterfaceDef>& defs, const std::string& owner,
                      const FunctionScope& scope);

void check_functions_in(Context& ctx, const yaml::Node* value, const FunctionScope& scope);

// A node filter: `properties` and `capabilities`, each a list of one-entry maps.
void check_node_filter(Context& ctx, const yaml::Node* nf, const std::string& what);

// The parameters of a definition (property, attribute, input).
PropertyDef make_property_def(Context& ctx, const yaml::Node* key, const yaml::Node* def, bool attribute,
                              const std::string& owner);

}  // namespace modak::tosca
