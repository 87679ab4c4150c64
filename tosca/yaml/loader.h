// Builds a Document tree from libyaml's event stream (fast, small, no YAML::Node).
#pragma once

#include <cstdint>
#include <string_view>

#include "tosca/diag/diagnostics.h"
#include "tosca/yaml/node.h"

namespace modak::yaml {

// Bounds that keep hostile input from using unbounded time or memory. Exceeding one is a
// located `limit` error, never a crash. Defaults and flags: docs/limits.md (tosca/load/limits.h).
struct LoadLimits {
  std::uint32_t max_depth = 256;                 // nesting of maps and lists
  std::uint64_t max_expanded_nodes = 4'000'000;  // nodes after alias expansion (billion-laughs guard)
  std::uint64_t max_scalar_bytes = 8ull << 20;   // one scalar
};

// Parses `content` (the bytes of one file) into nodes owned by `arena`. Returns the root of the
// first document, or nullptr when the input is empty or broken (the reason is in `sink`).
// An empty file yields a Null root.
Node* load_yaml(std::string_view content, std::uint32_t source_id, const SourceTable& sources, Arena& arena,
                diag::Sink& sink, const LoadLimits& limits = {});

// Turns a mark into a diagnostic location.
diag::Location location_of(const SourceTable& sources, const Mark& m);

}  // namespace modak::yaml
