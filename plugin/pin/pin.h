// Digest pinning: every image a decision chose, or a blueprint names, becomes `name@sha256:...`,
// the digest the registry reports today for the target's architecture (docs/pinning.md).
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "plugin/optimiser/decision.h"
#include "plugin/optimiser/knowledge.h"
#include "plugin/pin/registry_client.h"
#include "tosca/yaml/node.h"

namespace modak::pin {

// Resolves references and remembers the answers for the run (one request per image and arch).
class Pinner {
 public:
  explicit Pinner(ClientOptions options) : client_(std::move(options)) {}
  // `uri` → its pinned form in the same spelling (docker:// kept). False with `error`.
  bool pin(const std::string& uri, const std::string& architecture, std::string& pinned, std::string& error);

 private:
  RegistryClient client_;
  std::map<std::pair<std::string, std::string>, std::string> cache_;
};

// The OCI architecture a decision's image runs on: the chosen partition's CPU ISA level, else the
// target's default partition, else the image's own ISA level, else amd64.
std::string decision_architecture(const opt::Decision& d);

// Pins the chosen image of every decision (the catalogue entry in `k` the candidate points at, or
// the request's own image). `changes` gets one line per image pinned. Stops at the first failure.
bool pin_decisions(std::vector<opt::Decision>& decisions, opt::Knowledge& k, Pinner& p,
                   std::vector<std::string>& changes, std::string& error);

// Rewrites an annotated or rendered blueprint's entry file in place: in every node template, the
// `container_runtime` property (and `application.container_runtime` of MODAK job nodes) when it
// names a registry image, the `modak.image` metadata, and the image inside `modak.decision`.
// The architecture of a node: `architecture` when not empty, else the target and partition its
// modak.decision names (looked up in `k`, may be null), else the host's.
bool pin_blueprint(yaml::Node* root, yaml::Arena& arena, const opt::Knowledge* k, const std::string& architecture,
                   Pinner& p, std::vector<std::string>& changes, std::string& error);

}  // namespace modak::pin
