// From optimised application nodes to a deployable blueprint: each job rendered by the adapter
// of its target's scheduler, and the TOSCA nodes rewritten the way SODALITE's playbooks deploy
// them (Gen-3: the JobExecution's `content` holds the script; Gen-2: the MODAK job becomes a
// rendered job whose script is written in place; Kubernetes: Kind nodes carry the manifests).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "adapters/adapter.h"
#include "plugin/optimiser/blueprint.h"
#include "plugin/optimiser/decision.h"

namespace modak::render {

struct Options {
  std::string adapter;  // --adapter: overrides the scheduler the target names
};

struct Artefact {
  std::string path;     // relative to the output directory
  std::string content;
};

struct Output {
  yaml::Node* service = nullptr;                  // the rewritten entry file
  std::vector<Artefact> artefacts;                // job scripts, manifests, modak's type file
  std::vector<std::string> changes;               // what was rewritten, for the log
  std::vector<std::string> notes;                 // what an adapter could not express
};

// Renders every application's job and rewrites the blueprint. False with located errors when
// an application's scheduler has no adapter.
bool render(tosca::Context& ctx, const yaml::Node* entry_root, const std::vector<opt::AppNode>& apps,
            const std::vector<opt::Decision>& decisions, const Options& options, yaml::Arena& arena, Output& out);

// The scheduler an application's job goes to: --adapter, else the request's target, else the site's.
std::string scheduler_of(const opt::AppNode& app, const opt::Decision& d, const Options& options);

}  // namespace modak::render
