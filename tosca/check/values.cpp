#include "tosca/check/values.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <regex>

#include "tosca/check/grammar.h"

namespace modak::tosca {

using diag::Code;

namespace {

std::string quoted(const yaml::Node* v) {
  if (v->is_scalar()) return "'" + (v->text.size() > 80 ? v->text.substr(0, 77) + "..." : v->text) + "'";
  return std::string("a ") + std::string(yaml::kind_name(v->kind));
}

bool looks_templated(const yaml::Node* v) {
  return v->is_string() && (v->text.find("{{") != std::string::npos || v->text.find("${") != std::string::npos);
}

struct UnitTable {
  std::string_view kind;
  std::initializer_list<std::pair<std::string_view, double>> units;
  bool case_sensitive;
};

// TOSCA 1.3 §3.3.6: size units are case-insensitive; time and frequency are too in practice
// (tosca-parser and Puccini accept "GHz" and "ghz"); bitrate distinguishes b from B.
const UnitTable kUnitTables[] = {
    {"scalar-unit.size",
     {{"B", 1}, {"kB", 1e3}, {"KiB", 1024}, {"MB", 1e6}, {"MiB", 1048576}, {"GB", 1e9}, {"GiB", 1073741824.0},
      {"TB", 1e12}, {"TiB", 1099511627776.0}},
     false},
    {"scalar-unit.time", {{"d", 86400}, {"h", 3600}, {"m", 60}, {"s", 1}, {"ms", 1e-3}, {"us", 1e-6}, {"ns", 1e-9}}, false},
    {"scalar-unit.frequency", {{"Hz", 1}, {"kHz", 1e3}, {"MHz", 1e6}, {"GHz", 1e9}}, false},
    {"scalar-unit.bitrate",
     {{"bps", 1}, {"Kbps", 1e3}, {"Kibps", 1024}, {"Mbps", 1e6}, {"Mibps", 1048576}, {"Gbps", 1e9},
      {"Gibps", 1073741824.0}, {"Tbps", 1e12}, {"Tibps", 1099511627776.0}, {"Bps", 8}, {"KBps", 8e3},
      {"KiBps", 8192}, {"MBps", 8e6}, {"MiBps", 8388608}, {"GBps", 8e9}, {"GiBps", 8589934592.0}, {"TBps", 8e12},
      {"TiBps", 8796093022208.0}},
     true},
};

bool same_unit(std::string_view a, std::string_view b, bool case_sensitive) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (!case_sensitive) x = static_cast<char>(std::tolower(x)), y = static_cast<char>(std::tolower(y));
    if (x != y) return false;
  }
  return true;
}

}  // namespace

bool parse_scalar_unit(std::string_view text, std::string_view kind, double& base, std::string& error) {
  const UnitTable* table = nullptr;
  for (const auto& t : kUnitTables)
    if (t.kind == kind) table = &t;
  if (!table) {
    error = "unknown scalar-unit kind";
    return false;
  }
  std::size_t i = 0;
  while (i < text.size() && text[i] == ' ') ++i;
  std::size_t num_start = i;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
  bool digits = false;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
    digits |= text[i] != '.', ++i;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E') && i + 1 < text.size() &&
      (std::isdigit(static_cast<unsigned char>(text[i + 1])) || text[i + 1] == '-' || text[i + 1] == '+')) {
    i += 2;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  }
  if (!digits) {
    error = "'" + std::string(text) + "' does not start with a number";
    return false;
  }
  double number = std::strtod(std::string(text.substr(num_start, i - num_start)).c_str(), nullptr);
  while (i < text.size() && text[i] == ' ') ++i;
  std::string_view unit = text.substr(i);
  while (!unit.empty() && unit.back() == ' ') unit.remove_suffix(1);
  if (unit.empty()) {
    error = "'" + std::string(text) + "' has no unit (a " + std::string(kind) + " needs one)";
    return false;
  }
  for (const auto& [name, factor] : table->units)
    if (same_unit(unit, name, table->case_sensitive)) {
      base = number * factor;
      return true;
    }
  error = "'" + std::string(unit) + "' is not a unit of " + std::string(kind);
  return false;
}

bool parse_version(std::string_view text, std::vector<long>& parts) {
  // major[.minor[.fix[.qualifier[-build]]]] as tosca-parser and the spec's grammar read it:
  //   ^([0-9]+)(\.([0-9]+)(\.([0-9]+)(\.([0-9A-Za-z]+)(-([0-9]+))?)?)?)?$
  // The qualifier only after a fix version, the build only after a qualifier (so "1.x" is no
  // version). Scanned by hand: it runs for every version-typed value (tosca_definitions of every
  // type, every version property), and std::regex made it a tenth of validating a large blueprint.
  if (text.size() > 128) return false;
  std::size_t i = 0;
  auto digits = [&](long* value) {  // [0-9]+ at i; false if absent or too large for a long
    std::size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    if (i == start) return false;
    return !value || std::from_chars(text.data() + start, text.data() + i, *value).ec == std::errc();
  };
  auto is_alnum = [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); };
  auto next = [&](char c) {  // the separator c at i, consumed
    if (i >= text.size() || text[i] != c) return false;
    ++i;
    return true;
  };
  long v[3] = {0, 0, 0};
  if (!digits(&v[0])) return false;
  if (i < text.size()) {
    if (!next('.') || !digits(&v[1])) return false;
    if (i < text.size()) {
      if (!next('.') || !digits(&v[2])) return false;
      if (i < text.size()) {
        if (!next('.')) return false;
        std::size_t qualifier = i;
        while (i < text.size() && is_alnum(text[i])) ++i;
        if (i == qualifier) return false;
        if (i < text.size() && (!next('-') || !digits(nullptr) || i < text.size())) return false;
      }
    }
  }
  parts.assign(v, v + 3);
  return true;
}

bool is_timestamp(std::string_view text) {
  static const std::regex re(
      R"(^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(([Tt]|[ \t]+)([0-9]{1,2}):([0-9]{2}):([0-9]{2})(\.[0-9]*)?([ \t]*(Z|[-+][0-9]{1,2}(:[0-9]{2})?))?)?$)");
  std::smatch m;
  std::string s(text);
  if (s.size() >= 64 || !std::regex_match(s, m, re)) return false;
  // The calendar and the clock: month 1-12, day within the month, 00:00:00-23:59:60 (leap second).
  int year = std::stoi(m[1]), month = std::stoi(m[2]), day = std::stoi(m[3]);
  static const int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1 || day > kDays[month - 1]) return false;
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (month == 2 && day == 29 && !leap) return false;
  if (m[6].matched && (std::stoi(m[6]) > 23 || std::stoi(m[7]) > 59 || std::stoi(m[8]) > 60)) return false;
  return true;
}

bool to_comparable(const yaml::Node* v, std::string_view primitive, Comparable& out) {
  if (!v->is_scalar()) return false;
  if (primitive.substr(0, 12) == "scalar-unit.") {
    std::string err;
    out.kind = Comparable::Kind::Number;
    return v->is_string() && parse_scalar_unit(v->text, primitive, out.number, err);
  }
  if (primitive == "version") {
    out.kind = Comparable::Kind::Version;
    return parse_version(v->text, out.version);
  }
  if (primitive == "integer" || primitive == "float") {
    out.kind = Comparable::Kind::Number;
    if (v->kind == yaml::Kind::Int) return out.number = static_cast<double>(v->num.i), true;
    if (v->kind == yaml::Kind::Float) return out.number = v->num.f, true;
    return false;
  }
  out.kind = Comparable::Kind::Text;
  out.text = v->text;
  if (v->kind == yaml::Kind::Int || v->kind == yaml::Kind::Float) {
    // Mixed clauses such as `greater_than: 0` on an untyped value compare as numbers.
    out.kind = Comparable::Kind::Number;
    out.number = v->kind == yaml::Kind::Int ? static_cast<double>(v->num.i) : v->num.f;
  }
  return true;
}

int compare(const Comparable& a, const Comparable& b) {
  if (a.kind == Comparable::Kind::Number && b.kind == Comparable::Kind::Number)
    return a.number < b.number ? -1 : a.number > b.number ? 1 : 0;
  if (a.kind == Comparable::Kind::Version && b.kind == Comparable::Kind::Version)
    return a.version < b.version ? -1 : a.version > b.version ? 1 : 0;
  return a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
}

namespace {

std::string a_or_an(std::string_view word) {
  bool vowel = !word.empty() && std::string_view("aeiou").find(word[0]) != std::string_view::npos;
  return (vowel ? "an " : "a ") + std::string(word);
}

void mismatch(Context& ctx, const yaml::Node* v, const std::string& what, std::string_view type,
              bool coercible = false) {
  if (looks_templated(v) &&
      ctx.tolerate(Code::QuirkTemplateText, v, what + ": templated text " + quoted(v) + " kept opaque where a " +
                                                   std::string(type) + " is expected"))
    return;
  // xOpera does not type-check values, and SODALITE files rely on it (a list for a string, "" for a map).
  if ((coercible || ctx.profile.sodalite()) && ctx.tolerate(Code::QuirkTypeCoercion, v,
                                what + ": " + quoted(v) + " is not " + a_or_an(type) + "; tolerated"))
    return;
  ctx.error(Code::TypeMismatch, v, what + ": " + quoted(v) + " is not " + a_or_an(type));
}

void check_complex(Context& ctx, const yaml::Node* v, const TypeDef* t, const std::string& what);

// YAML 1.1 booleans (yes, no, on, off): strings under the core schema, but tosca-parser and
// Ansible read them as booleans, and blueprints written for them rely on it.
bool yaml11_boolean(Context& ctx, const yaml::Node* v, const std::string& what, std::string_view type) {
  static constexpr std::string_view kWords[] = {"yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF"};
  if (!v->is_string() || !v->plain) return false;
  for (std::string_view w : kWords)
    if (v->text == w) {
      ctx.warning(Code::Yaml11Value, v,
                  what + ": plain '" + v->text + "' is a string in YAML 1.2; read as a YAML 1.1 boolean for this " +
                      std::string(type) + " (quote it, or write true/false)");
      return true;
    }
  return false;
}

// Checks one value against a primitive; returns true when it fits (constraints may then apply).
bool check_primitive(Context& ctx, const yaml::Node* v, std::string_view prim, const Schema& schema,
                     const TypeDef* type, const std::string& what) {
  using K = yaml::Kind;
  if (prim == "string") {
    if (v->is_string()) return true;
    mismatch(ctx, v, what, "string", v->kind == K::Int || v->kind == K::Float || v->kind == K::Bool);
    return false;
  }
  if (prim == "integer") {
    if (v->kind == K::Int || yaml11_boolean(ctx, v, what, prim)) return true;
    bool numeric_text = v->is_string() && !v->text.empty() &&
                        v->text.find_first_not_of("+-0123456789") == std::string::npos;
    mismatch(ctx, v, what, "integer", numeric_text);
    return false;
  }
  if (prim == "float") {
    if (v->kind == K::Float || v->kind == K::Int) return true;
    mismatch(ctx, v, what, "float", v->is_string());
    return false;
  }
  if (prim == "boolean") {
    if (v->kind == K::Bool || yaml11_boolean(ctx, v, what, prim)) return true;
    mismatch(ctx, v, what, "boolean", v->is_string());
    return false;
  }
  if (prim == "null") {
    if (v->is_null()) return true;
    mismatch(ctx, v, what, "null");
    return false;
  }
  if (prim == "timestamp") {
    if (v->is_string() && is_timestamp(v->text)) return true;
    if (v->is_string()) ctx.error(Code::InvalidValue, v, what + ": " + quoted(v) + " is not a valid timestamp");
    else mismatch(ctx, v, what, "timestamp");
    return false;
  }
  if (prim == "version") {
    std::vector<long> parts;
    if (v->is_scalar() && !v->is_null() && parse_version(v->text, parts)) return true;
    if (v->is_scalar() && !v->is_null())
      ctx.error(Code::InvalidValue, v,
                what + ": " + quoted(v) + " is not a valid version (major.minor[.fix[.qualifier[-build]]])");
    else mismatch(ctx, v, what, "version");
    return false;
  }
  if (prim.substr(0, 12) == "scalar-unit.") {
    double base = 0;
    std::string err;
    if (v->is_string() && parse_scalar_unit(v->text, prim, base, err)) return true;
    if (v->kind == K::Int || v->kind == K::Float)
      err = "'" + v->text + "' has no unit (a " + std::string(prim) + " needs one)";
    if (err.empty()) mismatch(ctx, v, what, prim);
    else if (!(looks_templated(v) && ctx.tolerate(Code::QuirkTemplateText, v, what + ": templated text kept opaque")))
      ctx.error(Code::InvalidValue, v, what + ": " + err);
    return false;
  }
  if (prim == "range") {
    if (!v->is_seq() || v->size() != 2) {
      mismatch(ctx, v, what, "range ([lower, upper])");
      return false;
    }
    const yaml::Node* lo = v->item(0);
    const yaml::Node* hi = v->item(1);
    bool hi_unbounded = hi->is_string() && hi->text == "UNBOUNDED";
    if (lo->kind != K::Int || (hi->kind != K::Int && !hi_unbounded)) {
      ctx.error(Code::InvalidValue, v, what + ": a range's bounds must be integers (upper may be UNBOUNDED)");
      return false;
    }
    if (!hi_unbounded && lo->num.i > hi->num.i) {
      ctx.error(Code::InvalidValue, v, what + ": range lower bound " + lo->text + " is above upper bound " + hi->text);
      return false;
    }
    return true;
  }
  const std::shared_ptr<Schema> entry = schema.entry ? schema.entry : (type ? type->entry_schema : nullptr);
  if (prim == "list") {
    if (!v->is_seq()) {
      mismatch(ctx, v, what, "list", v->is_string());
      return false;
    }
    if (entry)
      for (std::size_t i = 0; i < v->size(); ++i)
        check_value(ctx, v->item(i), *entry, what + "[" + std::to_string(i) + "]");
    return true;
  }
  if (prim == "map") {
    if (!v->is_map()) {
      mismatch(ctx, v, what, "map");
      return false;
    }
    if (entry && entry->type && entry->type->primitive().empty() && v->size() != 0) {
      // SODALITE writes `type: map, entry_schema: D` and assigns one D, not a map of them.
      bool looks_like_one = true;
      for (auto [k, val] : yaml::map_entries(v))
        if (!entry->type->properties.find(k->text) || !function_name(val).empty()) looks_like_one = false;
      bool values_are_maps = true;
      for (auto [k, val] : yaml::map_entries(v)) values_are_maps &= val->is_map();
      if (looks_like_one && !values_are_maps &&
          ctx.tolerate(Code::QuirkMapEntrySchema, v,
                       what + ": map with entry_schema '" + entry->type->name + "' holds one " + entry->type->name +
                           "; read as that data type")) {
        check_complex(ctx, v, entry->type, what);
        return true;
      }
      if (!values_are_maps && ctx.profile.sodalite() && !looks_like_one) {
        // A map of D where the user wrote D inline with unknown keys: the library drifted.
        bool any_known = false;
        for (auto [k, val] : yaml::map_entries(v)) any_known |= entry->type->properties.find(k->text) != nullptr;
        if (any_known && ctx.tolerate(Code::QuirkMapEntrySchema, v,
                                      what + ": read as one '" + entry->type->name + "' (sodalite map quirk)")) {
          check_complex(ctx, v, entry->type, what);
          return true;
        }
      }
    }
    for (auto [k, val] : yaml::map_entries(v)) {
      if (schema.key) check_value(ctx, k, *schema.key, what + " key");
      if (entry) check_value(ctx, val, *entry, what + "." + k->text);
    }
    return true;
  }
  return true;
}

void check_complex(Context& ctx, const yaml::Node* v, const TypeDef* t, const std::string& what) {
  if (!v->is_map()) {
    if (looks_templated(v) && ctx.tolerate(Code::QuirkTemplateText, v, what + ": templated text kept opaque"))
      return;
    ctx.error(Code::TypeMismatch, v,
              what + ": " + quoted(v) + " is not a map (data type '" + t->name + "' has properties)");
    return;
  }
  for (auto [k, val] : yaml::map_entries(v)) {
    const PropertyDef* p = t->properties.find(k->text);
    if (!p) {
      if (!ctx.tolerate(Code::QuirkLibraryDrift, k,
                        what + ": '" + k->text + "' is not a property of data type '" + t->name + "'"))
        ctx.error(Code::Undeclared, k, what + ": '" + k->text + "' is not a property of data type '" + t->name + "'");
      continue;
    }
    check_value(ctx, val, p->schema, what + "." + k->text);
  }
  for (const auto& p : t->properties.items)
    if (p.required && !p.default_value && !v->get(p.name))
      if (!ctx.tolerate(Code::QuirkRequiredUnset, v,
                        what + ": required property '" + p.name + "' of data type '" + t->name + "' is not set"))
        ctx.error(Code::MissingRequired, v,
                  what + ": required property '" + p.name + "' of data type '" + t->name + "' is not set");
}

}  // namespace

void check_value(Context& ctx, const yaml::Node* v, const Schema& schema, const std::string& what) {
  const TypeDef* t = schema.type;
  if (!t || !v) return;
  if (!function_name(v).empty()) return;
  std::string_view prim = t->primitive();
  if (v->is_null()) {
    if (prim == "null") return;
    // An empty value: xOpera reads it as "unset"; SODALITE relies on that.
    if (!ctx.tolerate(Code::QuirkTypeCoercion, v, what + ": null value treated as unset"))
      ctx.error(Code::TypeMismatch, v, what + ": null is not a " + t->name);
    return;
  }
  if (prim.empty()) {
    check_complex(ctx, v, t, what);
    return;
  }
  if (!check_primitive(ctx, v, prim, schema, t, what)) return;
  for (const TypeDef* d = t; d && !d->builtin; d = d->parent)
    if (d->constraints) apply_constraints(ctx, v, d->constraints, prim, what);
  if (schema.constraints) apply_constraints(ctx, v, schema.constraints, prim, what);
}

}  // namespace modak::tosca
