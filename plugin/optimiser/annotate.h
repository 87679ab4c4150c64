// Writes the decisions into a copy of the entry file: properties the node types declare
// (container_runtime, mpi_ranks, threads, node_count, ...) and node-template metadata with string
// values (modak.image, modak.decision as JSON, ...). Request keys the type does not declare are
// removed, so xOpera accepts the result.
#pragma once

#include <string>
#include <vector>

#include "plugin/optimiser/blueprint.h"
#include "plugin/optimiser/decision.h"
#include "tosca/yaml/node.h"

namespace modak::opt {

struct Annotated {
  yaml::Node* root = nullptr;         // the rewritten entry file
  std::vector<std::string> changes;   // "node 'app': container_runtime = docker://..."
};

Annotated annotate(const tosca::Context& ctx, const yaml::Node* entry_root, const std::vector<AppNode>& apps,
                   const std::vector<Decision>& decisions, yaml::Arena& arena);

// Rewrites relative imports so that they still resolve from `to_dir` (the output's folder).
void rebase_imports(yaml::Node* root, const std::string& from_dir, const std::string& to_dir, yaml::Arena& arena);

}  // namespace modak::opt
