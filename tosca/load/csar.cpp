#include "tosca/load/csar.h"

#include <algorithm>

namespace modak::tosca {

namespace {
std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}
bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}
}  // namespace

bool parse_tosca_meta(std::string_view text, std::string& entry, std::string& error, std::uint32_t* line_out,
                      std::uint32_t* column_out) {
  bool has_version = false;
  std::size_t pos = 0;
  std::uint32_t line_no = 0;
  while (pos <= text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::string_view raw = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++line_no;
    std::string_view line = trim(raw);
    if (line.empty()) {
      if (!entry.empty()) break;  // block 0 ends at the first blank line after content
      continue;
    }
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view key = trim(line.substr(0, colon));
    std::string_view value = trim(line.substr(colon + 1));
    if (key == "TOSCA-Meta-File-Version" || key == "TOSCA-Meta-Version") has_version = true;
    if (key == "Entry-Definitions") {
      entry = std::string(value);
      if (line_out) *line_out = line_no;
      if (column_out) *column_out = static_cast<std::uint32_t>(value.data() - raw.data()) + 1;
    }
  }
  if (entry.empty()) {
    error = "TOSCA.meta has no Entry-Definitions";
    return false;
  }
  (void)has_version;  // xOpera and Winery CSARs omit it at times; not worth rejecting
  return true;
}

bool pick_root_yaml(const std::vector<std::string>& root_files, std::string& entry, std::string& error) {
  std::vector<std::string> yamls;
  for (const auto& f : root_files)
    if (ends_with(f, ".yaml") || ends_with(f, ".yml")) yamls.push_back(f);
  if (yamls.size() == 1) {
    entry = yamls.front();
    return true;
  }
  std::sort(yamls.begin(), yamls.end());
  error = yamls.empty() ? "the CSAR has no TOSCA-Metadata/TOSCA.meta and no YAML file at its root"
                        : "the CSAR has no TOSCA-Metadata/TOSCA.meta and " + std::to_string(yamls.size()) +
                              " YAML files at its root; cannot tell which is the entry";
  return false;
}

}  // namespace modak::tosca
