// Values against their types: primitives, scalar-units, versions, ranges, timestamps, lists and
// maps with entry schemas, data types with nested properties, and constraints.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tosca/check/context.h"

namespace modak::tosca {

// Checks `v` against `schema`; `what` names the value in messages ("property 'cpus'").
// Function calls are left to the function checks.
void check_value(Context& ctx, const yaml::Node* v, const Schema& schema, const std::string& what);

// Scalar-unit kinds: "scalar-unit.size" etc. Converts "4 GiB" to the base unit (bytes, seconds,
// Hz, bps). Returns false with a reason when the text is malformed or the unit unknown.
bool parse_scalar_unit(std::string_view text, std::string_view kind, double& base, std::string& error);

// TOSCA version: major.minor[.fix[.qualifier[-build]]].
bool parse_version(std::string_view text, std::vector<long>& parts);

// YAML timestamp (ISO 8601 as in YAML 1.1's timestamp type).
bool is_timestamp(std::string_view text);

// A value that constraints compare: a number (scalar-units in base units), a version, or text.
struct Comparable {
  enum class Kind { Number, Version, Text } kind = Kind::Text;
  double number = 0;
  std::vector<long> version;
  std::string text;
};
// Converts a value of the given primitive to a comparable; false if it does not fit.
bool to_comparable(const yaml::Node* v, std::string_view primitive, Comparable& out);
int compare(const Comparable& a, const Comparable& b);

// Constraint clauses: checks the clauses themselves (operators, operand shapes and types).
void check_constraint_clauses(Context& ctx, const yaml::Node* constraints, const Schema& schema,
                              const std::string& what);
// Applies the clauses to a value (already known to fit the type).
void apply_constraints(Context& ctx, const yaml::Node* v, const yaml::Node* constraints, std::string_view primitive,
                       const std::string& what);

// Builds a Schema from a definition's `type`, `entry_schema`, `key_schema` and `constraints`.
// Reports unknown types. `owner` names the definition in messages.
Schema make_schema(Context& ctx, const yaml::Node* def, const std::string& owner);

}  // namespace modak::tosca
