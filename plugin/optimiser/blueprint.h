// Where optimisation requests live in SODALITE blueprints, and what the optimiser writes back.
//  - Gen-3: a sodalite.nodes.batch.Container.Application carrying a request (node metadata
//    `optimisation`/`optimization`, as a map or JSON text, or an undeclared property), its
//    JobExecution (job options) and the sodalite.nodes.hpc.WM host (scheduler, target).
//  - Gen-2: sodalite.nodes.modak.job with `optimisation`, `job_options`, `application`, `target`.
//  - Kubernetes: an application node carrying a request, hosted on a sodalite.nodes.Kubernetes.Cluster.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "plugin/optimiser/decision.h"
#include "plugin/optimiser/request.h"
#include "tosca/check/context.h"
#include "tosca/validator.h"

namespace modak::opt {

enum class Generation { Gen2ModakJob, Gen3Batch, Kubernetes, Generic };

struct AppNode {
  std::string name;                      // the application node template
  const yaml::Node* body = nullptr;
  const tosca::TypeDef* type = nullptr;
  Generation generation = Generation::Generic;
  std::string job_node;                  // Gen-3: the JobExecution that runs it
  std::string host_node;                 // the WM or Kubernetes cluster
  const yaml::Node* request_site = nullptr;  // where the request was written
  Request request;
};

// Finds every application node that carries a request and reads it (errors are located).
// `arena` owns nodes made while reading (JSON text parsed, get_input resolved).
// Request texts are registered in the model's source table, so their locations print right.
std::vector<AppNode> find_requests(tosca::Context& ctx, tosca::Model& model, yaml::Arena& arena);

// Registers a request written as text inside `site` as a source whose positions map into the file.
std::uint32_t embed_request(const tosca::Context& ctx, const yaml::Node* site, yaml::SourceTable& sources,
                            std::uint32_t key_column = 0);

// The request text of a node, without the extra quotes SODALITE's IaC builder fixtures add.
std::string unwrap_request_text(std::string text);

// True when the node template carries a request (metadata or property), for the validator's
// "filled by modak" notes.
bool carries_request(const yaml::Node* node_template);

// Properties modak fills for a node of this type ("container_runtime", "content", ...).
bool filled_by_modak(const tosca::TypeDef& type, std::string_view property);

}  // namespace modak::opt
