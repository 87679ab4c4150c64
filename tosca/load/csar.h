// CSARs: a directory or zip with TOSCA-Metadata/TOSCA.meta naming the entry definitions, or a
// single YAML file at the root.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace modak::tosca {

// Reads "Entry-Definitions" from a TOSCA.meta text (block 0 keys, "Key: value" lines).
// `line`/`column` receive where the entry's value is (1-based), for located errors.
bool parse_tosca_meta(std::string_view text, std::string& entry, std::string& error, std::uint32_t* line = nullptr,
                      std::uint32_t* column = nullptr);

// Picks the entry file of a CSAR when there is no TOSCA.meta: the only .yaml/.yml file at the root.
bool pick_root_yaml(const std::vector<std::string>& root_files, std::string& entry, std::string& error);

}  // namespace modak::tosca
