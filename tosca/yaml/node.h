// The document tree modak works on: built from parser events, every node keeps where it came from.
// Nodes live in a Document's arena and are never freed one by one; aliases share nodes, so the
// tree is a DAG whose expanded size the loader bounds.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace modak::yaml {

enum class Kind : std::uint8_t { Null, Bool, Int, Float, String, Seq, Map };

std::string_view kind_name(Kind k);

// Where a node starts: a source index (see SourceTable) and a 1-based line and column.
struct Mark {
  std::uint32_t source = 0;
  std::uint32_t line = 0;
  std::uint32_t column = 0;
};

struct Node {
  Kind kind = Kind::Null;
  bool plain = false;  // an unquoted scalar (the core schema only resolves these)
  bool block = false;  // a literal (|) or folded (>) block scalar
  Mark mark;
  std::string text;               // scalars: the text as written (after YAML unescaping)
  union {
    bool b;
    std::int64_t i;
    double f;
  } num{};
  std::vector<Node*> children;    // Seq: items; Map: key0, value0, key1, value1, ...
  std::uint64_t weight = 1;       // nodes in the expanded subtree (aliases counted again)

  bool is_scalar() const { return kind != Kind::Seq && kind != Kind::Map; }
  bool is_map() const { return kind == Kind::Map; }
  bool is_seq() const { return kind == Kind::Seq; }
  bool is_null() const { return kind == Kind::Null; }
  bool is_string() const { return kind == Kind::String; }

  std::size_t size() const { return kind == Kind::Map ? children.size() / 2 : children.size(); }
  // Map access. Keys are compared by their text, which is what TOSCA keynames are.
  const Node* key_at(std::size_t i) const { return children[2 * i]; }
  const Node* value_at(std::size_t i) const { return children[2 * i + 1]; }
  const Node* get(std::string_view key) const;
  const Node* item(std::size_t i) const { return children[i]; }
};

// Iterates a map's (key, value) pairs: for (auto [k, v] : map_entries(node)).
class MapRange {
 public:
  explicit MapRange(const Node* n) : n_(n) {}
  struct Iter {
    const Node* n;
    std::size_t i;
    std::pair<const Node*, const Node*> operator*() const { return {n->children[i], n->children[i + 1]}; }
    Iter& operator++() {
      i += 2;
      return *this;
    }
    bool operator!=(const Iter& o) const { return i != o.i; }
  };
  Iter begin() const { return {n_, 0}; }
  Iter end() const { return {n_, (n_ && n_->is_map()) ? n_->children.size() : 0}; }

 private:
  const Node* n_;
};
inline MapRange map_entries(const Node* n) { return MapRange(n); }

// Owns the nodes of one or more loaded documents.
class Arena {
 public:
  Node* make(Kind k, Mark m) {
    nodes_.emplace_back();
    Node* n = &nodes_.back();
    n->kind = k;
    n->mark = m;
    return n;
  }
  std::size_t size() const { return nodes_.size(); }

 private:
  std::deque<Node> nodes_;
};

// The names of every loaded source, so a Mark can be turned into "file:line:col".
class SourceTable {
 public:
  // Text embedded in another file (a JSON request inside a YAML string) is registered with the
  // position of its first character there, so its marks print as positions in that file.
  struct Embedding {
    std::uint32_t line_offset = 0;        // added to every line
    std::uint32_t first_line_column = 0;  // added to columns on the first line
    std::uint32_t column = 0;             // added to columns on later lines
  };
  std::uint32_t add(std::string display_name) { return add(std::move(display_name), Embedding{0, 0, 0}); }
  std::uint32_t add(std::string display_name, Embedding embedding) {
    names_.push_back(std::move(display_name));
    embeddings_.push_back(embedding);
    return static_cast<std::uint32_t>(names_.size() - 1);
  }
  const std::string& name(std::uint32_t id) const { return names_.at(id); }
  const Embedding& embedding(std::uint32_t id) const { return embeddings_.at(id); }
  std::size_t size() const { return names_.size(); }

 private:
  std::deque<std::string> names_;
  std::deque<Embedding> embeddings_;
};

}  // namespace modak::yaml
