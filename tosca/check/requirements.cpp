// Requirement assignments: each names a declared requirement, its target node template offers a
// capability of the required type (and is of the required node type), and counts stay within
// the definition's occurrences.
#include <map>

#include "tosca/check/checks.h"
#include "tosca/check/grammar.h"

namespace modak::tosca {

using diag::Code;

namespace {

// The target's capability that satisfies `def`, by type (or by name when the definition names one).
const CapabilityDef* matching_capability(const Context& ctx, const RequirementDef& def, const TypeDef& target,
                                         const yaml::Node* capability_hint) {
  std::string_view hint = text_of(capability_hint);
  const TypeDef* hint_type = hint.empty() ? nullptr : ctx.types.find(EntityKind::Capability, hint);
  for (const auto& c : target.capabilities.items) {
    if (!hint.empty() && c.name != hint && !(c.type && hint_type && c.type->derives_from(hint_type))) continue;
    if (def.capability && c.type && c.type->derives_from(def.capability)) return &c;
    if (!def.capability && (def.capability_name.empty() || c.name == def.capability_name)) return &c;
    if (def.capability && hint == c.name && c.type && c.type->derives_from(def.capability)) return &c;
  }
  return nullptr;
}

void check_target(Context& ctx, const RequirementDef& def, const yaml::Node* node_ref, const yaml::Node* cap_ref,
                  const TemplateInfo& source, const std::string& owner) {
  auto it = ctx.nodes.find(node_ref->text);
  if (it == ctx.nodes.end()) {
    // A node type instead of a template is an abstract requirement for the orchestrator to fill.
    if (const TypeDef* nt = ctx.types.find(EntityKind::Node, node_ref->text)) {
      if (def.node_type && !nt->derives_from(def.node_type))
        ctx.error(Code::RequirementMismatch, node_ref,
                  owner + " requirement '" + def.name + "': node type '" + nt->name + "' does not derive from '" +
                      def.node_type->name + "'");
      return;
    }
    ctx.error(Code::UnknownTemplate, node_ref,
              owner + " requirement '" + def.name + "': node template '" + node_ref->text + "' not found");
    return;
  }
  const TemplateInfo& target = it->second;
  if (!target.type) return;
  if (def.node_type && !target.type->derives_from(def.node_type)) {
    // The spec's `node` names the type expected to hold the capability; tosca-parser and xOpera
    // accept any target that offers the capability, so this is a warning.
    ctx.warning(Code::RequirementMismatch, node_ref,
                owner + " requirement '" + def.name + "': target '" + node_ref->text + "' is a '" + target.type->name +
                    "', not a '" + def.node_type->name + "' as the requirement definition expects");
  }
  if ((def.capability || !def.capability_name.empty()) && !matching_capability(ctx, def, *target.type, cap_ref)) {
    std::string wanted = def.capability ? def.capability->name : def.capability_name;
    std::string msg = owner + " requirement '" + def.name + "': target '" + node_ref->text + "' (" +
                      target.type->name + ") has no capability of type '" + wanted + "'";
    if (ctx.minor_version < 3) ctx.warning(Code::RequirementMismatch, node_ref, msg + " (tolerated for TOSCA 1.0-1.2 files)");
    else if (!ctx.tolerate(Code::QuirkLibraryDrift, node_ref, msg)) ctx.error(Code::RequirementMismatch, node_ref, msg);
  }
  (void)source;
}

void check_relationship(Context& ctx, const RequirementDef& def, const yaml::Node* rel, const std::string& owner,
                        const TemplateInfo& source, std::string_view source_name) {
  const std::string what = owner + " requirement '" + def.name + "' relationship";
  const TypeDef* rel_type = nullptr;
  if (rel->is_scalar()) {
    if (auto it = ctx.relationships.find(rel->text); it != ctx.relationships.end()) rel_type = it->second.type;
    else if (!(rel_type = ctx.types.find(EntityKind::Relationship, rel->text)))
      ctx.error(Code::UnknownTemplate, rel,
                what + ": '" + rel->text + "' is neither a relationship template nor a relationship type");
  } else if (rel->is_map()) {
    check_keys(ctx, rel, grammar::kRelationshipAssignment, "");
    if (const yaml::Node* type = rel->get("type")) {
      rel_type = ctx.types.find(EntityKind::Relationship, text_of(type));
      if (!rel_type) ctx.error(Code::UnknownType, type, what + ": '" + type->text + "' is not a known relationship type");
    } else {
      rel_type = def.relationship;
    }
    if (rel_type) {
      FunctionScope scope;
      scope.self_name = source_name;
      scope.self = &source;
      scope.self_type = rel_type;
      scope.in_relationship = true;
      scope.source = &source;
      if (const yaml::Node* props = rel->get("properties"); props && props->is_map())
        for (auto [k, v] : yaml::map_entries(props)) {
          if (!rel_type->properties.find(k->text))
            ctx.error(Code::Undeclared, k, what + ": property '" + k->text + "' is not declared by '" + rel_type->name + "'");
          check_functions_in(ctx, v, scope);
        }
      check_interfaces(ctx, rel->get("interfaces"), rel_type->interfaces, what, scope);
    }
  }
  if (rel_type && def.relationship && !rel_type->derives_from(def.relationship))
    ctx.error(Code::RequirementMismatch, rel,
              what + ": '" + rel_type->name + "' does not derive from '" + def.relationship->name + "'");
}

}  // namespace

void check_requirements(Context& ctx, const TemplateInfo& t, std::string_view name) {
  const yaml::Node* reqs = t.body->get("requirements");
  const std::string owner = "node template '" + std::string(name) + "'";
  if (!reqs || reqs->is_null() || !t.type) return;
  if (!expect(ctx, reqs, Shape::Seq, owner + " requirements")) return;
  std::map<std::string, std::pair<std::int64_t, const yaml::Node*>> used;
  for (const yaml::Node* entry : reqs->children) {
    if (!entry->is_map() || entry->size() != 1) {
      ctx.error(Code::WrongKind, entry, owner + ": each requirement is a one-entry map {name: target}");
      continue;
    }
    const yaml::Node* key = entry->key_at(0);
    const yaml::Node* value = entry->value_at(0);
    const RequirementDef* def = t.type->find_requirement(key->text);
    if (!def) {
      std::string msg = owner + ": requirement '" + key->text + "' is not declared by node type '" + t.type->name + "'";
      if (ctx.minor_version < 3) ctx.warning(Code::Undeclared, key, msg + " (tolerated for TOSCA 1.0-1.2 files)");
      else if (!ctx.tolerate(Code::QuirkLibraryDrift, key, msg)) ctx.error(Code::Undeclared, key, msg);
      continue;
    }
    auto& count = used[def->name];
    count.first++;
    count.second = key;
    if (value->is_scalar()) {
      if (!value->is_null()) check_target(ctx, *def, value, nullptr, t, owner);
      continue;
    }
    if (!check_keys(ctx, value, grammar::kRequirementAssignment, key->text)) continue;
    const yaml::Node* node_ref = value->get("node");
    if (node_ref && node_ref->is_scalar()) check_target(ctx, *def, node_ref, value->get("capability"), t, owner);
    if (const yaml::Node* rel = value->get("relationship")) check_relationship(ctx, *def, rel, owner, t, name);
    if (const yaml::Node* nf = value->get("node_filter")) check_node_filter(ctx, nf, owner + " requirement '" + key->text + "'");
  }
  for (const auto& [req, c] : used) {
    const RequirementDef* def = t.type->find_requirement(req);
    if (def && def->occurrences.max >= 0 && c.first > def->occurrences.max)
      ctx.error(Code::Occurrences, c.second,
                owner + ": requirement '" + req + "' is assigned " + std::to_string(c.first) +
                    " times; its occurrences allow at most " + std::to_string(def->occurrences.max));
  }
}

}  // namespace modak::tosca
