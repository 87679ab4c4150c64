// Constraint clauses (TOSCA 1.3 §3.6.3): their shape, whether their operands fit the type, and
// whether a value satisfies them.
#include <regex>

#include "tosca/check/values.h"

namespace modak::tosca {

using diag::Code;

namespace {

enum class Operand { One, Two, List, Length, Pattern, Any };

struct Operator {
  std::string_view name;
  Operand operand;
};

constexpr Operator kOperators[] = {
    {"equal", Operand::One},          {"greater_than", Operand::One}, {"greater_or_equal", Operand::One},
    {"less_than", Operand::One},      {"less_or_equal", Operand::One}, {"in_range", Operand::Two},
    {"valid_values", Operand::List},  {"length", Operand::Length},     {"min_length", Operand::Length},
    {"max_length", Operand::Length},  {"pattern", Operand::Pattern},   {"schema", Operand::Any},
};

const Operator* find_operator(std::string_view name) {
  for (const auto& o : kOperators)
    if (o.name == name) return &o;
  return nullptr;
}

bool is_ordering(std::string_view op) {
  return op == "greater_than" || op == "greater_or_equal" || op == "less_than" || op == "less_or_equal" ||
         op == "in_range";
}

// Patterns are compiled with std::regex (ECMAScript); the length cap keeps its recursive matcher
// from exhausting the stack on huge values.
constexpr std::size_t kMaxPatternSubject = 4096;

bool operand_fits(const yaml::Node* operand, std::string_view prim) {
  if (prim.empty() || prim == "string" || prim == "list" || prim == "map") return operand->is_scalar();
  Comparable c;
  if (prim == "range") return operand->is_seq() || operand->kind == yaml::Kind::Int;
  return to_comparable(operand, prim, c);
}

}  // namespace

void check_constraint_clauses(Context& ctx, const yaml::Node* constraints, const Schema& schema,
                              const std::string& what) {
  if (!constraints->is_seq()) {
    ctx.error(Code::InvalidConstraint, constraints, what + ": constraints must be a list of clauses");
    return;
  }
  std::string_view prim = schema.type ? schema.type->primitive() : std::string_view();
  for (const yaml::Node* clause : constraints->children) {
    if (!clause->is_map() || clause->size() != 1) {
      ctx.error(Code::InvalidConstraint, clause, what + ": a constraint clause is a map with one operator");
      continue;
    }
    const yaml::Node* key = clause->key_at(0);
    const yaml::Node* arg = clause->value_at(0);
    const Operator* op = find_operator(key->text);
    if (!op) {
      ctx.error(Code::InvalidConstraint, key, what + ": unknown constraint operator '" + key->text + "'");
      continue;
    }
    switch (op->operand) {
      case Operand::One:
        if (!arg->is_scalar() || arg->is_null() || !operand_fits(arg, prim))
          ctx.error(Code::InvalidConstraint, arg,
                    what + ": " + key->text + " needs a value of type " + std::string(prim.empty() ? "?" : prim) +
                        ", got " + (arg->is_scalar() ? "'" + arg->text + "'" : std::string(yaml::kind_name(arg->kind))));
        break;
      case Operand::Two: {
        bool ok = arg->is_seq() && arg->size() == 2;
        if (ok)
          for (const yaml::Node* b : arg->children)
            ok &= (b->is_string() && b->text == "UNBOUNDED") || operand_fits(b, prim);
        if (ok && !prim.empty()) {
          Comparable lo, hi;
          if (to_comparable(arg->item(0), prim, lo) && to_comparable(arg->item(1), prim, hi) && compare(lo, hi) > 0)
            ok = false;
        }
        if (!ok)
          ctx.error(Code::InvalidConstraint, arg,
                    what + ": in_range needs a list [lower, upper] of " + std::string(prim.empty() ? "values" : prim) +
                        " with lower <= upper");
        break;
      }
      case Operand::List:
        if (!arg->is_seq()) ctx.error(Code::InvalidConstraint, arg, what + ": valid_values needs a list");
        else
          for (const yaml::Node* item : arg->children)
            if (!prim.empty() && prim != "list" && prim != "map" && !operand_fits(item, prim))
              ctx.error(Code::InvalidConstraint, item,
                        what + ": valid_values entry '" + item->text + "' is not a " + std::string(prim));
        break;
      case Operand::Length:
        if (arg->kind != yaml::Kind::Int || arg->num.i < 0)
          ctx.error(Code::InvalidConstraint, arg, what + ": " + key->text + " needs a non-negative integer");
        break;
      case Operand::Pattern:
        if (!arg->is_string()) {
          ctx.error(Code::InvalidConstraint, arg, what + ": pattern needs a regular expression string");
          break;
        }
        try {
          std::regex re(arg->text, std::regex::ECMAScript);
        } catch (const std::regex_error& e) {
          ctx.error(Code::InvalidConstraint, arg, what + ": pattern '" + arg->text + "' is not a valid regular expression");
        }
        break;
      case Operand::Any: break;
    }
    if (is_ordering(key->text) && (prim == "boolean" || prim == "list" || prim == "map"))
      ctx.error(Code::InvalidConstraint, key, what + ": " + key->text + " does not apply to a " + std::string(prim));
  }
}

void apply_constraints(Context& ctx, const yaml::Node* v, const yaml::Node* constraints, std::string_view prim,
                       const std::string& what) {
  if (!constraints->is_seq()) return;
  for (const yaml::Node* clause : constraints->children) {
    if (!clause->is_map() || clause->size() != 1) continue;
    std::string_view op = clause->key_at(0)->text;
    const yaml::Node* arg = clause->value_at(0);
    auto violated = [&](const std::string& why) {
      // xOpera enforces no constraints; SODALITE values and library defaults rely on it.
      if (ctx.tolerate(Code::QuirkValidValues, v, what + ": " + why + " (" + std::string(op) + " not enforced)"))
        return;
      ctx.error(Code::ConstraintViolation, v, what + ": " + why);
    };
    Comparable value, bound;
    bool comparable = to_comparable(v, prim, value);
    if (op == "equal" || op == "greater_than" || op == "greater_or_equal" || op == "less_than" ||
        op == "less_or_equal") {
      if (!comparable || !to_comparable(arg, prim, bound)) continue;
      int c = compare(value, bound);
      bool ok = op == "equal" ? c == 0 : op == "greater_than" ? c > 0 : op == "greater_or_equal" ? c >= 0
                                       : op == "less_than"    ? c < 0 : c <= 0;
      if (!ok) violated("'" + v->text + "' is not " + std::string(op) + " '" + arg->text + "'");
    } else if (op == "in_range") {
      if (!comparable || !arg->is_seq() || arg->size() != 2) continue;
      Comparable lo, hi;
      bool lo_ok = to_comparable(arg->item(0), prim, lo);
      bool hi_unbounded = arg->item(1)->text == "UNBOUNDED";
      bool hi_ok = hi_unbounded || to_comparable(arg->item(1), prim, hi);
      if (lo_ok && hi_ok && (compare(value, lo) < 0 || (!hi_unbounded && compare(value, hi) > 0)))
        violated("'" + v->text + "' is not in range [" + arg->item(0)->text + ", " + arg->item(1)->text + "]");
    } else if (op == "valid_values") {
      if (!arg->is_seq()) continue;
      bool found = false;
      for (const yaml::Node* a : arg->children) {
        if (!comparable || !a->is_scalar()) continue;
        if (to_comparable(a, prim, bound) && compare(value, bound) == 0 && value.kind == bound.kind) found = true;
        if (a->text == v->text && a->kind == v->kind) found = true;
      }
      if (!found && v->is_scalar()) violated("'" + v->text + "' is not one of the valid values");
    } else if (op == "length" || op == "min_length" || op == "max_length") {
      if (arg->kind != yaml::Kind::Int) continue;
      std::int64_t n = v->is_scalar() ? static_cast<std::int64_t>(v->text.size()) : static_cast<std::int64_t>(v->size());
      std::int64_t want = arg->num.i;
      bool ok = op == "length" ? n == want : op == "min_length" ? n >= want : n <= want;
      if (!ok) violated("length " + std::to_string(n) + " violates " + std::string(op) + " " + arg->text);
    } else if (op == "pattern") {
      if (!arg->is_string() || !v->is_string()) continue;
      if (v->text.size() > kMaxPatternSubject) {
        ctx.warning(Code::Limit, v, what + ": value too long to check against pattern (over 4096 bytes)");
        continue;
      }
      try {
        std::regex re(arg->text, std::regex::ECMAScript);
        if (!std::regex_match(v->text, re)) violated("'" + v->text + "' does not match pattern '" + arg->text + "'");
      } catch (const std::exception&) {
        // malformed patterns are reported where the constraint is defined
      }
    }
  }
}

}  // namespace modak::tosca
