// Node and relationship templates: their type, and every property, attribute, capability,
// interface and artifact they assign against what the type declares.
#include "tosca/check/checks.h"
#include "tosca/check/grammar.h"
#include "tosca/check/optimisation_hints.h"
#include "tosca/check/values.h"

namespace modak::tosca {

using diag::Code;

namespace {

void undeclared(Context& ctx, const yaml::Node* k, const std::string& msg) {
  if (!ctx.tolerate(Code::QuirkLibraryDrift, k, msg)) ctx.error(Code::Undeclared, k, msg);
}

// Assigned values against definitions, plus required ones that are missing.
void check_assignments(Context& ctx, const yaml::Node* values, const Members<PropertyDef>& defs,
                       const std::string& owner, const char* noun, bool check_required, const yaml::Node* anchor,
                       const FunctionScope& scope) {
  const TemplateInfo* self = scope.self;
  const bool has_request = self && optimisation_request(self->body);
  if (values && !values->is_null()) {
    if (!expect(ctx, values, Shape::Map, owner + " " + noun + "s")) return;
    for (auto [k, v] : yaml::map_entries(values)) {
      const PropertyDef* d = defs.find(k->text);
      std::string what = owner + " " + noun + " '" + k->text + "'";
      if (!d && (k->text == "optimisation" || k->text == "optimization") && std::string_view(noun) == "property" &&
          ctx.profile.sodalite()) {
        ctx.sink.note(diag::Code::OptimisationRequest, ctx.at(k),
                      owner + ": undeclared property '" + k->text + "' holds an optimisation request for modak optimise");
        continue;
      }
      if (!d) {
        undeclared(ctx, k, std::string(noun) + " '" + k->text + "' is not declared by the type of " + owner);
        check_functions_in(ctx, v, scope);
        continue;
      }
      const yaml::Node* value = v;
      // An attribute may be written {description, value} (TOSCA 1.3 §3.6.12.2).
      if (std::string_view(noun) == "attribute" && v->is_map() && v->get("value") && function_name(v).empty() &&
          (v->size() == 1 || (v->size() == 2 && v->get("description"))))
        value = v->get("value");
      check_value(ctx, value, d->schema, what);
      check_functions_in(ctx, value, scope);
    }
  }
  if (!check_required) return;
  const Unit& normative = ctx.svc.units.front();
  for (const auto& d : defs.items) {
    if (!d.required || d.default_value || d.fixed_value) continue;
    // TOSCA 1.0-1.2 made several normative properties optional that 1.3 requires (Database.name).
    if (ctx.minor_version < 3 && normative.implicit && d.node && d.node->mark.source == normative.source) continue;
    if (values && values->is_map() && values->get(d.name)) continue;
    if (has_request && self->type && filled_by_modak(*self->type, d.name)) {
      ctx.sink.note(Code::FilledByModak, ctx.at(anchor), owner + ": '" + d.name + "' is filled by modak optimise");
      continue;
    }
    std::string msg = owner + ": required " + noun + " '" + d.name + "' has no value and no default";
    if (!ctx.tolerate(Code::QuirkRequiredUnset, anchor, msg)) ctx.error(Code::MissingRequired, anchor, msg);
  }
}

Members<PropertyDef> capability_properties(Context& ctx, const CapabilityDef& c, bool attributes) {
  Members<PropertyDef> out = attributes ? c.type->attributes : c.type->properties;
  const yaml::Node* refinements = attributes ? c.attribute_refinements : c.property_refinements;
  if (refinements && refinements->is_map())
    for (auto [k, d] : yaml::map_entries(refinements)) {
      if (!d->is_map()) continue;
      PropertyDef p = make_property_def(ctx, k, d, attributes, "capability '" + c.name + "'");
      if (const PropertyDef* base = out.find(p.name); base && !d->get("type")) p.schema = base->schema;
      out.put(std::move(p));
    }
  return out;
}

void check_capabilities(Context& ctx, const TemplateInfo& t, const std::string& owner, const FunctionScope& scope) {
  const yaml::Node* caps = t.body->get("capabilities");
  if (!caps || caps->is_null() || !expect(ctx, caps, Shape::Map, owner + " capabilities")) return;
  for (auto [k, v] : yaml::map_entries(caps)) {
    const CapabilityDef* c = t.type->capabilities.find(k->text);
    if (!c) {
      undeclared(ctx, k, "capability '" + k->text + "' is not declared by node type '" + t.type->name + "'");
      continue;
    }
    if (!check_keys(ctx, v, grammar::kCapabilityAssignment, k->text) || !c->type) continue;
    std::string what = owner + " capability '" + k->text + "'";
    check_assignments(ctx, v->get("properties"), capability_properties(ctx, *c, false), what, "property", false, v, scope);
    check_assignments(ctx, v->get("attributes"), capability_properties(ctx, *c, true), what, "attribute", false, v, scope);
  }
}

void check_operation(Context& ctx, const yaml::Node* op, const std::string& what, const FunctionScope& scope) {
  if (op->is_scalar()) return;  // short form: the implementation
  if (!check_keys(ctx, op, grammar::kOperationAssignment, "")) return;
  if (const yaml::Node* impl = op->get("implementation"); impl && impl->is_map())
    check_keys(ctx, impl, grammar::kImplementation, "");
  if (const yaml::Node* inputs = op->get("inputs"); inputs && inputs->is_map())
    for (auto [k, v] : yaml::map_entries(inputs)) {
      // An input is a value, or (in types) a parameter definition whose default may call functions.
      const yaml::Node* value = v;
      if (v->is_map() && function_name(v).empty() && (v->get("type") || v->get("default") || v->get("value")))
        value = v->get("value") ? v->get("value") : v->get("default");
      if (value) check_functions_in(ctx, value, scope);
    }
  (void)what;
}

}  // namespace

void check_interfaces(Context& ctx, const yaml::Node* ifaces, const Members<InterfaceDef>& defs, const std::string& owner,
                      const FunctionScope& scope) {
  // The type's own operation inputs run in this template's scope: check their functions here.
  for (const auto& i : defs.items) {
    for (const auto& [name, op] : i.operations)
      if (op && op->is_map()) check_operation(ctx, op, owner + " " + i.name + "." + name, scope);
    if (i.inputs && i.inputs->is_map())
      for (auto [k, v] : yaml::map_entries(i.inputs)) {
        const yaml::Node* value = v->is_map() && function_name(v).empty() ? v->get("default") : v;
        if (value) check_functions_in(ctx, value, scope);
      }
  }
  if (!ifaces || ifaces->is_null() || !expect(ctx, ifaces, Shape::Map, owner + " interfaces")) return;
  for (auto [k, v] : yaml::map_entries(ifaces)) {
    const InterfaceDef* def = defs.find(k->text);
    if (!def) {
      undeclared(ctx, k, owner + ": interface '" + k->text + "' is not declared by its type");
      continue;
    }
    if (!expect(ctx, v, Shape::Map, owner + " interface '" + k->text + "'")) continue;
    const std::string& iface = k->text;  // named, so the lambda need not capture a structured binding
    auto check_op = [&](const yaml::Node* on, const yaml::Node* od) {
      if (!def->find_operation(on->text))
        undeclared(ctx, on, owner + ": interface '" + iface + "' has unknown operation '" + on->text + "'");
      check_operation(ctx, od, owner + " " + iface + "." + on->text, scope);
    };
    for (auto [on, od] : yaml::map_entries(v)) {
      if (on->text == "inputs") {
        if (od->is_map())
          for (auto [ik, iv] : yaml::map_entries(od)) check_functions_in(ctx, iv, scope);
        continue;
      }
      if (on->text == "operations" && od->is_map()) {
        for (auto [n2, d2] : yaml::map_entries(od)) check_op(n2, d2);
        continue;
      }
      if (on->text == "notifications" || on->text == "description" || on->text == "type") continue;
      check_op(on, od);
    }
  }
}

namespace {

void check_artifacts(Context& ctx, const yaml::Node* arts, const TypeDef& type, const std::string& owner) {
  if (!arts || arts->is_null() || !expect(ctx, arts, Shape::Map, owner + " artifacts")) return;
  static const Grammar kRefinement{"artifact definition", grammar::kArtifactDef.allowed, {}};
  for (auto [k, v] : yaml::map_entries(arts)) {
    if (v->is_scalar()) continue;  // short form: the file
    // An artifact the type already declares may be refined without repeating type and file.
    if (!check_keys(ctx, v, type.artifacts.find(k->text) ? kRefinement : grammar::kArtifactDef, k->text)) continue;
    const yaml::Node* art_type = v->get("type");
    if (art_type && art_type->is_scalar() && !art_type->is_null() && !art_type->text.empty() &&
        !ctx.types.find(EntityKind::Artifact, art_type->text))
      ctx.error(Code::UnknownType, art_type,
                owner + " artifact '" + k->text + "': '" + art_type->text + "' is not a known artifact type");
  }
}

}  // namespace

void check_node_template(Context& ctx, const TemplateInfo& t, std::string_view name) {
  const std::string owner = "node template '" + std::string(name) + "'";
  if (!t.type) return;
  FunctionScope scope;
  scope.self_name = name;
  scope.self = &t;
  scope.self_type = t.type;
  bool abstract_select = false;
  if (const yaml::Node* dirs = t.body->get("directives"); dirs && dirs->is_seq())
    for (const yaml::Node* d : dirs->children) abstract_select |= d->text == "select" || d->text == "substitute";
  check_assignments(ctx, t.body->get("properties"), t.type->properties, owner, "property", !abstract_select,
                    t.key, scope);
  check_assignments(ctx, t.body->get("attributes"), t.type->attributes, owner, "attribute", false, t.key, scope);
  check_capabilities(ctx, t, owner, scope);
  check_interfaces(ctx, t.body->get("interfaces"), t.type->interfaces, owner, scope);
  check_artifacts(ctx, t.body->get("artifacts"), *t.type, owner);
  check_requirements(ctx, t, name);
  if (const yaml::Node* nf = t.body->get("node_filter")) check_node_filter(ctx, nf, owner);
  if (const yaml::Node* copy = t.body->get("copy"); copy && !ctx.nodes.count(copy->text))
    ctx.error(Code::UnknownTemplate, copy, owner + ": copy names '" + copy->text + "', which is not a node template");
}

void check_relationship_template(Context& ctx, const TemplateInfo& t, std::string_view name) {
  const std::string owner = "relationship template '" + std::string(name) + "'";
  if (!t.type) return;
  FunctionScope scope;
  scope.self_name = name;
  scope.self = &t;
  scope.self_type = t.type;
  scope.in_relationship = true;
  check_assignments(ctx, t.body->get("properties"), t.type->properties, owner, "property", true, t.key, scope);
  check_assignments(ctx, t.body->get("attributes"), t.type->attributes, owner, "attribute", false, t.key, scope);
  check_interfaces(ctx, t.body->get("interfaces"), t.type->interfaces, owner, scope);
}

}  // namespace modak::tosca
