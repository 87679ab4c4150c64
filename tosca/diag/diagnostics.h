// Diagnostics: every problem modak finds, with a stable code, a severity and a location.
// Code that finds a problem reports it and keeps going; renderers print text or JSON.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tosca/diag/codes.h"

namespace modak::diag {

enum class Severity : std::uint8_t { Error, Warning, Note };

std::string_view severity_name(Severity s);

// A position in a loaded source. Lines and columns are 1-based; 0 means "unknown".
struct Location {
  std::string file;
  std::uint32_t line = 0;
  std::uint32_t column = 0;
};

struct Diagnostic {
  Severity severity = Severity::Error;
  Code code = Code::Internal;
  Location where;
  std::string message;
  std::vector<Diagnostic> notes;  // the chain that led here ("imported from ...")
};

// Collects diagnostics. Not thread-safe: one sink per validation run.
class Sink {
 public:
  Diagnostic& report(Severity s, Code code, Location where, std::string message);
  Diagnostic& error(Code code, Location where, std::string message) {
    return report(Severity::Error, code, std::move(where), std::move(message));
  }
  Diagnostic& warning(Code code, Location where, std::string message) {
    return report(Severity::Warning, code, std::move(where), std::move(message));
  }
  Diagnostic& note(Code code, Location where, std::string message) {
    return report(Severity::Note, code, std::move(where), std::move(message));
  }

  const std::vector<Diagnostic>& all() const { return items_; }
  std::size_t count(Severity s) const;
  bool has_errors() const { return count(Severity::Error) > 0; }
  // Stable order for output: by file, line, column, then insertion order.
  void sort();
  // Caps the number of stored diagnostics so hostile input cannot exhaust memory.
  void set_limit(std::size_t limit) { limit_ = limit; }
  std::size_t dropped() const { return dropped_; }

 private:
  std::vector<Diagnostic> items_;
  std::size_t limit_ = 10000;
  std::size_t dropped_ = 0;
  Diagnostic overflow_;  // receives reports past the limit
};

// "file:line:col: error[code]: message" and indented notes.
std::string render_text(const std::vector<Diagnostic>& diags, bool color = false);
// A JSON array of {severity, code, file, line, column, message, notes}.
std::string render_json(const std::vector<Diagnostic>& diags);

}  // namespace modak::diag
