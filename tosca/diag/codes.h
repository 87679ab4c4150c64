// Stable diagnostic codes. Each code keeps its name forever; docs/diagnostics.md lists them all
// (a test checks that the list and this table agree).
#pragma once

#include <string_view>
#include <vector>

namespace modak::diag {

// X(enumerator, "name", "one-line description")
#define MODAK_DIAG_CODES(X)                                                                          \
  X(Internal, "internal", "an internal error in modak (please report it)")                         \
  X(Usage, "usage", "a command-line usage error")                                                  \
  X(IoError, "io-error", "a file or URL could not be read")                                        \
  X(Limit, "limit", "an input exceeded a configured limit (size, depth, aliases, imports)")       \
  X(YamlSyntax, "yaml-syntax", "the YAML is malformed")                                            \
  X(YamlEncoding, "yaml-encoding", "the input is not valid UTF-8")                                 \
  X(YamlDuplicateKey, "yaml-duplicate-key", "a mapping repeats a key")                             \
  X(Yaml11Value, "yaml11-value", "a plain yes/no/on/off is a string in YAML 1.2 but a boolean to YAML 1.1 tools; read as boolean where one is expected") \
  X(YamlTag, "yaml-tag", "a YAML tag modak does not support, or a value that does not fit its tag") \
  X(UnknownVersion, "unknown-version", "tosca_definitions_version is missing or not a TOSCA version") \
  X(UnsupportedProfile, "unsupported-profile", "the file uses a TOSCA extension profile modak does not implement (e.g. NFV)") \
  X(UnknownField, "unknown-field", "a keyname the TOSCA grammar does not allow here")              \
  X(MissingField, "missing-field", "a keyname the TOSCA grammar requires is missing")              \
  X(WrongKind, "wrong-kind", "a value has the wrong YAML shape (map, list or scalar) for its keyname") \
  X(ImportNotFound, "import-not-found", "an imported file does not exist")                         \
  X(ImportCycle, "import-cycle", "files import each other in a cycle")                             \
  X(ImportEscape, "import-escape", "an import or artifact path leaves the CSAR or import root")    \
  X(ImportUrl, "import-url", "a URL import was refused or could not be fetched")                   \
  X(ImportVersion, "import-version", "an imported file declares a different TOSCA version")        \
  X(UnknownRepository, "unknown-repository", "an import names a repository that is not defined")   \
  X(CsarInvalid, "csar-invalid", "a CSAR is malformed (TOSCA.meta, Entry-Definitions)")             \
  X(UnknownType, "unknown-type", "a type name does not resolve to a type of the expected kind")    \
  X(WrongTypeKind, "wrong-type-kind", "a type of another entity kind is used (e.g. a data type as a node type's parent)") \
  X(TypeCycle, "type-cycle", "derived_from forms a cycle")                                         \
  X(DuplicateType, "duplicate-type", "a type is defined twice with different definitions")         \
  X(InvalidRefinement, "invalid-refinement", "a derived type changes an inherited definition incompatibly") \
  X(TypeMismatch, "type-mismatch", "a value does not match its declared type")                     \
  X(InvalidValue, "invalid-value", "a scalar-unit, version, range, timestamp or other value is malformed") \
  X(ConstraintViolation, "constraint-violation", "a value violates a constraint")                  \
  X(InvalidConstraint, "invalid-constraint", "a constraint clause is malformed or does not fit the type") \
  X(MissingRequired, "missing-required", "a required property or input has no value")             \
  X(Undeclared, "undeclared", "a template assigns a property, attribute, capability, requirement, interface, operation or artifact its type does not declare") \
  X(UnknownTemplate, "unknown-template", "a reference to a node, relationship, group or policy template that does not exist") \
  X(RequirementMismatch, "requirement-mismatch", "a requirement's target does not offer a matching capability or node type") \
  X(Occurrences, "occurrences", "a requirement or capability is used fewer or more times than its occurrences allow") \
  X(FunctionArgs, "function-args", "an intrinsic function has the wrong number or kind of arguments") \
  X(UnknownInput, "unknown-input", "get_input names an input that is not declared")               \
  X(FunctionTarget, "function-target", "a function refers to an entity, property, attribute or artifact that does not exist") \
  X(SubstitutionMapping, "substitution-mapping", "substitution mappings do not fit the substituted node type") \
  X(WorkflowReference, "workflow-reference", "a workflow step refers to something that does not exist") \
  X(ProfileSelected, "profile-selected", "which validation profile is in use, and why")            \
  X(QuirkMapEntrySchema, "quirk-map-entry-schema", "sodalite: a map with entry_schema D holds one D, not a map of them") \
  X(QuirkValidValues, "quirk-valid-values", "sodalite: a value outside valid_values is tolerated")  \
  X(QuirkTypeCoercion, "quirk-type-coercion", "sodalite: a value of another primitive type is tolerated (string for list, quoted number, null)") \
  X(QuirkTemplateText, "quirk-template-text", "sodalite: Jinja or shell text in a value is kept opaque") \
  X(QuirkLibraryDrift, "quirk-library-drift", "sodalite: a template uses a property, capability or type its library no longer declares") \
  X(QuirkDuplicateType, "quirk-duplicate-type", "sodalite: a type defined differently in two library files; the first definition wins") \
  X(QuirkImportCycle, "quirk-import-cycle", "sodalite: files import each other (xOpera loads each once)") \
  X(QuirkUndeclaredInput, "quirk-undeclared-input", "sodalite: a type's operation uses an input the blueprint does not declare") \
  X(QuirkRequiredUnset, "quirk-required-unset", "sodalite: a required property without value is left for the orchestrator") \
  X(FilledByModak, "filled-by-modak", "a property modak's optimiser fills is unset; not an error") \
  X(UnknownTarget, "unknown-target", "an optimisation request names a target the knowledge base does not describe") \
  X(NoCandidate, "no-candidate", "no catalogue image fits an optimisation request; the request's own container is kept") \
  X(ResourceConflict, "resource-conflict", "an optimisation request's ranks, threads, nodes or GPUs contradict each other or the target") \
  X(OptimisationRequest, "optimisation-request", "sodalite: a node carries an optimisation request where xOpera would not accept it (modak optimise reads it and removes it)")

enum class Code {
#define MODAK_DIAG_ENUM(id, name, desc) id,
  MODAK_DIAG_CODES(MODAK_DIAG_ENUM)
#undef MODAK_DIAG_ENUM
};

std::string_view code_name(Code c);
std::string_view code_description(Code c);
std::vector<Code> all_codes();

}  // namespace modak::diag
