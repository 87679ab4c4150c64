// Phase 1 (the files) and phase 3 (the topology template of the entry file).
#include "tosca/check/checks.h"
#include "tosca/check/grammar.h"
#include "tosca/check/values.h"

namespace modak::tosca {

using diag::Code;

namespace {

// tosca_simple_yaml_1_0 .. 1_3 -> 0..3; extension profiles -> -2; anything else -> -1.
int minor_of(std::string_view v) {
  if (v == "tosca_simple_yaml_1_0" || v == "tosca_simple_yaml_1_0_0") return 0;
  if (v == "tosca_simple_yaml_1_1") return 1;
  if (v == "tosca_simple_yaml_1_2") return 2;
  if (v == "tosca_simple_yaml_1_3") return 3;
  if (v == "tosca_simple_profile_for_nfv_1_0") return 3;  // the NFV 1.0 profile: its types are in share/tosca/nfv-1.0.yaml
  if (v.rfind("tosca_simple_profile_for_", 0) == 0) return -2;
  return -1;
}

void check_unit(Context& ctx, const Unit& u, bool is_root) {
  const yaml::Node* root = u.root;
  if (!root) return;
  if (!root->is_map()) {
    ctx.error(Code::WrongKind, root, "a TOSCA file must be a map of keynames, not " + std::string(yaml::kind_name(root->kind)));
    return;
  }
  check_keys(ctx, root, grammar::kServiceTemplate, "");
  if (!root->get("tosca_definitions_version"))
    ctx.error(Code::UnknownVersion, root, "the file has no tosca_definitions_version (expected tosca_simple_yaml_1_0 .. tosca_simple_yaml_1_3)");
  if (const yaml::Node* v = root->get("tosca_definitions_version")) {
    int minor = minor_of(text_of(v));
    if (minor == -2)
      ctx.error(Code::UnsupportedProfile, v,
                "'" + v->text + "' is a TOSCA extension profile (NFV) that modak does not implement; "
                "modak supports tosca_simple_yaml_1_0 to tosca_simple_yaml_1_3");
    else if (minor == -1)
      ctx.error(Code::UnknownVersion, v, "'" + v->text + "' is not a TOSCA version (expected tosca_simple_yaml_1_0 .. tosca_simple_yaml_1_3)");
    else if (!is_root && !u.implicit && u.version != ctx.svc.root_unit().version && minor_of(ctx.svc.root_unit().version) >= 0)
      ctx.warning(Code::ImportVersion, v,
                  "imported file declares '" + v->text + "' while the service template declares '" +
                      ctx.svc.root_unit().version + "' (xOpera refuses such a mix)");
  }
  if (const yaml::Node* imports = root->get("imports"); imports && !imports->is_null()) {
    if (expect(ctx, imports, Shape::Seq, "imports"))
      for (const yaml::Node* e : imports->children) {
        if (e->is_scalar()) continue;
        if (!e->is_map()) {
          ctx.error(Code::WrongKind, e, "an import is a file name or an import definition map");
          continue;
        }
        const yaml::Node* def = (!e->get("file") && e->size() == 1) ? e->value_at(0) : e;
        if (def->is_map()) check_keys(ctx, def, grammar::kImportDef, "");
      }
  }
  if (const yaml::Node* repos = root->get("repositories"); repos && expect(ctx, repos, Shape::Map, "repositories"))
    for (auto [k, v] : yaml::map_entries(repos))
      if (!v->is_scalar()) check_keys(ctx, v, grammar::kRepositoryDef, k->text);
  if (const yaml::Node* md = root->get("metadata"); md && !md->is_null()) expect(ctx, md, Shape::Map, "metadata");
  if (const yaml::Node* tt = root->get("topology_template"); tt && !is_root && tt->is_map())
    check_keys(ctx, tt, grammar::kTopology, "");
}

void check_inputs(Context& ctx) {
  if (!ctx.inputs || ctx.inputs->is_null() || !expect(ctx, ctx.inputs, Shape::Map, "inputs")) return;
  for (auto [k, d] : yaml::map_entries(ctx.inputs)) {
    const std::string what = "input '" + k->text + "'";
    if (!check_keys(ctx, d, grammar::kParameterDef, k->text)) continue;
    if (!d->get("type")) {
      ctx.error(Code::MissingField, d, what + " is missing required field 'type'");
      continue;
    }
    PropertyDef p = make_property_def(ctx, k, d, false, "topology");
    if (p.schema.constraints) check_constraint_clauses(ctx, p.schema.constraints, p.schema, what);
    if (p.default_value) check_value(ctx, p.default_value, p.schema, what + " default");
    if (p.fixed_value) check_value(ctx, p.fixed_value, p.schema, what + " value");
  }
}

void check_outputs(Context& ctx, const yaml::Node* outputs) {
  if (!outputs || outputs->is_null() || !expect(ctx, outputs, Shape::Map, "outputs")) return;
  FunctionScope scope;
  scope.in_outputs = true;
  for (auto [k, d] : yaml::map_entries(outputs)) {
    if (!check_keys(ctx, d, grammar::kOutputDef, k->text)) continue;
    const yaml::Node* value = d->get("value");
    if (!value) {
      ctx.error(Code::MissingField, d, "output '" + k->text + "' is missing required field 'value'");
      continue;
    }
    check_functions_in(ctx, value, scope);
    if (d->get("type")) {
      PropertyDef p = make_property_def(ctx, k, d, false, "topology");
      check_value(ctx, value, p.schema, "output '" + k->text + "'");
    }
  }
}

void index_section(Context& ctx, const char* section, EntityKind kind, const Grammar& g,
                   std::unordered_map<std::string_view, TemplateInfo>& into) {
  const yaml::Node* s = ctx.topology->get(section);
  if (!s || s->is_null()) return;
  // TOSCA 1.3 writes policies as a list of one-entry maps; the other sections are maps.
  std::vector<std::pair<const yaml::Node*, const yaml::Node*>> entries;
  if (s->is_seq()) {
    for (const yaml::Node* e : s->children)
      if (e->is_map() && e->size() == 1) entries.emplace_back(e->key_at(0), e->value_at(0));
      else ctx.error(Code::WrongKind, e, std::string(section) + ": each entry is a one-entry map {name: definition}");
  } else if (expect(ctx, s, Shape::Map, section)) {
    for (auto [k, body] : yaml::map_entries(s)) entries.emplace_back(k, body);
  }
  for (auto [k, body] : entries) {
    TemplateInfo t{k, body, nullptr};
    if (check_keys(ctx, body, g, k->text))
      if (const yaml::Node* type = body->get("type"); type && type->is_scalar() && !type->text.empty()) {
        t.type = ctx.types.find(kind, type->text);
        if (!t.type) {
          const TypeDef* other = ctx.types.find_any(type->text);
          if (other)
            ctx.error(Code::WrongTypeKind, type,
                      std::string(g.construct) + " '" + k->text + "': '" + type->text + "' is a " +
                          std::string(kind_label(other->kind)) + ", not a " + std::string(kind_label(kind)));
          else
            ctx.error(Code::UnknownType, type,
                      std::string(g.construct) + " '" + k->text + "': type '" + type->text + "' is not a known " +
                          std::string(kind_label(kind)));
        }
      }
    into.emplace(k->text, t);
  }
}

void check_members(Context& ctx, const TemplateInfo& g, std::string_view name) {
  const yaml::Node* members = g.body->get("members");
  if (!members || !expect(ctx, members, Shape::Seq, "group '" + std::string(name) + "' members")) return;
  for (const yaml::Node* m : members->children) {
    auto it = ctx.nodes.find(text_of(m));
    if (it == ctx.nodes.end()) {
      ctx.error(Code::UnknownTemplate, m, "group '" + std::string(name) + "': member '" + m->text + "' is not a node template");
      continue;
    }
    if (!g.type || g.type->members.empty() || !it->second.type) continue;
    bool allowed = false;
    for (const TypeDef* t : g.type->members) allowed |= it->second.type->derives_from(t);
    if (!allowed)
      ctx.error(Code::RequirementMismatch, m,
                "group '" + std::string(name) + "': member '" + m->text + "' is not of a type group type '" +
                    g.type->name + "' allows");
  }
}

void check_targets(Context& ctx, const TemplateInfo& p, std::string_view name) {
  const yaml::Node* targets = p.body->get("targets");
  if (!targets || !expect(ctx, targets, Shape::Seq, "policy '" + std::string(name) + "' targets")) return;
  for (const yaml::Node* t : targets->children)
    if (!ctx.nodes.count(text_of(t)) && !ctx.groups.count(text_of(t)))
      ctx.error(Code::UnknownTemplate, t,
                "policy '" + std::string(name) + "': target '" + t->text + "' is neither a node template nor a group");
  if (const yaml::Node* triggers = p.body->get("triggers"); triggers && expect(ctx, triggers, Shape::Map, "triggers"))
    for (auto [k, v] : yaml::map_entries(triggers)) check_keys(ctx, v, grammar::kTrigger, k->text);
}

void check_group_like(Context& ctx, const TemplateInfo& t, std::string_view name, const char* noun) {
  if (!t.type) return;
  FunctionScope scope;
  scope.self_name = name;
  const std::string owner = std::string(noun) + " '" + std::string(name) + "'";
  const yaml::Node* props = t.body->get("properties");
  if (props && props->is_map())
    for (auto [k, v] : yaml::map_entries(props)) {
      const PropertyDef* d = t.type->properties.find(k->text);
      if (!d) ctx.error(Code::Undeclared, k, owner + ": property '" + k->text + "' is not declared by '" + t.type->name + "'");
      else check_value(ctx, v, d->schema, owner + " property '" + k->text + "'");
      check_functions_in(ctx, v, scope);
    }
  for (const auto& d : t.type->properties.items)
    if (d.required && !d.default_value && !(props && props->is_map() && props->get(d.name)))
      ctx.error(Code::MissingRequired, t.key, owner + ": required property '" + d.name + "' has no value and no default");
}

void check_substitution(Context& ctx, const yaml::Node* sm) {
  if (!sm || !check_keys(ctx, sm, grammar::kSubstitutionMappings, "")) return;
  if (const yaml::Node* sf = sm->get("substitution_filter"); sf && sf->is_map()) {
    // tosca-parser nests the filter under `node_filter`; TOSCA 1.3 writes it directly.
    const yaml::Node* inner = sf->get("node_filter");
    check_node_filter(ctx, inner && sf->size() == 1 ? inner : sf, "substitution_filter");
  }
  const yaml::Node* nt = sm->get("node_type");
  const TypeDef* type = nt ? ctx.types.find(EntityKind::Node, text_of(nt)) : nullptr;
  if (nt && !type) {
    ctx.error(Code::UnknownType, nt, "substitution mappings: '" + nt->text + "' is not a known node type");
    return;
  }
  if (!type) return;
  // Every required property of the substituted type needs an input to come from.
  for (const auto& p : type->properties.items) {
    if (!p.required || p.default_value) continue;
    const yaml::Node* mapped = sm->get("properties");
    bool has_input = ctx.inputs && ctx.inputs->is_map() && ctx.inputs->get(p.name);
    if (!has_input && !(mapped && mapped->is_map() && mapped->get(p.name)))
      ctx.error(Code::SubstitutionMapping, nt,
                "substitution mappings for node type '" + type->name + "' have no input for required property '" +
                    p.name + "'");
  }
  for (const char* section : {"capabilities", "requirements"}) {
    const yaml::Node* m = sm->get(section);
    if (!m || m->is_null() || !expect(ctx, m, Shape::Map, std::string("substitution mappings ") + section)) continue;
    for (auto [k, v] : yaml::map_entries(m)) {
      bool cap = section[0] == 'c';
      if (cap ? !type->capabilities.find(k->text) : !type->find_requirement(k->text))
        ctx.error(Code::SubstitutionMapping, k,
                  std::string("substitution mappings: '") + k->text + "' is not a " + (cap ? "capability" : "requirement") +
                      " of node type '" + type->name + "'");
      if (!v->is_seq() || v->size() != 2) {
        ctx.error(Code::SubstitutionMapping, v,
                  std::string("substitution mappings: ") + section + " '" + k->text + "' must be a list [node_template, name]");
        continue;
      }
      auto it = ctx.nodes.find(text_of(v->item(0)));
      if (it == ctx.nodes.end()) {
        ctx.error(Code::UnknownTemplate, v->item(0), "substitution mappings: '" + v->item(0)->text + "' is not a node template");
        continue;
      }
      if (it->second.type && (cap ? !it->second.type->capabilities.find(v->item(1)->text)
                                  : !it->second.type->find_requirement(v->item(1)->text)))
        ctx.error(Code::SubstitutionMapping, v->item(1),
                  "substitution mappings: node template '" + v->item(0)->text + "' has no " +
                      (cap ? "capability" : "requirement") + " '" + v->item(1)->text + "'");
    }
  }
  if (const yaml::Node* props = sm->get("properties"); props && props->is_map())
    for (auto [k, v] : yaml::map_entries(props)) {
      if (!type->properties.find(k->text))
        ctx.error(Code::SubstitutionMapping, k, "substitution mappings: '" + k->text + "' is not a property of '" + type->name + "'");
      if (v->is_seq() && v->size() == 1 && !(ctx.inputs && ctx.inputs->is_map() && ctx.inputs->get(v->item(0)->text)))
        ctx.error(Code::UnknownInput, v->item(0), "substitution mappings: '" + v->item(0)->text + "' is not an input");
    }
}

void check_workflows(Context& ctx, const yaml::Node* wfs) {
  if (!wfs || wfs->is_null() || !expect(ctx, wfs, Shape::Map, "workflows")) return;
  for (auto [wk, wf] : yaml::map_entries(wfs)) {
    if (!check_keys(ctx, wf, grammar::kWorkflow, wk->text)) continue;
    const yaml::Node* steps = wf->get("steps");
    if (!steps || !expect(ctx, steps, Shape::Map, "workflow '" + wk->text + "' steps")) continue;
    for (auto [sk, step] : yaml::map_entries(steps)) {
      if (!check_keys(ctx, step, grammar::kStep, sk->text)) continue;
      const std::string owner = "workflow '" + wk->text + "' step '" + sk->text + "'";
      const yaml::Node* target = step->get("target");
      auto node = target ? ctx.nodes.find(text_of(target)) : ctx.nodes.end();
      if (target && node == ctx.nodes.end() && !ctx.groups.count(text_of(target)))
        ctx.error(Code::WorkflowReference, target, owner + ": target '" + target->text + "' is not a node template or group");
      for (const char* next : {"on_success", "on_failure"})
        if (const yaml::Node* n = step->get(next)) {
          std::vector<const yaml::Node*> names;
          if (n->is_seq()) names.assign(n->children.begin(), n->children.end());
          else names.push_back(n);
          for (const yaml::Node* s : names)
            if (!steps->get(text_of(s)))
              ctx.error(Code::WorkflowReference, s, owner + ": " + next + " names '" + s->text + "', which is not a step");
        }
      const yaml::Node* acts = step->get("activities");
      if (!acts || !expect(ctx, acts, Shape::Seq, owner + " activities")) continue;
      for (const yaml::Node* a : acts->children) {
        if (!a->is_map() || a->size() != 1) {
          ctx.error(Code::WrongKind, a, owner + ": an activity is a one-entry map");
          continue;
        }
        std::string_view kind = a->key_at(0)->text;
        const yaml::Node* arg = a->value_at(0);
        if (kind == "call_operation" && node != ctx.nodes.end() && node->second.type) {
          std::string_view op = arg->is_map() ? text_of(arg->get("operation")) : text_of(arg);
          auto dot = op.rfind('.');
          const InterfaceDef* i = dot == std::string_view::npos ? nullptr
                                                                : node->second.type->interfaces.find(op.substr(0, dot));
          if (!i || !i->find_operation(op.substr(dot + 1)))
            ctx.error(Code::WorkflowReference, arg, owner + ": operation '" + std::string(op) + "' is not an operation of '" + node->second.type->name + "'");
        } else if (kind == "inline" && !wfs->get(arg->is_map() ? text_of(arg->get("workflow")) : text_of(arg))) {
          ctx.error(Code::WorkflowReference, arg, owner + ": inline names a workflow that does not exist");
        } else if (kind != "delegate" && kind != "set_state" && kind != "call_operation" && kind != "inline") {
          ctx.error(Code::WorkflowReference, a->key_at(0), owner + ": unknown activity '" + std::string(kind) + "'");
        }
      }
    }
  }
}

}  // namespace

void check_node_filter(Context& ctx, const yaml::Node* nf, const std::string& what) {
  if (!check_keys(ctx, nf, grammar::kNodeFilter, "")) return;
  auto one_entry_list = [&](const yaml::Node* list, const std::string& label) {
    if (!list->is_seq()) {
      ctx.error(Code::WrongKind, list, what + ": " + label + " of a node filter must be a list of one-entry maps");
      return false;
    }
    for (const yaml::Node* e : list->children)
      if (!e->is_map() || e->size() != 1) {
        ctx.error(Code::WrongKind, e, what + ": each entry of " + label + " is a one-entry map");
        return false;
      }
    return true;
  };
  if (const yaml::Node* props = nf->get("properties")) one_entry_list(props, "properties");
  if (const yaml::Node* caps = nf->get("capabilities"); caps && one_entry_list(caps, "capabilities"))
    for (const yaml::Node* e : caps->children) {
      const yaml::Node* body = e->value_at(0);
      if (!check_keys(ctx, body, Grammar{"capability filter", {"properties"}, {}}, e->key_at(0)->text)) continue;
      if (const yaml::Node* p = body->get("properties")) one_entry_list(p, "capability '" + e->key_at(0)->text + "' properties");
    }
}

void check_units(Context& ctx) {
  for (std::size_t i = 0; i < ctx.svc.units.size(); ++i)
    check_unit(ctx, ctx.svc.units[i], static_cast<int>(i) == ctx.svc.root);
  int minor = minor_of(ctx.svc.root_unit().version);
  ctx.minor_version = minor >= 0 ? minor : 3;
}

void index_templates(Context& ctx) {
  index_section(ctx, "node_templates", EntityKind::Node, grammar::kNodeTemplate, ctx.nodes);
  index_section(ctx, "relationship_templates", EntityKind::Relationship, grammar::kRelationshipTemplate, ctx.relationships);
  index_section(ctx, "groups", EntityKind::Group, grammar::kGroup, ctx.groups);
  index_section(ctx, "policies", EntityKind::Policy, grammar::kPolicy, ctx.policies);
}

void check_topology(Context& ctx) {
  const yaml::Node* root = ctx.svc.root_unit().root;
  if (!root || !root->is_map()) return;
  ctx.topology = root->get("topology_template");
  if (!ctx.topology || ctx.topology->is_null()) return;
  if (!check_keys(ctx, ctx.topology, grammar::kTopology, "")) return;
  ctx.inputs = ctx.topology->get("inputs");
  check_inputs(ctx);
  index_templates(ctx);
  for (const auto& [name, t] : ctx.nodes) check_node_template(ctx, t, name);
  for (const auto& [name, t] : ctx.relationships) check_relationship_template(ctx, t, name);
  for (const auto& [name, g] : ctx.groups) {
    check_members(ctx, g, name);
    check_group_like(ctx, g, name, "group");
  }
  for (const auto& [name, p] : ctx.policies) {
    check_targets(ctx, p, name);
    check_group_like(ctx, p, name, "policy");
  }
  check_outputs(ctx, ctx.topology->get("outputs"));
  check_substitution(ctx, ctx.topology->get("substitution_mappings"));
  check_workflows(ctx, ctx.topology->get("workflows"));
}

}  // namespace modak::tosca
