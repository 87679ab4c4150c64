// Writing user values into shell scripts so that nothing in them ever executes: every value is
// single-quoted, except words that only reference environment variables ($HOME, ${PBS_O_WORKDIR}),
// which are double-quoted so that the variable still expands (SODALITE blueprints rely on it).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace modak::adapters {

// 'text' with embedded single quotes written as '\''.
std::string single_quote(std::string_view text);
// A word for the command line: "..." when it only expands variables, else '...'.
std::string shell_word(std::string_view word);
// Splits an argument string into words as a POSIX shell would (quotes and backslashes), without
// expanding anything. Returns false for unbalanced quotes.
bool split_words(std::string_view text, std::vector<std::string>& words);
// True when a value is safe to put on a directive line unquoted: no newline, no control char.
bool single_line(std::string_view text);
// Replaces characters outside [A-Za-z0-9._-] with '-' (scheduler job names, file names).
std::string sanitise_name(std::string_view name, std::size_t max_length, bool must_start_alpha);
// RFC 1123 label: lower-case alphanumerics and '-', starting and ending alphanumeric, <= 63.
std::string rfc1123_name(std::string_view name);

}  // namespace modak::adapters
