#include "tosca/yaml/loader.h"

#include <yaml.h>

#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "tosca/yaml/scalar.h"

namespace modak::yaml {

diag::Location location_of(const SourceTable& sources, const Mark& m) {
  if (m.source >= sources.size()) return diag::Location{std::string(), m.line, m.column};
  const auto& e = sources.embedding(m.source);
  std::uint32_t column = m.column == 0 ? 0 : m.column + (m.line <= 1 ? e.first_line_column : e.column);
  return diag::Location{sources.name(m.source), m.line == 0 ? 0 : m.line + e.line_offset, column};
}

namespace {

using diag::Code;

struct ParserDeleter {
  void operator()(yaml_parser_t* p) const {
    yaml_parser_delete(p);
    delete p;
  }
};
struct EventGuard {
  yaml_event_t ev{};
  ~EventGuard() { yaml_event_delete(&ev); }
};

// Builds the tree from events with an explicit stack, so deep nesting cannot overflow the C stack.
class TreeBuilder {
 public:
  TreeBuilder(std::uint32_t source, const SourceTable& sources, Arena& arena, diag::Sink& sink,
              const LoadLimits& limits)
      : source_(source), sources_(sources), arena_(arena), sink_(sink), limits_(limits) {}

  Node* run(std::string_view content);

 private:
  Mark mark(const yaml_mark_t& m) const {
    return Mark{source_, static_cast<std::uint32_t>(m.line + 1), static_cast<std::uint32_t>(m.column + 1)};
  }
  void fail(Code code, const Mark& m, std::string msg) {
    if (!failed_) sink_.error(code, location_of(sources_, m), std::move(msg));
    failed_ = true;
  }
  bool handle(const yaml_event_t& ev);
  bool open_collection(Kind kind, const yaml_event_t& ev, const yaml_char_t* anchor, const yaml_char_t* tag);
  bool close_collection();
  bool add_scalar(const yaml_event_t& ev);
  bool add_alias(const yaml_event_t& ev);
  bool attach(Node* n);
  bool check_map_keys(Node* map);
  void apply_merge_keys(Node* map);
  void remember_anchor(const yaml_char_t* anchor, Node* n);

  std::uint32_t source_;
  const SourceTable& sources_;
  Arena& arena_;
  diag::Sink& sink_;
  const LoadLimits& limits_;
  std::vector<Node*> stack_;
  std::unordered_map<std::string, Node*> anchors_;
  std::unordered_set<const Node*> open_;  // collections still being built (a recursive alias points here)
  Node* root_ = nullptr;
  int documents_ = 0;
  bool failed_ = false;
};

std::string reader_problem(const yaml_parser_t& p) {
  std::string msg = p.problem ? p.problem : "malformed YAML";
  if (p.context) msg = std::string(p.context) + ": " + msg;
  return msg;
}

Node* TreeBuilder::run(std::string_view content) {
  std::unique_ptr<yaml_parser_t, ParserDeleter> parser(new yaml_parser_t);
  if (!yaml_parser_initialize(parser.get())) {
    fail(Code::Internal, Mark{source_, 0, 0}, "cannot initialise the YAML parser");
    return nullptr;
  }
  yaml_parser_set_input_string(parser.get(), reinterpret_cast<const unsigned char*>(content.data()),
                               content.size());
  while (!failed_) {
    EventGuard g;
    if (!yaml_parser_parse(parser.get(), &g.ev)) {
      const yaml_parser_t& p = *parser;
      bool encoding = p.error == YAML_READER_ERROR;
      Mark m = mark(encoding ? p.problem_mark : p.problem_mark);
      if (encoding) {
        // The reader reports a byte offset; count lines up to it for a useful location.
        std::size_t off = std::min<std::size_t>(p.problem_offset, content.size());
        std::uint32_t line = 1, col = 1;
        for (std::size_t i = 0; i < off; ++i) {
          if (content[i] == '\n') ++line, col = 1;
          else if ((static_cast<unsigned char>(content[i]) & 0xC0) != 0x80) ++col;
        }
        m = Mark{source_, line, col};
      }
      fail(encoding ? Code::YamlEncoding : Code::YamlSyntax, m, reader_problem(p));
      return nullptr;
    }
    if (g.ev.type == YAML_STREAM_END_EVENT) break;
    if (!handle(g.ev)) return nullptr;
  }
  if (failed_) return nullptr;
  if (!root_) root_ = arena_.make(Kind::Null, Mark{source_, 1, 1});
  return root_;
}

bool TreeBuilder::handle(const yaml_event_t& ev) {
  switch (ev.type) {
    case YAML_DOCUMENT_START_EVENT:
      if (++documents_ > 1) {
        fail(Code::YamlSyntax, mark(ev.start_mark),
             "more than one YAML document in a TOSCA file (only the first is a service template)");
        return false;
      }
      return true;
    case YAML_SCALAR_EVENT: return add_scalar(ev);
    case YAML_ALIAS_EVENT: return add_alias(ev);
    case YAML_SEQUENCE_START_EVENT:
      return open_collection(Kind::Seq, ev, ev.data.sequence_start.anchor, ev.data.sequence_start.tag);
    case YAML_MAPPING_START_EVENT:
      return open_collection(Kind::Map, ev, ev.data.mapping_start.anchor, ev.data.mapping_start.tag);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT: return close_collection();
    default: return true;
  }
}

void TreeBuilder::remember_anchor(const yaml_char_t* anchor, Node* n) {
  if (anchor) anchors_[reinterpret_cast<const char*>(anchor)] = n;
}

bool TreeBuilder::attach(Node* n) {
  if (stack_.empty()) {
    root_ = n;
    return true;
  }
  Node* parent = stack_.back();
  parent->children.push_back(n);
  return true;
}

bool TreeBuilder::open_collection(Kind kind, const yaml_event_t& ev, const yaml_char_t* anchor,
                                  const yaml_char_t* tag) {
  Node* n = arena_.make(kind, mark(ev.start_mark));
  if (tag) {
    std::string_view t = reinterpret_cast<const char*>(tag);
    std::string_view expected = kind == Kind::Map ? "tag:yaml.org,2002:map" : "tag:yaml.org,2002:seq";
    if (t != expected && t != "!") {
      fail(Code::YamlTag, n->mark, "unsupported tag '" + std::string(t) + "' on a " + std::string(kind_name(kind)));
      return false;
    }
  }
  if (stack_.size() >= limits_.max_depth) {
    fail(Code::Limit, n->mark,
         "nesting deeper than " + std::to_string(limits_.max_depth) + " levels (limit max_depth; raise it with --max-depth)");
    return false;
  }
  remember_anchor(anchor, n);
  attach(n);
  stack_.push_back(n);
  open_.insert(n);
  return true;
}

bool TreeBuilder::close_collection() {
  Node* n = stack_.back();
  stack_.pop_back();
  open_.erase(n);
  if (n->is_map()) {
    apply_merge_keys(n);
    if (!check_map_keys(n)) return false;
  }
  std::uint64_t w = 1;
  for (const Node* c : n->children) w += c->weight;
  n->weight = w;
  if (w > limits_.max_expanded_nodes) {
    fail(Code::Limit, n->mark,
         "document expands to more than " + std::to_string(limits_.max_expanded_nodes) +
             " nodes through aliases (limit max_expanded_nodes; raise it with --max-expanded-nodes)");
    return false;
  }
  return true;
}

bool TreeBuilder::add_scalar(const yaml_event_t& ev) {
  const auto& s = ev.data.scalar;
  Node* n = arena_.make(Kind::String, mark(ev.start_mark));
  if (s.length > limits_.max_scalar_bytes) {
    fail(Code::Limit, n->mark,
         "scalar of " + std::to_string(s.length) + " bytes exceeds the limit of " +
             std::to_string(limits_.max_scalar_bytes) + " bytes (limit max_scalar_bytes; raise it with --max-scalar-bytes)");
    return false;
  }
  n->text.assign(reinterpret_cast<const char*>(s.value), s.length);
  n->plain = s.style == YAML_PLAIN_SCALAR_STYLE;
  n->block = s.style == YAML_LITERAL_SCALAR_STYLE || s.style == YAML_FOLDED_SCALAR_STYLE;
  bool tagged = s.tag && !(n->plain && s.plain_implicit);
  if (tagged) {
    std::string_view tag = reinterpret_cast<const char*>(s.tag);
    if (!apply_tag(*n, tag)) {
      fail(Code::YamlTag, n->mark, "tag '" + std::string(tag) + "' does not fit the value '" + n->text + "'");
      return false;
    }
  } else if (n->plain) {
    resolve_plain_scalar(*n);
  }
  remember_anchor(s.anchor, n);
  return attach(n);
}

bool TreeBuilder::add_alias(const yaml_event_t& ev) {
  std::string name = reinterpret_cast<const char*>(ev.data.alias.anchor);
  auto it = anchors_.find(name);
  Mark m = mark(ev.start_mark);
  if (it == anchors_.end()) {
    fail(Code::YamlSyntax, m, "alias *" + name + " refers to an undefined anchor");
    return false;
  }
  if (open_.count(it->second)) {
    fail(Code::YamlSyntax, m, "alias *" + name + " refers to a collection that contains it (recursive alias)");
    return false;
  }
  return attach(it->second);
}

// `<<: *base` (YAML 1.1 merge keys, used by TOSCA files written for PyYAML-based tools): copy
// the merged maps' entries that the map does not set itself.
void TreeBuilder::apply_merge_keys(Node* map) {
  bool has_merge = false;
  for (std::size_t i = 0; i < map->children.size(); i += 2)
    if (map->children[i]->plain && map->children[i]->text == "<<") has_merge = true;
  if (!has_merge) return;
  std::vector<Node*> own, merged;
  for (std::size_t i = 0; i < map->children.size(); i += 2) {
    Node* k = map->children[i];
    Node* v = map->children[i + 1];
    if (!(k->plain && k->text == "<<")) {
      own.push_back(k);
      own.push_back(v);
      continue;
    }
    std::vector<Node*> sources;
    if (v->is_map()) sources.push_back(v);
    else if (v->is_seq())
      for (Node* s : v->children)
        if (s->is_map()) sources.push_back(s);
    for (Node* src : sources)
      for (std::size_t j = 0; j < src->children.size(); j += 2) merged.push_back(src->children[j]), merged.push_back(src->children[j + 1]);
  }
  std::unordered_set<std::string_view> seen;
  for (std::size_t i = 0; i < own.size(); i += 2) seen.insert(own[i]->text);
  for (std::size_t i = 0; i < merged.size(); i += 2)
    if (seen.insert(merged[i]->text).second) own.push_back(merged[i]), own.push_back(merged[i + 1]);
  map->children = std::move(own);
}

bool TreeBuilder::check_map_keys(Node* map) {
  const auto& c = map->children;
  auto report = [&](const Node* key, const Node* first) {
    auto& d = sink_.error(Code::YamlDuplicateKey, location_of(sources_, key->mark),
                          "duplicate key '" + key->text + "' in this mapping");
    d.notes.push_back(diag::Diagnostic{diag::Severity::Note, Code::YamlDuplicateKey,
                                       location_of(sources_, first->mark), "first defined here", {}});
  };
  // Duplicates are reported but loading goes on: every duplicate in a file is listed at once.
  if (c.size() <= 32) {
    for (std::size_t i = 2; i < c.size(); i += 2)
      for (std::size_t j = 0; j < i; j += 2)
        if (c[i]->is_scalar() && c[j]->is_scalar() && c[i]->text == c[j]->text && c[i]->kind == c[j]->kind) {
          report(c[i], c[j]);
          break;
        }
    return true;
  }
  std::unordered_map<std::string_view, const Node*> seen;
  seen.reserve(c.size());
  for (std::size_t i = 0; i < c.size(); i += 2) {
    if (!c[i]->is_scalar()) continue;  // complex keys: compared by nobody, allowed by YAML
    auto [it, fresh] = seen.emplace(c[i]->text, c[i]);
    if (!fresh) report(c[i], it->second);
  }
  return true;
}

}  // namespace

Node* load_yaml(std::string_view content, std::uint32_t source_id, const SourceTable& sources, Arena& arena,
                diag::Sink& sink, const LoadLimits& limits) {
  TreeBuilder b(source_id, sources, arena, sink, limits);
  return b.run(content);
}

}  // namespace modak::yaml
