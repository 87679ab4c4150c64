#include "tosca/yaml/scalar.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

namespace modak::yaml {

std::string_view kind_name(Kind k) {
  switch (k) {
    case Kind::Null: return "null";
    case Kind::Bool: return "boolean";
    case Kind::Int: return "integer";
    case Kind::Float: return "float";
    case Kind::String: return "string";
    case Kind::Seq: return "list";
    case Kind::Map: return "map";
  }
  return "?";
}

const Node* Node::get(std::string_view key) const {
  if (kind != Kind::Map) return nullptr;
  for (std::size_t i = 0; i + 1 < children.size(); i += 2)
    if (children[i]->is_scalar() && children[i]->text == key) return children[i + 1];
  return nullptr;
}

namespace {

bool is_null_text(std::string_view t) { return t.empty() || t == "~" || t == "null" || t == "Null" || t == "NULL"; }

int bool_text(std::string_view t) {
  if (t == "true" || t == "True" || t == "TRUE") return 1;
  if (t == "false" || t == "False" || t == "FALSE") return 0;
  return -1;
}

bool all_of(std::string_view t, bool (*pred)(char)) {
  if (t.empty()) return false;
  for (char c : t)
    if (!pred(c)) return false;
  return true;
}
bool is_dec(char c) { return c >= '0' && c <= '9'; }
bool is_oct(char c) { return c >= '0' && c <= '7'; }
bool is_hex(char c) { return is_dec(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// [-+]?[0-9]+ | 0o[0-7]+ | 0x[0-9a-fA-F]+ ; out-of-range integers stay strings.
bool parse_int(std::string_view t, std::int64_t& out) {
  int base = 10;
  std::string_view digits = t;
  if (t.size() > 2 && t[0] == '0' && t[1] == 'o' && all_of(t.substr(2), is_oct)) {
    base = 8;
    digits = t.substr(2);
  } else if (t.size() > 2 && t[0] == '0' && t[1] == 'x' && all_of(t.substr(2), is_hex)) {
    base = 16;
    digits = t.substr(2);
  } else {
    std::string_view body = (!t.empty() && (t[0] == '-' || t[0] == '+')) ? t.substr(1) : t;
    if (!all_of(body, is_dec)) return false;
  }
  std::string s(digits);
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, base);
  if (errno == ERANGE || end != s.c_str() + s.size()) return false;
  out = v;
  return true;
}

// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? | [-+]?\.(inf|Inf|INF) | \.nan|\.NaN|\.NAN
bool parse_float(std::string_view t, double& out) {
  std::string_view s = t;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s = s.substr(1);
  }
  if (s == ".inf" || s == ".Inf" || s == ".INF") {
    out = neg ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    return true;
  }
  if (t == ".nan" || t == ".NaN" || t == ".NAN") {
    out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  std::size_t i = 0, int_digits = 0, frac_digits = 0;
  while (i < s.size() && is_dec(s[i])) ++i, ++int_digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && is_dec(s[i])) ++i, ++frac_digits;
  }
  if (int_digits == 0 && frac_digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    std::size_t exp_digits = 0;
    while (i < s.size() && is_dec(s[i])) ++i, ++exp_digits;
    if (exp_digits == 0) return false;
  }
  if (i != s.size()) return false;
  out = std::strtod(std::string(t).c_str(), nullptr);
  return true;
}

}  // namespace

void resolve_plain_scalar(Node& n) {
  const std::string_view t = n.text;
  if (is_null_text(t)) {
    n.kind = Kind::Null;
    return;
  }
  if (int b = bool_text(t); b >= 0) {
    n.kind = Kind::Bool;
    n.num.b = b == 1;
    return;
  }
  std::int64_t i = 0;
  if (parse_int(t, i)) {
    n.kind = Kind::Int;
    n.num.i = i;
    return;
  }
  double f = 0;
  if (parse_float(t, f)) {
    n.kind = Kind::Float;
    n.num.f = f;
    return;
  }
  n.kind = Kind::String;
}

bool apply_tag(Node& n, std::string_view tag) {
  constexpr std::string_view kPrefix = "tag:yaml.org,2002:";
  if (tag == "!" || tag.empty()) {  // non-specific tag: a quoted-like string
    n.kind = Kind::String;
    return true;
  }
  if (tag.substr(0, kPrefix.size()) != kPrefix) return false;
  std::string_view name = tag.substr(kPrefix.size());
  if (name == "str") {
    n.kind = Kind::String;
    return true;
  }
  if (name == "null") {
    n.kind = Kind::Null;
    return is_null_text(n.text);
  }
  if (name == "bool") {
    int b = bool_text(n.text);
    n.kind = Kind::Bool;
    n.num.b = b == 1;
    return b >= 0;
  }
  if (name == "int") {
    n.kind = Kind::Int;
    return parse_int(n.text, n.num.i);
  }
  if (name == "float") {
    n.kind = Kind::Float;
    std::int64_t i = 0;
    if (parse_int(n.text, i)) {
      n.num.f = static_cast<double>(i);
      return true;
    }
    return parse_float(n.text, n.num.f);
  }
  return name == "map" || name == "seq";  // checked by shape in the loader
}

}  // namespace modak::yaml
