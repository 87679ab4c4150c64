// Writes a document tree back out as YAML (libyaml's emitter), and builds trees in code.
// The output is read by PyYAML-based orchestrators (YAML 1.1), by modak itself (YAML 1.2 core
// schema) and by people, so every scalar is written in a form that means the same under both:
// a String node is quoted whenever either schema would read its plain form as something else
// (`yes`, `on`, `1:00:00`, `1_000`, `2001-12-14`, `1e3`, `null`, ...), numbers and booleans use
// their canonical spelling (`0x1F` -> `31`, `True` -> `true`, `~` -> `null`), and multi-line
// strings are literal blocks (`|`, `|-`, `|+`) that read back byte for byte, or double-quoted
// when a block cannot hold them exactly (tabs, trailing spaces, control characters, CR).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "tosca/yaml/node.h"

namespace modak::yaml {

struct EmitOptions {
  int indent = 2;           // 2..9 (libyaml's range; anything else means 2)
  int width = 100;          // preferred line width (libyaml takes <= 2*indent as 80); <= 0: never fold
  bool block_style = true;  // false: maps and lists in flow style ({a: 1}, [x, y])
};

// Serialises `root` as one YAML 1.2 document (no `---`, no tags, no anchors; a null `root` is a
// null document). Deterministic: same tree, same bytes. Map keys keep their order; nodes shared
// through aliases are written out at every place they occur. Keys are written like values.
// Strings are expected to be UTF-8 (the loader guarantees it); in a string built in code, bytes
// that are not UTF-8 are written as U+FFFD. Never fails on a tree; throws std::bad_alloc when
// out of memory, std::length_error for a scalar over 2 GiB (libyaml's int lengths) and
// std::logic_error if libyaml rejects the event stream (a bug here).
std::string emit_yaml(const Node* root, const EmitOptions& options = {});

// Builders for trees made in code (the optimiser adds nodes to documents). New nodes have a
// zero Mark (line 0: "not from a file").
Node* make_string(Arena& a, std::string text);  // a String node (quoted when emitted if needed)
Node* make_int(Arena& a, std::int64_t v);
Node* make_bool(Arena& a, bool v);
Node* make_map(Arena& a);
Node* make_seq(Arena& a);

// Replaces the value of the first entry whose scalar key has this text (the entry `Node::get`
// finds; the key node is kept), or appends `key` as a String key with `value`. A null `value`
// means a Null node. Does nothing when `map` is not a map. Updates `map->weight`, not the
// weights of its ancestors.
void map_set(Node* map, Arena& a, std::string_view key, Node* value);

// Removes every entry whose scalar key has this text; true when one was removed.
bool map_erase(Node* map, std::string_view key);
// The value of `key` in a map built or copied for editing (nullptr when absent or not a map).
Node* map_get(Node* map, std::string_view key);
// The map under `key`, created (or replacing a non-map value) when needed.
Node* map_ensure_map(Node* parent, Arena& a, std::string_view key);

// map_get for many lookups in one large map (a blueprint's node_templates, where the optimiser
// and the renderer look up every application and job): map_get scans, so doing it for each of
// N templates was quadratic. Indexes the map's scalar keys once (the first entry of a key, as
// map_get); a lookup returns the value now stored there, so values replaced by map_set are seen.
// Keys appended after the index was built, and keys not in the map, are looked up by a scan.
// Entries must not be removed, nor key nodes changed, while the index is in use.
class MapIndex {
 public:
  explicit MapIndex(Node* map);
  Node* get(std::string_view key) const;

 private:
  Node* map_;
  std::unordered_map<std::string_view, std::size_t> at_;  // key text -> position of the key
};

// Copies `n` and everything under it into `a`. Nodes shared through aliases are copied once per
// place, so the copy is a tree: editing any part of it changes nothing else (its size is
// `n->weight` nodes). Marks, texts and values are kept. nullptr gives nullptr.
Node* deep_copy(Arena& a, const Node* n);

}  // namespace modak::yaml
