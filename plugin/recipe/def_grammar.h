// A grammar check for Singularity / Apptainer definition files. Apptainer is not packaged for
// Debian 12, so modak checks the files it writes (and any a user hands it) itself: the header
// (Bootstrap first, known keywords, what each bootstrap agent needs), the section names, and the
// few sections that have a line syntax of their own (%labels, %files, %app*).
// Reference: the Apptainer user guide, "Definition Files" (header keywords, sections, multi-stage
// builds, SCIF apps).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace modak::recipe {

struct DefProblem {
  enum class Severity : std::uint8_t { Error, Warning };
  Severity severity = Severity::Error;
  std::uint32_t line = 0;    // 1-based
  std::uint32_t column = 0;  // 1-based
  std::string message;
};

struct DefCheck {
  std::vector<DefProblem> problems;
  std::vector<std::string> stages;    // names given by Stage:, in order ("" for an unnamed stage)
  std::vector<std::string> sections;  // section names as written, in order ("post", "apprun foo", ...)
  bool ok() const;                    // no errors (warnings allowed)
};

// Checks the text of a definition file.
DefCheck check_definition(std::string_view text);

// "file:line:col: error: message" lines, one per problem.
std::string render_problems(const std::string& file, const DefCheck& check);

// The keywords and sections the checker accepts (for docs and tests).
const std::vector<std::string>& header_keywords();
const std::vector<std::string>& section_names();

}  // namespace modak::recipe
