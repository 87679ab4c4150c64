// The table of every input limit modak enforces: its name (the key in the C API's options JSON
// and the word every limit error quotes), its command-line flag, its unit and how to set it.
// The CLI, the C API and the tests all go through this table, so a limit cannot exist in one
// and be missing from another. docs/limits.md explains each default.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tosca/load/service.h"

namespace modak::tosca {

enum class LimitUnit { Count, Bytes, Milliseconds };

struct LimitSpec {
  const char* name;   // "max_file_bytes": options JSON key, quoted by the error
  const char* flag;   // "--max-file-bytes"
  LimitUnit unit;
  std::uint64_t min;  // smallest value that makes sense
  const char* help;   // one line for --help
  std::uint64_t (*get)(const Limits&);
  void (*set)(Limits&, std::uint64_t);
};

inline const std::vector<LimitSpec>& limit_specs() {
  static const std::vector<LimitSpec> specs = {
      {"max_file_bytes", "--max-file-bytes", LimitUnit::Bytes, 1,
       "bytes in one file or CSAR zip entry (default 32MiB)",
       [](const Limits& l) -> std::uint64_t { return l.max_file_bytes; },
       [](Limits& l, std::uint64_t v) { l.max_file_bytes = v; }},
      {"max_total_bytes", "--max-total-bytes", LimitUnit::Bytes, 1,
       "bytes in all loaded files together, the normative types included (default 256MiB)",
       [](const Limits& l) -> std::uint64_t { return l.max_total_bytes; },
       [](Limits& l, std::uint64_t v) { l.max_total_bytes = v; }},
      {"max_scalar_bytes", "--max-scalar-bytes", LimitUnit::Bytes, 1, "bytes in one YAML scalar (default 8MiB)",
       [](const Limits& l) -> std::uint64_t { return l.yaml.max_scalar_bytes; },
       [](Limits& l, std::uint64_t v) { l.yaml.max_scalar_bytes = v; }},
      {"max_depth", "--max-depth", LimitUnit::Count, 1, "nesting depth of YAML maps and lists (default 256)",
       [](const Limits& l) -> std::uint64_t { return l.yaml.max_depth; },
       [](Limits& l, std::uint64_t v) { l.yaml.max_depth = static_cast<std::uint32_t>(v); }},
      {"max_expanded_nodes", "--max-expanded-nodes", LimitUnit::Count, 1,
       "YAML nodes in one file after alias expansion (default 4000000)",
       [](const Limits& l) -> std::uint64_t { return l.yaml.max_expanded_nodes; },
       [](Limits& l, std::uint64_t v) { l.yaml.max_expanded_nodes = v; }},
      {"max_imports", "--max-imports", LimitUnit::Count, 0, "import entries followed, all files together (default 2000)",
       [](const Limits& l) -> std::uint64_t { return l.max_imports; },
       [](Limits& l, std::uint64_t v) { l.max_imports = static_cast<std::uint32_t>(v); }},
      {"max_fetch_bytes", "--max-fetch-bytes", LimitUnit::Bytes, 1, "bytes in one URL import's body (default 16MiB)",
       [](const Limits& l) -> std::uint64_t { return l.max_fetch_bytes; },
       [](Limits& l, std::uint64_t v) { l.max_fetch_bytes = v; }},
      {"fetch_timeout_ms", "--fetch-timeout", LimitUnit::Milliseconds, 1,
       "time for one URL import, redirects included (default 20s; plain numbers are seconds, or 500ms, 2min)",
       [](const Limits& l) -> std::uint64_t { return static_cast<std::uint64_t>(l.fetch_timeout_ms); },
       [](Limits& l, std::uint64_t v) { l.fetch_timeout_ms = static_cast<long>(v); }},
  };
  return specs;
}

inline const LimitSpec* find_limit(std::string_view name) {
  for (const auto& s : limit_specs())
    if (name == s.name) return &s;
  return nullptr;
}

// What a limit error appends: "(limit max_depth; raise it with --max-depth)".
inline std::string limit_hint(std::string_view name) {
  const LimitSpec* s = find_limit(name);
  return "(limit " + std::string(name) + (s ? std::string("; raise it with ") + s->flag : std::string()) + ")";
}

namespace limits_detail {
inline std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}
}  // namespace limits_detail

// Parses a limit's value: a whole number with an optional unit. Sizes: B, k/kB/M/MB/G/GB (powers
// of 1000) and KiB/MiB/GiB (powers of 1024), case-insensitive. Times: ms, s, min; a plain number
// is seconds (as curl --max-time). Counts: a plain number. Rejects values below the spec's minimum,
// and values that overflow or do not fit the limit's type; `error` then says why (without the
// flag's name, which the caller adds).
inline bool parse_limit_value(const LimitSpec& spec, std::string_view text, std::uint64_t& out, std::string& error) {
  auto bad = [&](const std::string& why) {
    error = why;
    return false;
  };
  std::string_view t = text;
  while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  std::uint64_t number = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), number);
  if (ec != std::errc() || end == t.data())
    return bad("'" + std::string(text) + "' is not a whole number" +
               (spec.unit == LimitUnit::Bytes          ? " of bytes (e.g. 65536, 64KiB, 32MiB)"
                : spec.unit == LimitUnit::Milliseconds ? " of seconds (e.g. 20, 500ms, 2min)"
                                                       : ""));
  std::string unit = limits_detail::lower(std::string_view(end, static_cast<std::size_t>(t.data() + t.size() - end)));
  while (!unit.empty() && unit.front() == ' ') unit.erase(0, 1);
  std::uint64_t factor = 1;
  if (spec.unit == LimitUnit::Bytes) {
    static const std::pair<const char*, std::uint64_t> units[] = {
        {"", 1},           {"b", 1},           {"k", 1000},        {"kb", 1000},       {"m", 1000000},
        {"mb", 1000000},   {"g", 1000000000},  {"gb", 1000000000}, {"kib", 1ull << 10}, {"mib", 1ull << 20},
        {"gib", 1ull << 30}, {"ki", 1ull << 10}, {"mi", 1ull << 20}, {"gi", 1ull << 30}};
    bool found = false;
    for (const auto& [u, f] : units)
      if (unit == u) factor = f, found = true;
    if (!found) return bad("unknown size unit '" + unit + "' (B, kB, MB, GB, KiB, MiB, GiB)");
  } else if (spec.unit == LimitUnit::Milliseconds) {
    if (unit.empty() || unit == "s") factor = 1000;
    else if (unit == "ms") factor = 1;
    else if (unit == "min") factor = 60000;
    else return bad("unknown time unit '" + unit + "' (ms, s, min)");
  } else if (!unit.empty()) {
    return bad("'" + std::string(text) + "' is not a whole number");
  }
  if (number != 0 && factor > UINT64_MAX / number) return bad("'" + std::string(text) + "' is too large");
  std::uint64_t value = number * factor;
  std::uint64_t max = spec.unit == LimitUnit::Count ? UINT32_MAX
                      : spec.unit == LimitUnit::Milliseconds ? static_cast<std::uint64_t>(INT32_MAX)
                                                             : UINT64_MAX;
  if (value > max) return bad("'" + std::string(text) + "' is too large");
  if (value < spec.min) return bad("must be at least " + std::to_string(spec.min) + (spec.unit == LimitUnit::Milliseconds ? " ms" : ""));
  out = value;
  return true;
}

}  // namespace modak::tosca
