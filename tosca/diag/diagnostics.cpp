#include "tosca/diag/diagnostics.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace modak::diag {

std::string_view severity_name(Severity s) {
  switch (s) {
    case Severity::Error: return "error";
    case Severity::Warning: return "warning";
    case Severity::Note: return "note";
  }
  return "error";
}

Diagnostic& Sink::report(Severity s, Code code, Location where, std::string message) {
  if (items_.size() >= limit_) {
    ++dropped_;
    overflow_ = Diagnostic{};
    return overflow_;
  }
  items_.push_back(Diagnostic{s, code, std::move(where), std::move(message), {}});
  return items_.back();
}

std::size_t Sink::count(Severity s) const {
  return static_cast<std::size_t>(
      std::count_if(items_.begin(), items_.end(), [s](const Diagnostic& d) { return d.severity == s; }));
}

void Sink::sort() {
  std::stable_sort(items_.begin(), items_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    if (a.where.file != b.where.file) return a.where.file < b.where.file;
    if (a.where.line != b.where.line) return a.where.line < b.where.line;
    return a.where.column < b.where.column;
  });
}

namespace {

std::string location_prefix(const Location& l) {
  std::string out = l.file.empty() ? std::string("<input>") : l.file;
  if (l.line > 0) {
    out += ':' + std::to_string(l.line);
    if (l.column > 0) out += ':' + std::to_string(l.column);
  }
  return out;
}

void append_text(std::string& out, const Diagnostic& d, bool color, int indent) {
  static constexpr std::string_view kRed = "\033[1;31m", kYellow = "\033[1;33m", kCyan = "\033[1;36m",
                                    kReset = "\033[0m";
  std::string_view tint = d.severity == Severity::Error     ? kRed
                          : d.severity == Severity::Warning ? kYellow
                                                            : kCyan;
  out.append(static_cast<std::size_t>(indent), ' ');
  out += location_prefix(d.where);
  out += ": ";
  if (color) out += tint;
  out += severity_name(d.severity);
  out += '[';
  out += code_name(d.code);
  out += ']';
  if (color) out += kReset;
  out += ": ";
  out += d.message;
  out += '\n';
  for (const auto& n : d.notes) append_text(out, n, color, indent + 2);
}

nlohmann::json to_json(const Diagnostic& d) {
  nlohmann::json j = {{"severity", severity_name(d.severity)},
                      {"code", code_name(d.code)},
                      {"file", d.where.file},
                      {"line", d.where.line},
                      {"column", d.where.column},
                      {"message", d.message}};
  if (!d.notes.empty()) {
    auto& notes = j["notes"] = nlohmann::json::array();
    for (const auto& n : d.notes) notes.push_back(to_json(n));
  }
  return j;
}

}  // namespace

std::string render_text(const std::vector<Diagnostic>& diags, bool color) {
  std::string out;
  for (const auto& d : diags) append_text(out, d, color, 0);
  return out;
}

std::string render_json(const std::vector<Diagnostic>& diags) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& d : diags) arr.push_back(to_json(d));
  // Replace invalid UTF-8 rather than throw: messages may quote hostile input.
  return arr.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace modak::diag
