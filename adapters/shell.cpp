#include "adapters/shell.h"

#include <cctype>

namespace modak::adapters {

namespace {

bool has_control(std::string_view text) {
  for (char c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
  return false;
}

// bash's $'...' with every control character escaped: the script stays one line per statement, so
// no user value can start a line that a scheduler reads as a directive (#SBATCH, #PBS).
std::string ansi_c_quote(std::string_view text) {
  static const char hex[] = "0123456789abcdef";
  std::string out = "$'";
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (c == '\\' || c == '\'') out += '\\', out += c;
    else if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (u < 0x20 || u == 0x7f) out += "\\x", out += hex[u >> 4], out += hex[u & 15];
    else out += c;
  }
  return out + "'";
}

}  // namespace

std::string single_quote(std::string_view text) {
  if (has_control(text)) return ansi_c_quote(text);
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

namespace {

bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Every '$' starts $NAME or ${NAME}; no backquote, backslash, double quote, '!' or control char.
bool only_variable_expansion(std::string_view w) {
  bool has_dollar = false;
  for (std::size_t i = 0; i < w.size(); ++i) {
    char c = w[i];
    if (c == '`' || c == '\\' || c == '"' || c == '!' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
    if (c != '$') continue;
    has_dollar = true;
    if (i + 1 < w.size() && w[i + 1] == '{') {
      std::size_t j = i + 2;
      if (j >= w.size() || !is_name_start(w[j])) return false;
      while (j < w.size() && is_name_char(w[j])) ++j;
      if (j >= w.size() || w[j] != '}') return false;
      i = j;
    } else {
      if (i + 1 >= w.size() || !is_name_start(w[i + 1])) return false;
      while (i + 1 < w.size() && is_name_char(w[i + 1])) ++i;
    }
  }
  return has_dollar;
}

}  // namespace

std::string shell_word(std::string_view word) {
  if (only_variable_expansion(word)) return "\"" + std::string(word) + "\"";
  return single_quote(word);
}

bool split_words(std::string_view text, std::vector<std::string>& words) {
  words.clear();
  std::string cur;
  bool in_word = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(cur), cur.clear(), in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\'') {
      std::size_t end = text.find('\'', i + 1);
      if (end == std::string_view::npos) return false;
      cur.append(text.substr(i + 1, end - i - 1));
      i = end;
    } else if (c == '"') {
      std::size_t j = i + 1;
      for (; j < text.size() && text[j] != '"'; ++j) {
        if (text[j] == '\\' && j + 1 < text.size() && (text[j + 1] == '"' || text[j + 1] == '\\')) ++j;
        cur += text[j];
      }
      if (j >= text.size()) return false;
      i = j;
    } else if (c == '\\' && i + 1 < text.size()) {
      cur += text[++i];
    } else {
      cur += c;
    }
  }
  if (in_word) words.push_back(cur);
  return true;
}

bool single_line(std::string_view text) {
  for (char c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  return true;
}

std::string sanitise_name(std::string_view name, std::size_t max_length, bool must_start_alpha) {
  std::string out;
  for (char c : name) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-') ? c : '-';
  if (out.empty()) out = "job";
  if (must_start_alpha && !std::isalpha(static_cast<unsigned char>(out[0]))) out = "j" + out;
  if (!must_start_alpha && !std::isalnum(static_cast<unsigned char>(out[0]))) out = "j" + out;
  if (out.size() > max_length) out.resize(max_length);
  return out;
}

std::string rfc1123_name(std::string_view name) {
  std::string out;
  for (char c : name) {
    char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out += (std::isalnum(static_cast<unsigned char>(l)) ? l : '-');
  }
  while (!out.empty() && out.front() == '-') out.erase(out.begin());
  if (out.size() > 63) out.resize(63);
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "modak-app" : out;
}

}  // namespace modak::adapters
