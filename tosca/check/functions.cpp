// Intrinsic functions: argument counts and shapes, and that what they name exists — inputs,
// templates, requirements and capabilities along multi-hop paths, properties, attributes,
// artifacts, interfaces and operations.
#include "tosca/check/checks.h"
#include "tosca/check/grammar.h"

namespace modak::tosca {

using diag::Code;

namespace {

const TypeDef* hosted_on(const Context& ctx) {
  return ctx.types.find(EntityKind::Relationship, "tosca.relationships.HostedOn");
}

// The template a requirement of `t` points to (first assignment with a template target).
const TemplateInfo* requirement_target(const Context& ctx, const TemplateInfo& t, std::string_view req) {
  const yaml::Node* reqs = t.body ? t.body->get("requirements") : nullptr;
  if (!reqs || !reqs->is_seq()) return nullptr;
  for (const yaml::Node* e : reqs->children) {
    if (!e->is_map() || e->size() != 1 || e->key_at(0)->text != req) continue;
    const yaml::Node* v = e->value_at(0);
    const yaml::Node* node = v->is_map() ? v->get("node") : v;
    if (auto it = ctx.nodes.find(text_of(node)); it != ctx.nodes.end()) return &it->second;
  }
  return nullptr;
}

// Follows requirements whose relationship derives from HostedOn.
const TemplateInfo* host_of(const Context& ctx, const TemplateInfo& t) {
  if (!t.type) return nullptr;
  const TypeDef* hosted = hosted_on(ctx);
  for (const auto& r : t.type->requirements) {
    bool is_host = (r.relationship && hosted && r.relationship->derives_from(hosted)) || r.name == "host";
    if (!is_host) continue;
    if (const TemplateInfo* target = requirement_target(ctx, t, r.name)) return target;
  }
  return nullptr;
}

bool has_member(const TypeDef& t, std::string_view name, bool attribute) {
  if (t.properties.find(name)) return true;
  return attribute && t.attributes.find(name);
}

// tosca-parser also finds a name among the properties and attributes of the node's capabilities.
bool has_capability_member(const TypeDef& t, std::string_view name, bool attribute) {
  for (const auto& c : t.capabilities.items)
    if (c.type && has_member(*c.type, name, attribute)) return true;
  return false;
}

class FunctionChecker {
 public:
  FunctionChecker(Context& ctx, const FunctionScope& scope) : ctx_(ctx), scope_(scope) {}
  void walk(const yaml::Node* v);

 private:
  void call(std::string_view fn, const yaml::Node* key, const yaml::Node* args);
  void get_input(const yaml::Node* key, const yaml::Node* args);
  void get_member(std::string_view fn, const yaml::Node* key, const yaml::Node* args);
  void get_artifact(const yaml::Node* key, const yaml::Node* args);
  void get_operation_output(const yaml::Node* key, const yaml::Node* args);
  // Resolves SELF/SOURCE/TARGET/HOST/<template> to a template; false when it cannot exist.
  bool entity(std::string_view fn, const yaml::Node* arg, const TemplateInfo*& out, bool& unknowable);
  void fail(const yaml::Node* at, std::string msg, Code code = Code::FunctionTarget) { ctx_.error(code, at, std::move(msg)); }

  Context& ctx_;
  const FunctionScope& scope_;
};

void FunctionChecker::walk(const yaml::Node* v) {
  if (!v) return;
  if (std::string_view fn = function_name(v); !fn.empty()) {
    call(fn, v->key_at(0), v->value_at(0));
    return;
  }
  for (const yaml::Node* c : v->children)
    if (!c->is_scalar()) walk(c);
}

void FunctionChecker::call(std::string_view fn, const yaml::Node* key, const yaml::Node* args) {
  const std::string f(fn);
  if (fn == "get_input") return get_input(key, args);
  if (fn == "get_property" || fn == "get_attribute") return get_member(fn, key, args);
  if (fn == "get_artifact") return get_artifact(key, args);
  if (fn == "get_operation_output") return get_operation_output(key, args);
  if (fn == "concat") {
    if (!args->is_seq() || args->size() < 1)
      return fail(key, "concat expects a list of at least one argument", Code::FunctionArgs);
    for (const yaml::Node* a : args->children) walk(a);
    return;
  }
  if (fn == "join") {
    if (!args->is_seq() || args->size() < 1 || args->size() > 2 || !(args->item(0)->is_seq() || !function_name(args->item(0)).empty()))
      return fail(key, "join expects [ [values...] ] or [ [values...], delimiter ]", Code::FunctionArgs);
    walk(args->item(0));
    return;
  }
  if (fn == "token") {
    if (!args->is_seq() || args->size() != 3 || args->item(2)->kind != yaml::Kind::Int ||
        !args->item(1)->is_string() || args->item(1)->text.empty())
      return fail(key, "token expects [string, separator characters, index]", Code::FunctionArgs);
    walk(args->item(0));
    return;
  }
  if (fn == "get_nodes_of_type") {
    const yaml::Node* t = args->is_seq() && args->size() == 1 ? args->item(0) : args;
    if (!t->is_scalar() || !ctx_.types.find(EntityKind::Node, t->text))
      fail(t, "get_nodes_of_type: '" + t->text + "' is not a known node type");
    return;
  }
  (void)f;  // get_secret: orchestrator-specific, nothing to check
}

void FunctionChecker::get_input(const yaml::Node* key, const yaml::Node* args) {
  const yaml::Node* name = args;
  if (args->is_seq()) {
    if (args->size() < 1 || (ctx_.minor_version < 3 && args->size() != 1)) {
      std::string got;
      for (const yaml::Node* a : args->children) got += (got.empty() ? "" : ", ") + a->text;
      return fail(key, "get_input expects one argument, got [" + got + "]", Code::FunctionArgs);
    }
    name = args->item(0);
  }
  if (!name->is_scalar() || name->is_null()) return fail(key, "get_input expects an input name", Code::FunctionArgs);
  if (ctx_.inputs && ctx_.inputs->is_map() && ctx_.inputs->get(name->text)) return;
  std::string msg = "get_input: unknown input '" + name->text + "'";
  if (!scope_.self_name.empty() && scope_.self && scope_.self->body && scope_.self_type &&
      ctx_.tolerate(Code::QuirkUndeclaredInput, name, msg + " (used by " + std::string(scope_.self_name) + "'s type; supply it at deploy time)"))
    return;
  ctx_.error(Code::UnknownInput, name, msg);
}

bool FunctionChecker::entity(std::string_view fn, const yaml::Node* arg, const TemplateInfo*& out, bool& unknowable) {
  unknowable = false;
  out = nullptr;
  std::string_view e = text_of(arg);
  if (e == "SELF") {
    out = scope_.self;
    unknowable = !out || scope_.in_relationship;
    return true;
  }
  if (e == "SOURCE" || e == "TARGET") {
    out = e == "SOURCE" ? scope_.source : scope_.target;
    unknowable = out == nullptr;
    return true;
  }
  if (e == "HOST") {
    if (!scope_.self || scope_.in_relationship) return unknowable = true, true;
    out = host_of(ctx_, *scope_.self);
    if (!out) {
      fail(arg, "\"" + std::string(fn) + ": [ HOST, ... ]\" used in '" + std::string(scope_.self_name) +
                    "', but no tosca.relationships.HostedOn requirement leads to a host");
      return false;
    }
    return true;
  }
  if (auto it = ctx_.nodes.find(e); it != ctx_.nodes.end()) {
    out = &it->second;
    return true;
  }
  for (auto* section : {&ctx_.relationships, &ctx_.groups, &ctx_.policies})
    if (auto it = section->find(e); it != section->end()) {
      out = &it->second;
      return true;
    }
  // xOpera lets a policy be named by its type.
  for (const auto& [n, p] : ctx_.policies)
    if (p.type && p.type->name == e) {
      out = &p;
      return true;
    }
  fail(arg, std::string(fn) + ": node template '" + std::string(e) + "' not found", Code::UnknownTemplate);
  return false;
}

void FunctionChecker::get_member(std::string_view fn, const yaml::Node* key, const yaml::Node* args) {
  const bool attribute = fn == "get_attribute";
  if (!args->is_seq() || args->size() < 2)
    return fail(key, std::string(fn) + " expects [entity, ..., name]", Code::FunctionArgs);
  for (const yaml::Node* a : args->children)
    if (!a->is_scalar()) return fail(a, std::string(fn) + " arguments must be names or indexes", Code::FunctionArgs);
  const TemplateInfo* target = nullptr;
  bool unknowable = false;
  if (!entity(fn, args->item(0), target, unknowable) || unknowable || !target || !target->type) return;
  // Walk [requirement | capability]* then the member name; anything after it indexes into the value.
  const TypeDef* type = target->type;
  const TemplateInfo* current = target;
  std::string where = "node template '" + std::string(current->key ? current->key->text : "") + "'";
  for (std::size_t i = 1; i < args->size(); ++i) {
    const yaml::Node* a = args->item(i);
    bool last = i + 1 == args->size();
    if (has_member(*type, a->text, attribute)) return;
    if (!last) {
      const CapabilityDef* c = type->capabilities.find(a->text);
      bool assigned_requirement = type->find_requirement(a->text) && current && requirement_target(ctx_, *current, a->text);
      if (c && c->type && !assigned_requirement) {
        const yaml::Node* prop = args->item(i + 1);
        if (!has_member(*c->type, prop->text, attribute) &&
            !(c->property_refinements && c->property_refinements->is_map() && c->property_refinements->get(prop->text)))
          fail(prop, std::string(attribute ? "Attribute" : "Property") + " '" + prop->text +
                         "' was not found in capability '" + a->text + "' of " + where);
        return;
      }
      if (const RequirementDef* r = type->find_requirement(a->text); r && current) {
        // After a requirement may come an index (which assignment) and the relationship's properties.
        std::size_t j = i + 1;
        if (j < args->size() && args->item(j)->kind == yaml::Kind::Int) ++j;
        if (j < args->size() && r->relationship && has_member(*r->relationship, args->item(j)->text, attribute)) return;
        const TemplateInfo* next = requirement_target(ctx_, *current, a->text);
        if (!next || !next->type) return;  // filled at deploy time: cannot check further
        current = next;
        type = next->type;
        where = "node template '" + next->key->text + "'";
        i = j - 1;
        continue;
      }
    }
    if (std::string_view(args->item(0)->text) == "HOST") {
      // HOST searches up the hosting chain (a property of the host's host is found too).
      for (const TemplateInfo* h = host_of(ctx_, *current); h && h->type; h = host_of(ctx_, *h))
        if (has_member(*h->type, a->text, true)) return;
    }
    if (has_capability_member(*type, a->text, attribute)) return;
    std::string msg = std::string(attribute ? "Attribute" : "Property") + " '" + a->text + "' was not found in " + where;
    if (!ctx_.tolerate(Code::QuirkLibraryDrift, a, msg)) fail(a, msg);
    return;
  }
}

void FunctionChecker::get_artifact(const yaml::Node* key, const yaml::Node* args) {
  if (!args->is_seq() || args->size() < 2 || args->size() > 4)
    return fail(key, "get_artifact expects [entity, artifact_name, (location), (remove)]", Code::FunctionArgs);
  const TemplateInfo* target = nullptr;
  bool unknowable = false;
  if (!entity("get_artifact", args->item(0), target, unknowable) || unknowable || !target || !target->type) return;
  const std::string& name = args->item(1)->text;
  if (target->type->artifacts.find(name)) return;
  if (const yaml::Node* arts = target->body->get("artifacts"); arts && arts->is_map() && arts->get(name)) return;
  fail(args->item(1), "get_artifact: artifact '" + name + "' not found in node template '" + target->key->text + "'");
}

void FunctionChecker::get_operation_output(const yaml::Node* key, const yaml::Node* args) {
  if (!args->is_seq() || args->size() != 4)
    return fail(key, "get_operation_output expects [entity, interface, operation, output]", Code::FunctionArgs);
  const TemplateInfo* target = nullptr;
  bool unknowable = false;
  if (!entity("get_operation_output", args->item(0), target, unknowable) || unknowable || !target || !target->type)
    return;
  const InterfaceDef* i = target->type->interfaces.find(args->item(1)->text);
  if (!i) return fail(args->item(1), "get_operation_output: interface '" + args->item(1)->text + "' not found");
  if (!i->find_operation(args->item(2)->text) &&
      !(target->body->get("interfaces") && target->body->get("interfaces")->get(i->name)))
    fail(args->item(2), "get_operation_output: operation '" + args->item(2)->text + "' not found in interface '" + i->name + "'");
}

}  // namespace

void check_functions_in(Context& ctx, const yaml::Node* value, const FunctionScope& scope) {
  FunctionChecker(ctx, scope).walk(value);
}

}  // namespace modak::tosca
