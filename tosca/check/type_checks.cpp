// Phase 2: types. Gather them from every file, resolve parents, reject cycles, inherit members
// parent-first, then check the definitions (types named, constraints, defaults, refinements).
#include <functional>
#include <set>

#include "tosca/check/checks.h"
#include "tosca/check/grammar.h"
#include "tosca/check/values.h"

namespace modak::tosca {

using diag::Code;

namespace {

const Grammar& grammar_for(EntityKind k) {
  switch (k) {
    case EntityKind::Data: return grammar::kDataType;
    case EntityKind::Artifact: return grammar::kArtifactType;
    case EntityKind::Capability: return grammar::kCapabilityType;
    case EntityKind::Interface: return grammar::kInterfaceType;
    case EntityKind::Relationship: return grammar::kRelationshipType;
    case EntityKind::Node: return grammar::kNodeType;
    case EntityKind::Group: return grammar::kGroupType;
    case EntityKind::Policy: return grammar::kPolicyType;
  }
  return grammar::kNodeType;
}

// Two definitions are the same when their YAML is the same (locations aside).
bool same_tree(const yaml::Node* a, const yaml::Node* b) {
  if (a == b) return true;
  if (!a || !b || a->kind != b->kind || a->children.size() != b->children.size()) return false;
  if (a->is_scalar()) return a->text == b->text;
  for (std::size_t i = 0; i < a->children.size(); ++i)
    if (!same_tree(a->children[i], b->children[i])) return false;
  return true;
}

void add_short_names(TypeRegistry& reg, TypeDef& t) {
  // tosca.nodes.Compute -> "Compute", "tosca:Compute"; tosca.nodes.network.Port -> "network.Port" too.
  std::string prefix = "tosca." + std::string(normative_segment(t.kind)) + ".";
  if (t.name.rfind(prefix, 0) != 0) return;
  std::string rest = t.name.substr(prefix.size());
  reg.add_alias(t.kind, rest, &t);
  reg.add_alias(t.kind, "tosca:" + rest, &t);
  if (auto dot = rest.rfind('.'); dot != std::string::npos) {
    // TOSCA 1.0 names: tosca.nodes.BlockStorage became tosca.nodes.Storage.BlockStorage.
    std::string last = rest.substr(dot + 1);
    reg.add_weak_alias(t.kind, last, &t);
    reg.add_weak_alias(t.kind, "tosca:" + last, &t);
    reg.add_weak_alias(t.kind, prefix + last, &t);
    // Profile names nest one level more (tosca.nodes.nfv.VDU.Compute is "tosca:VDU.Compute").
    if (auto first = rest.find('.'); first != dot) reg.add_weak_alias(t.kind, "tosca:" + rest.substr(first + 1), &t);
  }
}

class TypeBuilder {
 public:
  explicit TypeBuilder(Context& ctx) : ctx_(ctx) {}
  void run();

 private:
  void gather();
  void gather_unit(int u);
  void resolve_parents();
  void break_cycles();
  void inherit(TypeDef& t);
  void inherit_all();
  void check_definitions(TypeDef& t);

  void own_properties(TypeDef& t, const char* section, Members<PropertyDef>& into, bool attributes);
  void own_requirements(TypeDef& t);
  void own_capabilities(TypeDef& t);
  void own_interfaces(TypeDef& t);
  void own_artifacts(TypeDef& t);
  void own_interface_type(TypeDef& t);
  void own_type_list(TypeDef& t, const char* key, EntityKind kind, std::vector<const TypeDef*>& into,
                     EntityKind alt_kind);

  const TypeDef* lookup(EntityKind kind, const yaml::Node* name_node, const std::string& what, bool report = true);
  Occurrences occurrences(const yaml::Node* n, Occurrences dflt, const std::string& what);

  Context& ctx_;
  std::set<const TypeDef*> done_;
};

void TypeBuilder::run() {
  gather();
  resolve_parents();
  break_cycles();
  inherit_all();
  for (int k = 0; k < kEntityKinds; ++k)
    for (TypeDef* t : ctx_.types.all(static_cast<EntityKind>(k)))
      if (!t->builtin) check_definitions(*t);
}

void TypeBuilder::gather() {
  for (std::size_t u = 0; u < ctx_.svc.units.size(); ++u) gather_unit(static_cast<int>(u));
}

void TypeBuilder::gather_unit(int u) {
  const Unit& unit = ctx_.svc.units[static_cast<std::size_t>(u)];
  if (!unit.root || !unit.root->is_map()) return;
  for (int k = 0; k < kEntityKinds; ++k) {
    auto kind = static_cast<EntityKind>(k);
    const yaml::Node* section = unit.root->get(section_name(kind));
    if (!section || section->is_null()) continue;
    if (!expect(ctx_, section, Shape::Map, section_name(kind))) continue;
    for (auto [key, def] : yaml::map_entries(section)) {
      if (TypeDef* existing = ctx_.types.find(kind, key->text); existing && !existing->builtin &&
                                                               existing->name == key->text) {
        if (same_tree(existing->def, def)) continue;  // the same definition reached twice: harmless
        std::string msg = std::string(kind_label(kind)) + " '" + key->text + "' is defined again, differently";
        if (!ctx_.tolerate(Code::QuirkDuplicateType, key, msg + "; the first definition wins")) {
          auto& d = ctx_.error(Code::DuplicateType, key, msg);
          d.notes.push_back({diag::Severity::Note, Code::DuplicateType, ctx_.at(existing->key), "first defined here", {}});
        }
        continue;
      }
      TypeDef& t = ctx_.types.add(kind, key->text);
      t.def = def;
      t.key = key;
      t.unit = u;
      if (kind == EntityKind::Interface && def->is_map() && !def->get("operations")) {
        // TOSCA 1.0-1.2: operations sit directly under the interface type; any other key is one.
      } else if (!check_keys(ctx_, def, grammar_for(kind), key->text) && !def->is_map()) {
        continue;
      }
      if (const yaml::Node* parent = def->get("derived_from")) t.parent_name = std::string(text_of(parent));
      if (unit.implicit) add_short_names(ctx_.types, t);
      if (!unit.namespace_prefix.empty()) ctx_.types.add_alias(kind, unit.namespace_prefix + ":" + key->text, &t);
      // A unit's own `namespace:` lets its types be named "ns:Name" too.
      if (const yaml::Node* ns = unit.root->get("namespace"); ns && ns->is_string() && !unit.implicit)
        ctx_.types.add_alias(kind, ns->text + ":" + key->text, &t);
    }
  }
}

const TypeDef* TypeBuilder::lookup(EntityKind kind, const yaml::Node* name_node, const std::string& what,
                                   bool report) {
  if (!name_node || !name_node->is_scalar()) return nullptr;
  if (const TypeDef* t = ctx_.types.find(kind, name_node->text)) return t;
  if (!report) return nullptr;
  const TypeDef* other = ctx_.types.find_any(name_node->text);
  // Only when the name itself says the expected kind ("tosca.capabilities.X" declared under node_types).
  bool named_for_kind = name_node->text.find("." + std::string(normative_segment(kind)) + ".") != std::string::npos;
  if (other && ctx_.minor_version < 3 && named_for_kind) {
    ctx_.warning(Code::WrongTypeKind, name_node,
                 what + ": '" + name_node->text + "' is declared as a " + std::string(kind_label(other->kind)) +
                     " but used as a " + std::string(kind_label(kind)) + " (tolerated for TOSCA 1.0-1.2 files)");
    return other;
  }
  // A library file may name types that only the blueprint importing it brings in.
  if (!other && ctx_.tolerate(Code::QuirkLibraryDrift, name_node,
                              what + ": '" + name_node->text + "' is not a known " + std::string(kind_label(kind)) +
                                  " (defined by a file this one does not import?)"))
    return nullptr;
  if (other)
    ctx_.error(Code::WrongTypeKind, name_node,
               what + ": '" + name_node->text + "' is a " + std::string(kind_label(other->kind)) + ", not a " +
                   std::string(kind_label(kind)));
  else
    ctx_.error(Code::UnknownType, name_node,
               what + ": '" + name_node->text + "' is not a known " + std::string(kind_label(kind)));
  return nullptr;
}

void TypeBuilder::resolve_parents() {
  for (int k = 0; k < kEntityKinds; ++k)
    for (TypeDef* t : ctx_.types.all(static_cast<EntityKind>(k))) {
      if (t->builtin || !t->def || !t->def->is_map()) continue;
      const yaml::Node* parent = t->def->get("derived_from");
      if (!parent) continue;
      // tosca-parser merges every type section: a "tosca.capabilities.X" under node_types still
      // derives from a capability type. Tolerated for TOSCA 1.0-1.2 when the names agree.
      if (const TypeDef* other = ctx_.types.find_any(text_of(parent));
          other && other->kind != t->kind && ctx_.minor_version < 3 &&
          t->name.find("." + std::string(normative_segment(other->kind)) + ".") != std::string::npos) {
        ctx_.warning(Code::WrongTypeKind, parent,
                     "'" + t->name + "' is declared under " + std::string(section_name(t->kind)) + " but derives from " +
                         std::string(kind_label(other->kind)) + " '" + other->name + "' (tolerated for TOSCA 1.0-1.2)");
        t->parent = other;
        continue;
      }
      const TypeDef* p = lookup(t->kind, parent, std::string(kind_label(t->kind)) + " '" + t->name + "' derived_from");
      if (p == t) {
        ctx_.error(Code::TypeCycle, parent, std::string(kind_label(t->kind)) + " '" + t->name + "' derives from itself");
        continue;
      }
      t->parent = p;
    }
}

void TypeBuilder::break_cycles() {
  for (int k = 0; k < kEntityKinds; ++k)
    for (TypeDef* t : ctx_.types.all(static_cast<EntityKind>(k))) {
      std::set<const TypeDef*> seen;
      for (const TypeDef* p = t; p; p = p->parent) {
        if (!seen.insert(p).second) {
          // Report once, at the type whose derived_from closes the loop back to `t`.
          std::string chain;
          const TypeDef* q = p;
          do {
            chain += q->name + " -> ";
            q = q->parent;
          } while (q && q != p);
          ctx_.error(Code::TypeCycle, t->def->get("derived_from"),
                     std::string(kind_label(t->kind)) + " hierarchy has a cycle: " + chain + p->name);
          // Cut every link of the cycle so later phases terminate.
          std::vector<TypeDef*> members;
          const TypeDef* r = p;
          do {
            members.push_back(const_cast<TypeDef*>(r));
            r = r->parent;
          } while (r && r != p);
          for (TypeDef* m : members) m->parent = nullptr;
          break;
        }
      }
    }
}

void TypeBuilder::inherit_all() {
  for (int k = 0; k < kEntityKinds; ++k)
    for (TypeDef* t : ctx_.types.all(static_cast<EntityKind>(k))) inherit(*t);
}

void TypeBuilder::inherit(TypeDef& t) {
  if (t.builtin || !done_.insert(&t).second) return;
  if (t.parent) {
    inherit(const_cast<TypeDef&>(*t.parent));
    const TypeDef& p = *t.parent;
    t.properties = p.properties;
    t.attributes = p.attributes;
    t.requirements = p.requirements;
    t.capabilities = p.capabilities;
    t.interfaces = p.interfaces;
    t.artifacts = p.artifacts;
    t.operations = p.operations;
    t.notifications = p.notifications;
    t.entry_schema = p.entry_schema;
    t.valid_target_types = p.valid_target_types;
    t.valid_source_types = p.valid_source_types;
    t.members = p.members;
    t.targets = p.targets;
  }
  if (!t.def || !t.def->is_map()) return;
  const std::string owner = std::string(kind_label(t.kind)) + " '" + t.name + "'";
  own_properties(t, "properties", t.properties, false);
  own_properties(t, "attributes", t.attributes, true);
  own_requirements(t);
  own_capabilities(t);
  own_interfaces(t);
  own_artifacts(t);
  if (t.kind == EntityKind::Interface) own_interface_type(t);
  if (t.kind == EntityKind::Data) {
    if (const yaml::Node* c = t.def->get("constraints")) t.constraints = c;
    if (const yaml::Node* e = t.def->get("entry_schema")) {
      auto s = std::make_shared<Schema>();
      if (e->is_scalar()) {
        s->type_name = e->text;
        s->at = e;
        s->type = lookup(EntityKind::Data, e, owner + " entry_schema");
      } else if (e->is_map()) {
        *s = make_schema(ctx_, e, owner + " entry_schema");
      }
      t.entry_schema = s;
    }
  }
  own_type_list(t, "valid_target_types", EntityKind::Capability, t.valid_target_types, EntityKind::Node);
  own_type_list(t, "valid_source_types", EntityKind::Node, t.valid_source_types, EntityKind::Node);
  if (t.kind == EntityKind::Group) own_type_list(t, "members", EntityKind::Node, t.members, EntityKind::Group);
  if (t.kind == EntityKind::Policy) own_type_list(t, "targets", EntityKind::Node, t.targets, EntityKind::Group);
}

void TypeBuilder::own_properties(TypeDef& t, const char* section, Members<PropertyDef>& into, bool attributes) {
  const yaml::Node* defs = t.def->get(section);
  if (!defs || defs->is_null()) return;
  const std::string owner = std::string(kind_label(t.kind)) + " '" + t.name + "'";
  if (!expect(ctx_, defs, Shape::Map, owner + " " + section)) return;
  for (auto [k, d] : yaml::map_entries(defs)) {
    if (const PropertyDef* inherited = into.find(k->text); inherited && d->is_scalar()) {
      ctx_.warning(Code::WrongKind, d,
                   owner + " redefines inherited '" + k->text + "' with a bare value; read as its new default");
      PropertyDef p = *inherited;
      p.default_value = d;
      into.put(std::move(p));
      continue;
    }
    if (const PropertyDef* inherited = into.find(k->text);
        inherited && d->is_map() && !d->get("type") && inherited->schema.type &&
        inherited->schema.type->primitive().empty()) {
      bool value_like = true;
      for (auto [dk, dv] : yaml::map_entries(d)) value_like &= inherited->schema.type->properties.find(dk->text) != nullptr;
      if (value_like) {
        // tosca-parser reads such a block as a value for the inherited property; say so.
        ctx_.warning(Code::UnknownField, k,
                     owner + " redefines '" + k->text + "' with keys of its data type '" +
                         inherited->schema.type->name + "' instead of a definition; read as its default");
        PropertyDef p = *inherited;
        p.default_value = d;
        into.put(std::move(p));
        continue;
      }
    }
    PropertyDef p = make_property_def(ctx_, k, d, attributes, owner);
    if (const PropertyDef* inherited = into.find(p.name)) {
      // Refinement: the type may narrow (derive) but not change the inherited type.
      if (!d->get("type") && inherited->schema.type) p.schema = inherited->schema;
      else if (p.schema.type && inherited->schema.type && !p.schema.type->derives_from(inherited->schema.type) &&
               !inherited->schema.type->derives_from(p.schema.type))
        ctx_.error(Code::InvalidRefinement, p.schema.at ? p.schema.at : k,
                   owner + " redefines " + (attributes ? "attribute" : "property") + " '" + p.name + "' as '" +
                       p.schema.type->name + "', which does not derive from the inherited '" +
                       inherited->schema.type->name + "'");
    }
    into.put(std::move(p));
  }
}

Occurrences TypeBuilder::occurrences(const yaml::Node* n, Occurrences dflt, const std::string& what) {
  if (!n) return dflt;
  if (!n->is_seq() || n->size() != 2 || n->item(0)->kind != yaml::Kind::Int ||
      !(n->item(1)->kind == yaml::Kind::Int || n->item(1)->text == "UNBOUNDED")) {
    ctx_.error(Code::InvalidValue, n, what + ": occurrences must be [min, max] with max an integer or UNBOUNDED");
    return dflt;
  }
  Occurrences o{n->item(0)->num.i, n->item(1)->kind == yaml::Kind::Int ? n->item(1)->num.i : -1};
  if (o.min < 0 || (o.max >= 0 && o.max < o.min))
    ctx_.error(Code::InvalidValue, n, what + ": occurrences [" + n->item(0)->text + ", " + n->item(1)->text + "] is not a valid range");
  return o;
}

void TypeBuilder::own_requirements(TypeDef& t) {
  const yaml::Node* reqs = t.def->get("requirements");
  if (!reqs || reqs->is_null()) return;
  const std::string owner = std::string(kind_label(t.kind)) + " '" + t.name + "'";
  if (!expect(ctx_, reqs, Shape::Seq, owner + " requirements")) return;
  for (const yaml::Node* entry : reqs->children) {
    if (!entry->is_map() || entry->size() != 1) {
      ctx_.error(Code::WrongKind, entry, owner + ": each requirement is a one-entry map {name: definition}");
      continue;
    }
    RequirementDef r;
    r.name = entry->key_at(0)->text;
    r.node = entry->value_at(0);
    const std::string what = owner + " requirement '" + r.name + "'";
    const yaml::Node* cap = r.node;
    if (r.node->is_map()) {
      check_keys(ctx_, r.node, grammar::kRequirementDef, r.name);
      cap = r.node->get("capability");
      if (const yaml::Node* n = r.node->get("node")) r.node_type = lookup(EntityKind::Node, n, what + " node");
      if (const yaml::Node* rel = r.node->get("relationship")) {
        r.relationship_node = rel;
        const yaml::Node* rel_type = rel->is_map() ? rel->get("type") : rel;
        r.relationship = lookup(EntityKind::Relationship, rel_type, what + " relationship");
      }
      r.occurrences = occurrences(r.node->get("occurrences"), {1, 1}, what);
    }
    if (cap && cap->is_scalar()) {
      r.capability = lookup(EntityKind::Capability, cap, what, false);
      if (!r.capability) {
        r.capability_name = cap->text;  // a capability definition name on the target node type
        if (!r.node_type || !r.node_type->capabilities.find(cap->text))
          lookup(EntityKind::Capability, cap, what);  // reports unknown-type
      }
    }
    t.requirements.push_back(std::move(r));
  }
}

void TypeBuilder::own_capabilities(TypeDef& t) {
  const yaml::Node* caps = t.def->get("capabilities");
  if (!caps || caps->is_null()) return;
  const std::string owner = std::string(kind_label(t.kind)) + " '" + t.name + "'";
  if (!expect(ctx_, caps, Shape::Map, owner + " capabilities")) return;
  for (auto [k, d] : yaml::map_entries(caps)) {
    CapabilityDef c;
    c.name = k->text;
    c.node = d;
    const std::string what = owner + " capability '" + c.name + "'";
    const CapabilityDef* inherited = t.capabilities.find(c.name);
    if (d->is_scalar()) {
      c.type = lookup(EntityKind::Capability, d, what);
    } else if (d->is_map()) {
      check_keys(ctx_, d, grammar::kCapabilityDef, c.name);
      c.type = lookup(EntityKind::Capability, d->get("type"), what);
      c.property_refinements = d->get("properties");
      c.attribute_refinements = d->get("attributes");
      c.occurrences = occurrences(d->get("occurrences"), {1, -1}, what);
      if (const yaml::Node* vst = d->get("valid_source_types"); vst && vst->is_seq())
        for (const yaml::Node* s : vst->children) {
          c.valid_source_types.push_back(s->text);
          lookup(EntityKind::Node, s, what + " valid_source_types");
        }
    } else {
      ctx_.error(Code::WrongKind, d, what + " must be a capability type name or a definition map");
    }
    if (inherited && inherited->type && c.type && !c.type->derives_from(inherited->type) &&
        !inherited->type->derives_from(c.type))
      ctx_.error(Code::InvalidRefinement, d,
                 what + " has type '" + c.type->name + "', which does not derive from the inherited '" +
                     inherited->type->name + "'");
    t.capabilities.put(std::move(c));
  }
}

void TypeBuilder::own_interfaces(TypeDef& t) {
  const yaml::Node* ifaces = t.def->get("interfaces");
  if (!ifaces || ifaces->is_null()) return;
  const std::string owner = std::string(kind_label(t.kind)) + " '" + t.name + "'";
  if (!expect(ctx_, ifaces, Shape::Map, owner + " interfaces")) return;
  for (auto [k, d] : yaml::map_entries(ifaces)) {
    InterfaceDef i;
    if (const InterfaceDef* inherited = t.interfaces.find(k->text)) i = *inherited;
    i.name = k->text;
    i.node = d;
    const std::string what = owner + " interface '" + i.name + "'";
    if (!expect(ctx_, d, Shape::Map, what)) continue;
    if (const yaml::Node* type = d->get("type")) i.type = lookup(EntityKind::Interface, type, what);
    if (!i.type && !d->get("type") && !t.interfaces.find(k->text))
      ctx_.error(Code::MissingField, d, what + " is missing required field 'type'");
    if (i.type && i.operations.empty()) {
      i.operations = i.type->operations;
      i.notifications = i.type->notifications;
    }
    if (const yaml::Node* in = d->get("inputs")) i.inputs = in;
    auto add_op = [&](const std::string& name, const yaml::Node* op) {
      for (auto& [n, existing] : i.operations)
        if (n == name) {
          existing = op;
          return;
        }
      i.operations.emplace_back(name, op);
    };
    if (const yaml::Node* ops = d->get("operations"); ops && ops->is_map())
      for (auto [on, od] : yaml::map_entries(ops)) add_op(on->text, od);
    for (auto [on, od] : yaml::map_entries(d)) {
      if (on->text == "type" || on->text == "inputs" || on->text == "operations" || on->text == "notifications" ||
          on->text == "description")
        continue;
      // TOSCA 1.0-1.2 put operations directly under the interface; 1.3 moved them under `operations`.
      const std::string& op_name = on->text;  // (lambdas may not capture structured bindings before C++20 in clang)
      bool declared = i.type && [&] {
        for (const auto& [n, x] : i.type->operations)
          if (n == op_name) return true;
        return false;
      }();
      if (!declared && ctx_.minor_version >= 3 && ctx_.svc.units[static_cast<std::size_t>(t.unit)].version.find("1_3") != std::string::npos && i.type)
        ctx_.error(Code::Undeclared, on, what + ": operation '" + on->text + "' is not declared by interface type '" + i.type->name + "'");
      add_op(on->text, od);
    }
    t.interfaces.put(std::move(i));
  }
}

void TypeBuilder::own_interface_type(TypeDef& t) {
  auto add_op = [&](const std::string& name, const yaml::Node* op) {
    for (auto& [n, existing] : t.operations)
      if (n == name) {
        existing = op;
        return;
      }
    t.operations.emplace_back(name, op);
  };
  if (const yaml::Node* ops = t.def->get("operations"); ops && ops->is_map())
    for (auto [k, d] : yaml::map_entries(ops)) add_op(k->text, d);
  else
    for (auto [k, d] : yaml::map_entries(t.def))
      if (k->text != "derived_from" && k->text != "version" && k->text != "metadata" && k->text != "description" &&
          k->text != "inputs" && k->text != "notifications")
        add_op(k->text, d);
  if (const yaml::Node* ns = t.def->get("notifications"); ns && ns->is_map())
    for (auto [k, d] : yaml::map_entries(ns)) t.notifications.emplace_back(k->text, d);
  if (const yaml::Node* in = t.def->get("inputs")) t.interface_inputs = in;
}

void TypeBuilder::own_artifacts(TypeDef& t) {
  const yaml::Node* arts = t.def->get("artifacts");
  if (!arts || arts->is_null()) return;
  const std::string owner = std::string(kind_label(t.kind)) + " '" + t.name + "'";
  if (!expect(ctx_, arts, Shape::Map, owner + " artifacts")) return;
  for (auto [k, d] : yaml::map_entries(arts)) {
    ArtifactDef a;
    a.name = k->text;
    a.node = d;
    if (d->is_map()) {
      check_keys(ctx_, d, grammar::kArtifactDef, a.name);
      a.type = lookup(EntityKind::Artifact, d->get("type"), owner + " artifact '" + a.name + "'");
    }
    t.artifacts.put(std::move(a));
  }
}

void TypeBuilder::own_type_list(TypeDef& t, const char* key, EntityKind kind, std::vector<const TypeDef*>& into,
                                EntityKind alt_kind) {
  const yaml::Node* list = t.def->get(key);
  if (!list || list->is_null()) return;
  const std::string what = std::string(kind_label(t.kind)) + " '" + t.name + "' " + key;
  if (!expect(ctx_, list, Shape::Seq, what)) return;
  into.clear();
  for (const yaml::Node* n : list->children) {
    const TypeDef* found = lookup(kind, n, what, false);
    if (!found) found = lookup(alt_kind, n, what, false);
    if (!found) lookup(kind, n, what);  // report
    else into.push_back(found);
  }
}

void TypeBuilder::check_definitions(TypeDef& t) {
  if (!t.def || !t.def->is_map()) return;
  const std::string owner = std::string(kind_label(t.kind)) + " '" + t.name + "'";
  if (const yaml::Node* v = t.def->get("version"); v && v->is_scalar()) {
    std::vector<long> parts;
    if (!parse_version(v->text, parts))
      ctx_.error(Code::InvalidValue, v, owner + ": version '" + v->text + "' is not a valid version (major.minor[.fix[.qualifier[-build]]])");
  }
  for (const char* section : {"properties", "attributes"}) {
    const yaml::Node* defs = t.def->get(section);
    if (!defs || !defs->is_map()) continue;
    const Members<PropertyDef>& members = section[0] == 'p' ? t.properties : t.attributes;
    for (auto [k, d] : yaml::map_entries(defs)) {
      (void)d;
      const PropertyDef* p = members.find(k->text);
      if (!p) continue;
      const std::string what = owner + " " + (section[0] == 'p' ? "property" : "attribute") + " '" + p->name + "'";
      if (p->schema.constraints) check_constraint_clauses(ctx_, p->schema.constraints, p->schema, what);
      if (p->default_value) check_value(ctx_, p->default_value, p->schema, what + " default");
    }
  }
  if (t.kind == EntityKind::Data && t.constraints) {
    Schema s;
    s.type = &t;
    check_constraint_clauses(ctx_, t.constraints, s, owner);
  }
  // Capability property refinements must be declared by the capability type.
  for (const auto& c : t.capabilities.items) {
    if (!c.type || !c.property_refinements || !c.property_refinements->is_map()) continue;
    if (c.node->is_map() && c.node != nullptr && t.def->get("capabilities") &&
        t.def->get("capabilities")->get(c.name) != c.node)
      continue;  // inherited: checked on the parent
    for (auto [k, d] : yaml::map_entries(c.property_refinements)) {
      const PropertyDef* p = c.type->properties.find(k->text);
      if (!p) continue;  // new properties may be added in a definition
      if (d->is_map() && d->get("default")) check_value(ctx_, d->get("default"), p->schema, owner + " capability '" + c.name + "' property '" + p->name + "' default");
    }
  }
}

}  // namespace

Schema make_schema(Context& ctx, const yaml::Node* def, const std::string& owner) {
  Schema s;
  if (!def->is_map()) return s;
  if (const yaml::Node* type = def->get("type"); type && type->is_scalar() && !type->is_null()) {
    s.type_name = type->text;
    s.at = type;
    s.type = ctx.types.find(EntityKind::Data, type->text);
    if (!s.type) {
      if (const TypeDef* other = ctx.types.find_any(type->text))
        ctx.error(Code::WrongTypeKind, type,
                  owner + ": '" + type->text + "' is a " + std::string(kind_label(other->kind)) + ", not a data type");
      else
        ctx.error(Code::UnknownType, type, owner + ": type '" + type->text + "' is not a known data type");
    }
  }
  s.constraints = def->get("constraints");
  for (const char* key : {"entry_schema", "key_schema"}) {
    const yaml::Node* e = def->get(key);
    if (!e) continue;
    auto sub = std::make_shared<Schema>();
    if (e->is_scalar()) {
      sub->type_name = e->text;
      sub->at = e;
      sub->type = ctx.types.find(EntityKind::Data, e->text);
      if (!sub->type) ctx.error(Code::UnknownType, e, owner + " " + key + ": '" + e->text + "' is not a known data type");
    } else if (e->is_map()) {
      check_keys(ctx, e, grammar::kSchemaDef, "");
      *sub = make_schema(ctx, e, owner + " " + key);
      if (sub->constraints) check_constraint_clauses(ctx, sub->constraints, *sub, owner + " " + key);
    }
    (key[0] == 'e' ? s.entry : s.key) = sub;
  }
  return s;
}

PropertyDef make_property_def(Context& ctx, const yaml::Node* key, const yaml::Node* def, bool attribute,
                              const std::string& owner) {
  PropertyDef p;
  p.name = key->text;
  p.node = def;
  const std::string what = owner + " " + (attribute ? "attribute" : "property") + " '" + p.name + "'";
  if (!def->is_map()) {
    ctx.error(Code::WrongKind, def, what + " must be a definition map with a 'type'");
    return p;
  }
  check_keys(ctx, def, attribute ? grammar::kAttributeDef : grammar::kPropertyDef, p.name);
  p.schema = make_schema(ctx, def, what);
  if (const yaml::Node* r = def->get("required")) {
    if (r->kind == yaml::Kind::Bool) p.required = r->num.b;
    else ctx.error(Code::TypeMismatch, r, what + ": 'required' must be true or false");
  }
  if (attribute) p.required = false;
  p.default_value = def->get("default");
  if (p.default_value && p.default_value->is_null()) p.default_value = nullptr;
  p.fixed_value = def->get("value");
  return p;
}

void build_types(Context& ctx) { TypeBuilder(ctx).run(); }

}  // namespace modak::tosca
