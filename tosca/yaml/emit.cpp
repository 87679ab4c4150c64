#include "tosca/yaml/emit.h"

#include <yaml.h>

#include <charconv>
#include <climits>
#include <cmath>
#include <new>
#include <stdexcept>
#include <utility>
#include <vector>

#include "tosca/yaml/scalar.h"

namespace modak::yaml {

namespace {

// ---- scalar text ---------------------------------------------------------------------------

bool is_digit(char c) { return c >= '0' && c <= '9'; }

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

// Length of the valid UTF-8 sequence at s[i], or 0 (overlong forms, surrogates and code points
// above U+10FFFF are invalid, as for libyaml).
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  if (c < 0x80) return 1;
  std::size_t width = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
  if (width == 0 || i + width > s.size()) return 0;
  std::uint32_t v = width == 2 ? (c & 0x1Fu) : width == 3 ? (c & 0x0Fu) : (c & 0x07u);
  for (std::size_t k = 1; k < width; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    v = (v << 6) | (byte(i + k) & 0x3Fu);
  }
  if ((width == 2 && v < 0x80) || (width == 3 && v < 0x800) || (width == 4 && v < 0x10000)) return 0;
  if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  return width;
}

// The text itself when it is UTF-8, else a copy with each bad byte replaced by U+FFFD
// (libyaml refuses to emit anything else).
std::string as_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t w = utf8_sequence(s, i);
    if (w == 0) break;
    i += w;
  }
  if (i == s.size()) return std::string(s);
  std::string out(s.substr(0, i));
  while (i < s.size()) {
    std::size_t w = utf8_sequence(s, i);
    if (w == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s.substr(i, w));
      i += w;
    }
  }
  return out;
}

// True when no byte has its high bit set. An OR over all bytes, without an early exit, so that
// the compiler can vectorise it.
bool is_ascii(std::string_view s) {
  unsigned char any = 0;
  for (char c : s) any |= static_cast<unsigned char>(c);
  return any < 0x80;
}

// Line breaks other than LF: CR, NEL, LS, PS. A parser normalises some of them inside block and
// single-quoted scalars, so strings holding them are double-quoted (where they are escaped).
bool has_other_break(std::string_view t) {
  for (std::size_t i = 0; i < t.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(t[i]);
    if (c == '\r') return true;
    if (c == 0xC2 && i + 1 < t.size() && static_cast<unsigned char>(t[i + 1]) == 0x85) return true;
    if (c == 0xE2 && i + 2 < t.size() && static_cast<unsigned char>(t[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(t[i + 2]) == 0xA8 || static_cast<unsigned char>(t[i + 2]) == 0xA9))
      return true;
  }
  return false;
}

// Would the YAML 1.2 core schema read this plain text as something other than a string?
bool special_in_yaml12(std::string_view t) {
  Node probe;
  probe.text = std::string(t);
  resolve_plain_scalar(probe);
  return probe.kind != Kind::String;
}

// Would a YAML 1.1 reader (PyYAML's resolvers, or the 1.1 type repository's wider regexps) read
// this plain text as something other than a string? Deliberately broad: quoting a string that
// did not need it costs two characters, missing one changes a value.
bool special_in_yaml11(std::string_view t) {
  if (t.empty()) return true;
  // bool (y|n|yes|no|on|off|true|false, any case), null, and the value/merge keys.
  static constexpr std::string_view kWords[] = {"y", "n", "yes", "no", "on", "off", "true", "false",
                                                "null", "~", "=", "<<"};
  for (std::string_view w : kWords)
    if (iequals(t, w)) return true;
  std::string_view body = t;
  if (body[0] == '-' || body[0] == '+') body.remove_prefix(1);
  if (iequals(body, ".inf") || iequals(body, ".nan")) return true;
  // timestamp: yyyy-m...
  if (t.size() >= 6 && is_digit(t[0]) && is_digit(t[1]) && is_digit(t[2]) && is_digit(t[3]) && t[4] == '-' &&
      is_digit(t[5]))
    return true;
  // int (binary, octal, decimal, hex, base 60, with `_`) and float (`.5`, `1.`, `1.2.3` in the
  // 1.1 regexp, exponents, base 60): a sign, digit or dot, then only characters those forms use.
  if (!(is_digit(t[0]) || t[0] == '-' || t[0] == '+' || t[0] == '.')) return false;
  bool digit = false, dot = false;
  for (char c : t) {
    if (is_digit(c)) digit = true;
    else if (c == '.') dot = true;
    else if (!((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == 'x' || c == 'X' || c == 'o' ||
               c == 'O' || c == '_' || c == ':' || c == '+' || c == '-'))
      return false;
  }
  return digit || dot;
}

// -?(0|[1-9][0-9]*): the same integer under 1.1 and 1.2.
bool canonical_int_text(std::string_view t) {
  std::string_view d = (!t.empty() && t[0] == '-') ? t.substr(1) : t;
  if (d.empty() || (d[0] == '0' && d.size() > 1)) return false;
  for (char c : d)
    if (!is_digit(c)) return false;
  return true;
}

// -?(0|[1-9][0-9]*)\.[0-9]+([eE][-+][0-9]+)?: the same float under 1.1 (which needs the dot and
// the exponent's sign) and 1.2.
bool canonical_float_text(std::string_view t) {
  std::size_t i = 0;
  if (i < t.size() && t[i] == '-') ++i;
  std::size_t start = i;
  while (i < t.size() && is_digit(t[i])) ++i;
  if (i == start || (t[start] == '0' && i - start > 1)) return false;
  if (i >= t.size() || t[i] != '.') return false;
  std::size_t frac = ++i;
  while (i < t.size() && is_digit(t[i])) ++i;
  if (i == frac) return false;
  if (i == t.size()) return true;
  if (t[i] != 'e' && t[i] != 'E') return false;
  ++i;
  if (i >= t.size() || (t[i] != '-' && t[i] != '+')) return false;
  std::size_t exp = ++i;
  while (i < t.size() && is_digit(t[i])) ++i;
  return i > exp && i == t.size();
}

std::string float_text(double f) {
  if (std::isnan(f)) return ".nan";
  if (std::isinf(f)) return f < 0 ? "-.inf" : ".inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, f);  // shortest text that reads back exactly
  std::string s(buf, ec == std::errc() ? end : buf);
  // Both schemas need a dot (1.1 also a signed exponent, which to_chars writes): 1e+20 -> 1.0e+20.
  std::size_t e = s.find_first_of("eE");
  std::string mantissa = s.substr(0, e);
  if (mantissa.find('.') == std::string::npos) s.insert(e == std::string::npos ? s.size() : e, ".0");
  return s;
}

struct ScalarOut {
  std::string text;
  bool plain_implicit = true;
  yaml_scalar_style_t style = YAML_ANY_SCALAR_STYLE;
};

ScalarOut scalar_out(const Node& n) {
  ScalarOut out;
  switch (n.kind) {
    case Kind::Null: out.text = "null"; return out;
    case Kind::Bool:
      out.text = (n.text == "true" || n.text == "false") ? n.text : (n.num.b ? "true" : "false");
      return out;
    case Kind::Int: out.text = canonical_int_text(n.text) ? n.text : std::to_string(n.num.i); return out;
    case Kind::Float: out.text = canonical_float_text(n.text) ? n.text : float_text(n.num.f); return out;
    case Kind::String: break;
    case Kind::Seq:
    case Kind::Map: return out;  // not a scalar
  }
  // Most text is ASCII (job scripts, JSON, names): then it is UTF-8 and its only other break can
  // be CR, so the per-character decoding below is skipped (it was a tenth of emitting a large
  // rewritten blueprint).
  const bool ascii = is_ascii(n.text);
  out.text = ascii ? n.text : as_utf8(n.text);
  const std::string& t = out.text;
  if (ascii ? t.find('\r') != std::string::npos : has_other_break(t)) {
    out.plain_implicit = false;
    out.style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
  } else if (t.find('\n') != std::string::npos) {
    // libyaml turns this into double-quoted when a block cannot hold the text exactly (trailing
    // spaces on a line, tabs and other control characters) or when it is a key.
    out.plain_implicit = false;
    out.style = YAML_LITERAL_SCALAR_STYLE;
  } else if (special_in_yaml12(t) || special_in_yaml11(t)) {
    out.plain_implicit = false;
    out.style = YAML_SINGLE_QUOTED_SCALAR_STYLE;  // libyaml upgrades to double quotes if needed
  }
  // Otherwise plain unless libyaml sees indicators, leading/trailing spaces and the like.
  return out;
}

// ---- libyaml emitter -----------------------------------------------------------------------

int append_output(void* data, unsigned char* buffer, size_t size) {
  static_cast<std::string*>(data)->append(reinterpret_cast<const char*>(buffer), size);
  return 1;
}

class Emitter {
 public:
  Emitter(const EmitOptions& options, std::string& out) {
    if (!yaml_emitter_initialize(&e_)) throw std::bad_alloc();
    yaml_emitter_set_output(&e_, append_output, &out);
    yaml_emitter_set_encoding(&e_, YAML_UTF8_ENCODING);
    yaml_emitter_set_unicode(&e_, 1);
    yaml_emitter_set_break(&e_, YAML_LN_BREAK);
    yaml_emitter_set_indent(&e_, options.indent);
    yaml_emitter_set_width(&e_, options.width > 0 ? options.width : -1);
  }
  ~Emitter() { yaml_emitter_delete(&e_); }
  Emitter(const Emitter&) = delete;
  Emitter& operator=(const Emitter&) = delete;

  // `made` is what the event initialiser returned; libyaml owns the event once emitted.
  void emit(int made, yaml_event_t& ev) {
    if (!made) throw std::bad_alloc();
    if (yaml_emitter_emit(&e_, &ev)) return;
    if (e_.error == YAML_MEMORY_ERROR) throw std::bad_alloc();
    throw std::logic_error(std::string("YAML emitter: ") + (e_.problem ? e_.problem : "failed"));
  }

 private:
  yaml_emitter_t e_{};
};

yaml_char_t* bytes(std::string& s) { return reinterpret_cast<yaml_char_t*>(s.data()); }

// Roughly the size of the emitted text: the scalars' bytes plus indentation, keys' colons and
// line breaks. Reserving it up front saves the string's repeated doubling (a copy and fresh pages
// each time) on a rewritten blueprint of several MB.
std::size_t size_hint(const Node* root) {
  std::size_t bytes = 0;
  std::vector<const Node*> todo{root};
  while (!todo.empty()) {
    const Node* n = todo.back();
    todo.pop_back();
    if (!n) continue;
    bytes += n->text.size() + 8;
    for (const Node* c : n->children) todo.push_back(c);
  }
  return bytes + bytes / 8;
}

}  // namespace

std::string emit_yaml(const Node* root, const EmitOptions& options) {
  std::string out;
  out.reserve(size_hint(root));
  Emitter em(options, out);
  yaml_event_t ev;
  em.emit(yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING), ev);
  em.emit(yaml_document_start_event_initialize(&ev, nullptr, nullptr, nullptr, 1), ev);

  const yaml_sequence_style_t seq_style = options.block_style ? YAML_BLOCK_SEQUENCE_STYLE : YAML_FLOW_SEQUENCE_STYLE;
  const yaml_mapping_style_t map_style = options.block_style ? YAML_BLOCK_MAPPING_STYLE : YAML_FLOW_MAPPING_STYLE;
  Node null_root;  // what a null `root` stands for

  // An explicit stack: trees built in code have no depth limit.
  struct Frame {
    const Node* node;
    std::size_t next;
  };
  std::vector<Frame> stack;
  auto open = [&](const Node* n) {
    if (n->is_map()) {
      em.emit(yaml_mapping_start_event_initialize(&ev, nullptr, nullptr, 1, map_style), ev);
      stack.push_back({n, 0});
    } else if (n->is_seq()) {
      em.emit(yaml_sequence_start_event_initialize(&ev, nullptr, nullptr, 1, seq_style), ev);
      stack.push_back({n, 0});
    } else {
      ScalarOut s = scalar_out(*n);
      if (s.text.size() > static_cast<std::size_t>(INT_MAX)) throw std::length_error("YAML scalar too long to emit");
      em.emit(yaml_scalar_event_initialize(&ev, nullptr, nullptr, bytes(s.text), static_cast<int>(s.text.size()),
                                           s.plain_implicit, 1, s.style),
              ev);
    }
  };
  open(root ? root : &null_root);
  while (!stack.empty()) {
    Frame& top = stack.back();
    if (top.next < top.node->children.size()) {
      const Node* child = top.node->children[top.next++];  // `top` may dangle after open()
      open(child ? child : &null_root);
      continue;
    }
    bool map = top.node->is_map();
    stack.pop_back();
    em.emit(map ? yaml_mapping_end_event_initialize(&ev) : yaml_sequence_end_event_initialize(&ev), ev);
  }

  em.emit(yaml_document_end_event_initialize(&ev, 1), ev);
  em.emit(yaml_stream_end_event_initialize(&ev), ev);
  return out;
}

// ---- builders ------------------------------------------------------------------------------

Node* make_string(Arena& a, std::string text) {
  Node* n = a.make(Kind::String, Mark{});
  n->text = std::move(text);
  return n;
}

Node* make_int(Arena& a, std::int64_t v) {
  Node* n = a.make(Kind::Int, Mark{});
  n->plain = true;
  n->text = std::to_string(v);
  n->num.i = v;
  return n;
}

Node* make_bool(Arena& a, bool v) {
  Node* n = a.make(Kind::Bool, Mark{});
  n->plain = true;
  n->text = v ? "true" : "false";
  n->num.b = v;
  return n;
}

Node* make_map(Arena& a) { return a.make(Kind::Map, Mark{}); }
Node* make_seq(Arena& a) { return a.make(Kind::Seq, Mark{}); }

namespace {

void reweigh(Node* n) {
  std::uint64_t w = 1;
  for (const Node* c : n->children)
    if (c) w += c->weight;
  n->weight = w;
}

bool key_matches(const Node* k, std::string_view key) { return k && k->is_scalar() && k->text == key; }

}  // namespace

void map_set(Node* map, Arena& a, std::string_view key, Node* value) {
  if (!map || !map->is_map()) return;
  if (!value) value = a.make(Kind::Null, Mark{});
  auto& c = map->children;
  bool replaced = false;
  for (std::size_t i = 0; i + 1 < c.size(); i += 2)
    if (key_matches(c[i], key)) {
      c[i + 1] = value;
      replaced = true;
      break;
    }
  if (!replaced) {
    c.push_back(make_string(a, std::string(key)));
    c.push_back(value);
  }
  reweigh(map);
}

bool map_erase(Node* map, std::string_view key) {
  if (!map || !map->is_map()) return false;
  auto& c = map->children;
  std::size_t out = 0;
  for (std::size_t i = 0; i + 1 < c.size(); i += 2) {
    if (key_matches(c[i], key)) continue;
    c[out++] = c[i];
    c[out++] = c[i + 1];
  }
  if (out == c.size()) return false;
  c.resize(out);
  reweigh(map);
  return true;
}

Node* deep_copy(Arena& a, const Node* n) {
  if (!n) return nullptr;
  auto shallow = [&](const Node* src) {
    Node* d = a.make(src->kind, src->mark);
    d->plain = src->plain;
    d->text = src->text;
    d->num = src->num;
    d->weight = src->weight;
    d->children.reserve(src->children.size());
    return d;
  };
  Node* root = shallow(n);
  std::vector<std::pair<const Node*, Node*>> todo{{n, root}};
  while (!todo.empty()) {
    auto [src, dst] = todo.back();
    todo.pop_back();
    for (const Node* c : src->children) {
      Node* cc = c ? shallow(c) : nullptr;
      dst->children.push_back(cc);
      if (c && !c->children.empty()) todo.emplace_back(c, cc);
    }
  }
  return root;
}

Node* map_get(Node* map, std::string_view key) {
  if (!map || !map->is_map()) return nullptr;
  for (std::size_t i = 0; i + 1 < map->children.size(); i += 2)
    if (map->children[i]->is_scalar() && map->children[i]->text == key) return map->children[i + 1];
  return nullptr;
}

MapIndex::MapIndex(Node* map) : map_(map) {
  if (!map || !map->is_map()) return;
  at_.reserve(map->children.size() / 2);
  for (std::size_t i = 0; i + 1 < map->children.size(); i += 2)
    if (map->children[i]->is_scalar()) at_.emplace(map->children[i]->text, i);  // keeps the first
}

Node* MapIndex::get(std::string_view key) const {
  if (auto it = at_.find(key); it != at_.end() && it->second + 1 < map_->children.size())
    return map_->children[it->second + 1];
  return map_get(map_, key);
}

Node* map_ensure_map(Node* parent, Arena& a, std::string_view key) {
  Node* m = map_get(parent, key);
  if (m && m->is_map()) return m;
  m = make_map(a);
  map_set(parent, a, key, m);
  return m;
}

}  // namespace modak::yaml
