// The TOSCA grammar's keynames: which keys each construct allows and requires. Checking them
// first lets later checks read a construct without re-validating its shape.
#pragma once

#include <initializer_list>
#include <string_view>

#include "tosca/check/context.h"

namespace modak::tosca {

enum class Shape { Map, Seq, Scalar, String, Any };

struct Grammar {
  std::string_view construct;  // "node template", used in messages
  std::initializer_list<std::string_view> allowed;
  std::initializer_list<std::string_view> required;
};

namespace grammar {
extern const Grammar kServiceTemplate, kTopology, kNodeTemplate, kRelationshipTemplate, kGroup, kPolicy,
    kNodeType, kRelationshipType, kCapabilityType, kDataType, kArtifactType, kInterfaceType, kGroupType,
    kPolicyType, kPropertyDef, kAttributeDef, kParameterDef, kOutputDef, kSchemaDef, kCapabilityDef,
    kRequirementDef, kInterfaceDef, kOperationDef, kImplementation, kArtifactDef, kCapabilityAssignment,
    kRequirementAssignment, kRelationshipAssignment, kImportDef, kRepositoryDef, kSubstitutionMappings,
    kWorkflow, kStep, kTrigger, kNodeFilter, kNotificationDef, kInterfaceAssignment, kOperationAssignment;
}

// Reports keys the grammar does not allow and required keys that are missing. Returns false if
// `n` is not a map (reported as wrong-kind).
bool check_keys(Context& ctx, const yaml::Node* n, const Grammar& g, std::string_view name);

// Checks a value's shape; reports wrong-kind with `what` naming it. Returns true if it fits.
bool expect(Context& ctx, const yaml::Node* n, Shape shape, std::string_view what);

// The names of the TOSCA intrinsic functions.
bool is_function_name(std::string_view name);
// A function call is a one-entry map whose key is a function name. Returns the name or "".
std::string_view function_name(const yaml::Node* n);

}  // namespace modak::tosca
