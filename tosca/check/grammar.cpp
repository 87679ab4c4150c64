#include "tosca/check/grammar.h"

#include <algorithm>

namespace modak::tosca {

namespace grammar {
// TOSCA 1.3 (§3.6-3.8); the 1.0-1.2 keynames that 1.3 dropped are allowed too, since older
// service templates still use them (template_name, template_author, template_version).
const Grammar kServiceTemplate{"service template",
                               {"tosca_definitions_version", "namespace", "metadata", "description",
                                "dsl_definitions", "repositories", "imports", "artifact_types", "data_types",
                                "capability_types", "interface_types", "relationship_types", "node_types",
                                "group_types", "policy_types", "topology_template", "template_name",
                                "template_author", "template_version"},
                               {}};  // tosca_definitions_version: checked (and reported) by the version check
const Grammar kTopology{"topology template",
                        {"description", "inputs", "node_templates", "relationship_templates", "groups", "policies",
                         "outputs", "substitution_mappings", "workflows"},
                        {}};
const Grammar kNodeTemplate{"node template",
                            {"type", "description", "metadata", "directives", "properties", "attributes",
                             "requirements", "capabilities", "interfaces", "artifacts", "node_filter", "copy"},
                            {"type"}};
const Grammar kRelationshipTemplate{
    "relationship template",
    {"type", "description", "metadata", "properties", "attributes", "interfaces", "copy"},
    {"type"}};
const Grammar kGroup{"group", {"type", "description", "metadata", "properties", "attributes", "members", "interfaces"}, {"type"}};
const Grammar kPolicy{"policy", {"type", "description", "metadata", "properties", "targets", "triggers"}, {"type"}};
const Grammar kNodeType{"node type",
                        {"derived_from", "version", "metadata", "description", "properties", "attributes",
                         "requirements", "capabilities", "interfaces", "artifacts"},
                        {}};
const Grammar kRelationshipType{"relationship type",
                                {"derived_from", "version", "metadata", "description", "properties", "attributes",
                                 "interfaces", "valid_target_types"},
                                {}};
const Grammar kCapabilityType{
    "capability type",
    {"derived_from", "version", "metadata", "description", "properties", "attributes", "valid_source_types"},
    {}};
const Grammar kDataType{"data type",
                        {"derived_from", "version", "metadata", "description", "constraints", "properties",
                         "key_schema", "entry_schema"},
                        {}};
const Grammar kArtifactType{
    "artifact type", {"derived_from", "version", "metadata", "description", "mime_type", "file_ext", "properties"}, {}};
const Grammar kInterfaceType{
    "interface type", {"derived_from", "version", "metadata", "description", "inputs", "operations", "notifications"}, {}};
const Grammar kGroupType{"group type",
                         {"derived_from", "version", "metadata", "description", "properties", "attributes", "members",
                          "requirements", "capabilities", "interfaces"},
                         {}};
const Grammar kPolicyType{
    "policy type", {"derived_from", "version", "metadata", "description", "properties", "targets", "triggers"}, {}};
const Grammar kPropertyDef{"property definition",
                           {"type", "description", "required", "default", "value", "status", "constraints",
                            "key_schema", "entry_schema", "external_schema", "metadata"},
                           {"type"}};
const Grammar kAttributeDef{"attribute definition",
                            {"type", "description", "default", "status", "constraints", "key_schema", "entry_schema",
                             "metadata", "required"},
                            {"type"}};
const Grammar kParameterDef{"parameter definition",
                            {"type", "description", "value", "required", "default", "status", "constraints",
                             "key_schema", "entry_schema", "external_schema", "metadata"},
                            {}};
const Grammar kOutputDef = kParameterDef;
const Grammar kSchemaDef{"schema definition", {"type", "description", "constraints", "key_schema", "entry_schema"}, {"type"}};
const Grammar kCapabilityDef{
    "capability definition",
    {"type", "description", "properties", "attributes", "valid_source_types", "occurrences"},
    {"type"}};
const Grammar kRequirementDef{"requirement definition",
                              {"capability", "node", "relationship", "occurrences", "node_filter", "description"},
                              {"capability"}};
const Grammar kInterfaceDef{"interface definition",
                            {"type", "description", "inputs", "operations", "notifications"},
                            {}};
const Grammar kOperationDef{"operation definition", {"description", "implementation", "inputs", "outputs"}, {}};
const Grammar kImplementation{"operation implementation", {"primary", "dependencies", "timeout", "operation_host"}, {}};
const Grammar kArtifactDef{"artifact definition",
                           {"type", "file", "repository", "description", "deploy_path", "artifact_version", "checksum",
                            "checksum_algorithm", "properties"},
                           {"type", "file"}};
const Grammar kCapabilityAssignment{"capability assignment", {"properties", "attributes", "occurrences"}, {}};
const Grammar kRequirementAssignment{
    "requirement assignment", {"capability", "node", "relationship", "node_filter", "occurrences", "description"}, {}};
const Grammar kRelationshipAssignment{"relationship assignment", {"type", "properties", "interfaces"}, {}};
const Grammar kImportDef{"import definition", {"file", "repository", "namespace_uri", "namespace_prefix"}, {"file"}};
const Grammar kRepositoryDef{"repository definition", {"description", "url", "credential"}, {"url"}};
const Grammar kSubstitutionMappings{"substitution mappings",
                                    {"node_type", "substitution_filter", "properties", "attributes", "capabilities",
                                     "requirements", "interfaces"},
                                    {"node_type"}};
const Grammar kWorkflow{"workflow", {"description", "metadata", "inputs", "preconditions", "steps", "implementation", "outputs"}, {}};
const Grammar kStep{"workflow step",
                    {"target", "target_relationship", "operation_host", "filter", "activities", "on_success", "on_failure"},
                    {"target", "activities"}};
const Grammar kTrigger{"trigger",
                       {"description", "event", "event_type", "schedule", "target_filter", "condition", "constraint",
                        "period", "evaluations", "method", "action", "metadata", "metric"},
                       {}};
const Grammar kNodeFilter{"node filter", {"properties", "capabilities"}, {}};
const Grammar kNotificationDef{"notification definition", {"description", "implementation", "outputs"}, {}};
const Grammar kInterfaceAssignment{"interface assignment", {"inputs", "operations", "notifications"}, {}};
const Grammar kOperationAssignment{"operation assignment", {"implementation", "inputs", "outputs", "description"}, {}};
}  // namespace grammar

bool expect(Context& ctx, const yaml::Node* n, Shape shape, std::string_view what) {
  bool ok = true;
  std::string_view want;
  switch (shape) {
    case Shape::Map: ok = n->is_map(), want = "a map"; break;
    case Shape::Seq: ok = n->is_seq(), want = "a list"; break;
    case Shape::Scalar: ok = n->is_scalar() && !n->is_null(), want = "a scalar"; break;
    case Shape::String: ok = n->is_scalar() && !n->is_null(), want = "a string"; break;
    case Shape::Any: break;
  }
  if (!ok)
    ctx.error(diag::Code::WrongKind, n,
              std::string(what) + " must be " + std::string(want) + ", not " + std::string(yaml::kind_name(n->kind)));
  return ok;
}

bool check_keys(Context& ctx, const yaml::Node* n, const Grammar& g, std::string_view name) {
  std::string label = std::string(g.construct) + (name.empty() ? "" : " '" + std::string(name) + "'");
  if (!n->is_map()) {
    ctx.error(diag::Code::WrongKind, n, label + " must be a map, not " + std::string(yaml::kind_name(n->kind)));
    return false;
  }
  for (auto [k, v] : yaml::map_entries(n)) {
    (void)v;
    if (std::find(g.allowed.begin(), g.allowed.end(), std::string_view(k->text)) != g.allowed.end()) continue;
    // SODALITE's IDE writes the request beside `type` (AADM); xOpera rejects it, modak reads it.
    if (g.construct == std::string_view("node template") && (k->text == "optimization" || k->text == "optimisation") &&
        ctx.profile.sodalite()) {
      ctx.sink.note(diag::Code::OptimisationRequest, ctx.at(k),
                    label + " carries an optimisation request beside 'type'; modak optimise reads and removes it");
      continue;
    }
    ctx.error(diag::Code::UnknownField, k, label + " has unknown field '" + k->text + "'");
  }
  for (std::string_view req : g.required) {
    const yaml::Node* v = n->get(req);
    if (!v)
      ctx.error(diag::Code::MissingField, n, label + " is missing required field '" + std::string(req) + "'");
    else if (v->is_null() || (v->is_string() && v->text.empty()))
      ctx.error(diag::Code::MissingField, v, label + " has an empty '" + std::string(req) + "'");
  }
  return true;
}

bool is_function_name(std::string_view name) {
  static constexpr std::string_view kNames[] = {"get_input",     "get_property",        "get_attribute",
                                                "get_operation_output", "get_nodes_of_type", "get_artifact",
                                                "concat",        "join",                "token",
                                                "get_secret"};
  return std::find(std::begin(kNames), std::end(kNames), name) != std::end(kNames);
}

std::string_view function_name(const yaml::Node* n) {
  if (!n || !n->is_map() || n->size() != 1) return {};
  const yaml::Node* k = n->key_at(0);
  return is_function_name(k->text) ? std::string_view(k->text) : std::string_view();
}

}  // namespace modak::tosca
