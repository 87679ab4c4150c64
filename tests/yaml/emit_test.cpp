#include "tosca/yaml/emit.h"

#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tosca/yaml/loader.h"

using namespace modak;

namespace {

namespace fs = std::filesystem;
using yaml::Kind;
using yaml::Node;

struct Loaded {
  yaml::SourceTable sources;
  yaml::Arena arena;
  diag::Sink sink;
  yaml::Node* root = nullptr;
  explicit Loaded(std::string_view text) {
    auto id = sources.add("emitted.yaml");
    root = yaml::load_yaml(text, id, sources, arena, sink);
  }
  std::string problems() const {
    std::string s;
    for (const auto& d : sink.all()) s += d.message + "\n";
    return s;
  }
};

// Same kinds, same texts (nulls may be spelt differently), same order, all the way down.
bool same_tree(const Node* a, const Node* b, std::string& where, const std::string& path = "") {
  if (a->kind != b->kind) {
    where = path + ": kind " + std::string(yaml::kind_name(a->kind)) + " vs " + std::string(yaml::kind_name(b->kind));
    return false;
  }
  if (a->is_scalar()) {
    if (a->kind != Kind::Null && a->text != b->text) {
      where = path + ": text '" + a->text + "' vs '" + b->text + "'";
      return false;
    }
    return true;
  }
  if (a->children.size() != b->children.size()) {
    where = path + ": " + std::to_string(a->children.size()) + " vs " + std::to_string(b->children.size()) +
            " children";
    return false;
  }
  for (std::size_t i = 0; i < a->children.size(); ++i) {
    std::string step = a->is_map() && i % 2 == 1 ? "/" + a->children[i - 1]->text : "[" + std::to_string(i) + "]";
    if (!same_tree(a->children[i], b->children[i], where, path + step)) return false;
  }
  return true;
}

// Strings that a plain scalar would turn into something else under YAML 1.2 or 1.1, or that need
// quoting for syntax. Each must come back as exactly this string.
const std::vector<std::string>& tricky_strings() {
  static const std::vector<std::string> v = {
      "yes", "no", "on", "off", "y", "n", "Y", "N", "Yes", "NO", "On", "OFF", "true", "True", "FALSE", "null",
      "Null", "NULL", "~", "", "1:00:00", "00:30:00", "190:20:30.15", "2.1", "1e3", "1.5e+3", ".5", "1.", "1.2.3",
      ".", "0x10", "0X10", "017", "0o17", "0b101", "1_000", "+12", "-3", "0", ".inf", "-.Inf", ".NaN", ".nan",
      "2001-12-14", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5", "=", "<<", " leading space",
      "trailing space ", "a: b", "a #b", "x:", "#x", "- x", "-", "?", ":", "?x", ":x", "-x", "---", "...", "[x]",
      "{x}", ",x", "*x", "&x", "!x", "|", ">", "%x", "@x", "`x", "'q'", "\"q\"", "it's", "say \"hi\"",
      "back\\slash", "tab\there", "nul\x01" "ctl", std::string("zero\0byte", 9), "del\x7f", "cr\rhere",
      "nel\xC2\x85here", "ls\xE2\x80\xA8here", "nbsp\xC2\xA0here", "bom\xEF\xBB\xBFhere", "emoji \xF0\x9F\x98\x80",
      "caf\xC3\xA9", "a\nb"};
  return v;
}

// Strings that stay plain (a string under both schemas, no indicators).
const std::vector<std::string>& plain_strings() {
  static const std::vector<std::string> v = {
      "tosca.nodes.Compute", "hello world", "2 GB", "10.0.0.0/8", "deadbeef", "yesterday", "only", "a-b_c", "-x",
      "?x", ":x", "ünïcödé", "http://example.com/a?b=c#d", "get_input", "v1.2",
      "e5", "1 h", "x=1", "a:b", "50%", "nbsp\xC2\xA0here", "_1"};
  return v;
}

// Multi-line texts as job scripts hold them.
const std::vector<std::string>& scripts() {
  static const std::vector<std::string> v = {
      "#!/bin/bash\n#SBATCH --job-name=train\n#SBATCH --time=01:00:00\n#SBATCH -N 2\n\nmodule load cuda/11\n"
      "export OUT=$(pwd)/out\necho \"start: `date`\" 'single' # comment\nsrun ./app --x=1: y\n",
      "#!/bin/bash\necho no trailing newline",
      "two trailing newlines\n\n",
      "three\n\n\n",
      "\nleading newline\n",
      "  indented first line\nsecond\n",
      "line with trailing space \nnext\n",
      "tabs\there\n\tindented by tab\n",
      "crlf\r\nline\r\n",
      "keys: look\n- like yaml\n[x]\n{y}\n&a *b !c %d @e `f`\n",
      "unicode \xC3\xBC\xE2\x82\xAC\nend\n",
      "blank lines\n\n\nin the middle\n",
      "  \n",
      "\n",
      "x\n",
      "cat <<EOF > job.sh\n  for i in $(seq 1 10); do\n    echo \"$i\" \\\n      >> log\n  done\nEOF\n"};
  return v;
}

constexpr const char* kToscaDocument = R"(tosca_definitions_version: tosca_simple_yaml_1_3
description: >
  A folded description
  over two lines.
metadata:
  template_version: '1.0'
  template_author: "modak"
imports:
  - modules/openstack/openstack_vm.yaml
  - file: other.yaml
    namespace_prefix: other
node_types:
  hpc.nodes.Job:
    derived_from: tosca.nodes.Root
    properties:
      nodes: { type: integer, default: 1, constraints: [ { greater_or_equal: 1 } ] }
      ratio: { type: float, default: 3.5, required: false }
      mode: { type: string, default: 'yes', constraints: [ { valid_values: [ 'yes', 'no', 'on' ] } ] }
      walltime: { type: string, default: '00:30:00' }
      empty_list: { type: list, default: [] }
      empty_map: { type: map, default: {} }
topology_template:
  inputs:
    ncpus: { type: integer, default: 42 }
    negative: { type: integer, default: -7 }
    enabled: { type: boolean, default: true }
    disabled: { type: boolean, default: false }
    nothing: { type: string, default: null }
  node_templates:
    job: &job
      type: hpc.nodes.Job
      properties:
        nodes: { get_input: ncpus }
        name: { concat: [ "job-", { get_attribute: [ SELF, id ] } ] }
        script: |
          #!/bin/bash
          #SBATCH --time=01:00:00
          srun ./app "$@" `hostname` $(date)
        '1': quoted key
        "yes": quoted key too
        weird key with spaces: value with ünïcödé
      requirements:
        - host: compute
        - dependency: { node: other, relationship: tosca.relationships.DependsOn }
      interfaces:
        Standard:
          create:
            implementation: playbooks/create.yml
            inputs: { version: "2.1", flag: "on", port: 8080 }
    copy: *job
)";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_SUITE("unit") {
  TEST_CASE("emit: a TOSCA document round-trips load -> emit -> load to an equal tree") {
    Loaded first(kToscaDocument);
    REQUIRE_MESSAGE(first.root, first.problems());
    REQUIRE(first.sink.all().empty());
    std::string out = yaml::emit_yaml(first.root);
    INFO("emitted:\n", out);
    Loaded second(out);
    REQUIRE_MESSAGE(second.root, second.problems());
    CHECK(second.sink.all().empty());
    std::string where;
    CHECK_MESSAGE(same_tree(first.root, second.root, where), where);
    // No tags or anchors: the alias was written out twice.
    CHECK(out.find("!!") == std::string::npos);
    CHECK(out.find("&job") == std::string::npos);
    CHECK(out.find("*job") == std::string::npos);
    CHECK(out.find("---") == std::string::npos);
    CHECK(second.root->get("topology_template")->get("node_templates")->get("copy")->is_map());
    // Readable: ordinary strings stay plain, ambiguous ones are quoted, the script is a literal block.
    CHECK(out.find("tosca_definitions_version: tosca_simple_yaml_1_3\n") == 0);
    CHECK(out.find("derived_from: tosca.nodes.Root\n") != std::string::npos);
    CHECK(out.find("default: 'yes'") != std::string::npos);
    CHECK(out.find("'1': quoted key") != std::string::npos);
    CHECK(out.find("'yes': quoted key too") != std::string::npos);
    CHECK(out.find("default: 42\n") != std::string::npos);
    CHECK(out.find("default: 3.5\n") != std::string::npos);
    CHECK(out.find("default: true\n") != std::string::npos);
    CHECK(out.find("default: null\n") != std::string::npos);
    CHECK(out.find("default: []\n") != std::string::npos);
    CHECK(out.find("default: {}\n") != std::string::npos);
    CHECK(out.find("script: |\n") != std::string::npos);
    CHECK(out.find("weird key with spaces: value with \xC3\xBCn\xC3\xAF") != std::string::npos);
    // A fixpoint: emitting what was read back gives the same bytes.
    CHECK(yaml::emit_yaml(second.root) == out);
  }

  TEST_CASE("emit: output is deterministic") {
    Loaded doc(kToscaDocument);
    REQUIRE(doc.root);
    std::string a = yaml::emit_yaml(doc.root);
    std::string b = yaml::emit_yaml(doc.root);
    CHECK(a == b);
    Loaded again(kToscaDocument);
    CHECK(yaml::emit_yaml(again.root) == a);
    yaml::EmitOptions flow;
    flow.block_style = false;
    CHECK(yaml::emit_yaml(doc.root, flow) == yaml::emit_yaml(again.root, flow));
  }

  TEST_CASE("emit: ambiguous strings come back as the same strings, as values and as keys") {
    yaml::Arena arena;
    Node* root = yaml::make_map(arena);
    Node* values = yaml::make_seq(arena);
    Node* keys = yaml::make_map(arena);
    yaml::map_set(root, arena, "values", values);
    yaml::map_set(root, arena, "keys", keys);
    for (std::size_t i = 0; i < tricky_strings().size(); ++i) {
      values->children.push_back(yaml::make_string(arena, tricky_strings()[i]));
      keys->children.push_back(yaml::make_string(arena, tricky_strings()[i]));
      keys->children.push_back(yaml::make_int(arena, static_cast<std::int64_t>(i)));
    }
    for (bool block : {true, false}) {
      yaml::EmitOptions o;
      o.block_style = block;
      std::string out = yaml::emit_yaml(root, o);
      INFO("emitted:\n", out);
      Loaded back(out);
      REQUIRE_MESSAGE(back.root, back.problems());
      CHECK_MESSAGE(back.sink.all().empty(), back.problems());
      const Node* v = back.root->get("values");
      const Node* k = back.root->get("keys");
      REQUIRE(v);
      REQUIRE(k);
      REQUIRE(v->size() == tricky_strings().size());
      REQUIRE(k->size() == tricky_strings().size());
      for (std::size_t i = 0; i < tricky_strings().size(); ++i) {
        INFO("string #", i, ": '", tricky_strings()[i], "'");
        CHECK(v->item(i)->kind == Kind::String);
        CHECK(v->item(i)->text == tricky_strings()[i]);
        CHECK(k->key_at(i)->kind == Kind::String);
        CHECK(k->key_at(i)->text == tricky_strings()[i]);
        CHECK(k->value_at(i)->num.i == static_cast<std::int64_t>(i));
      }
      CHECK(out.find('\t') == std::string::npos);  // control characters are escaped
      CHECK(out.find('\r') == std::string::npos);
      CHECK(out.find("\x7f") == std::string::npos);
    }
    // How the 1.1 forms look: quoted, not plain.
    std::string out = yaml::emit_yaml(values);
    for (const char* quoted : {"- 'yes'\n", "- 'no'\n", "- 'on'\n", "- 'y'\n", "- '1:00:00'\n", "- '00:30:00'\n",
                               "- '2001-12-14'\n", "- '1_000'\n", "- '017'\n", "- ''\n", "- '~'\n", "- '<<'\n"})
      CHECK_MESSAGE(out.find(quoted) != std::string::npos, quoted, " in\n", out);
  }

  TEST_CASE("emit: ordinary strings stay plain") {
    yaml::Arena arena;
    Node* seq = yaml::make_seq(arena);
    const std::vector<std::string>& plain = plain_strings();
    for (const auto& s : plain) seq->children.push_back(yaml::make_string(arena, s));
    std::string out = yaml::emit_yaml(seq);
    std::string expected;
    for (const auto& s : plain) expected += "- " + s + "\n";
    CHECK(out == expected);
  }

  TEST_CASE("emit: numbers, booleans and nulls are written in a form both YAML 1.1 and 1.2 agree on") {
    Loaded doc(
        "a: 0x1F\nb: True\nc: ~\nd:\ne: 0o17\nf: 1e3\ng: .5\nh: +12\ni: -.inf\nj: .NaN\nk: 1.5e-7\nl: 42\n"
        "m: 3.5\nn: FALSE\no: -0\np: 1.0e+20\nq: 2.\nr: !!int '12'\ns: !!float '7'\nt: 1e300\nu: NULL\nv: -2.50\n");
    REQUIRE_MESSAGE(doc.root, doc.problems());
    std::string out = yaml::emit_yaml(doc.root);
    CHECK(out ==
          "a: 31\nb: true\nc: null\nd: null\ne: 15\nf: 1000.0\ng: 0.5\nh: 12\ni: -.inf\nj: .nan\nk: 1.5e-7\n"
          "l: 42\nm: 3.5\n'n': false\no: -0\np: 1.0e+20\nq: 2.0\nr: 12\ns: 7.0\nt: 1.0e+300\nu: null\nv: -2.50\n");
    Loaded back(out);
    REQUIRE(back.root);
    for (auto [key, v] : yaml::map_entries(doc.root)) {
      const Node* k = key;  // INFO captures by reference: not a structured binding (clang 14)
      INFO("key ", k->text);
      const Node* w = back.root->get(k->text);
      REQUIRE(w);
      CHECK(w->kind == v->kind);
      if (v->kind == Kind::Int) CHECK(w->num.i == v->num.i);
      if (v->kind == Kind::Bool) CHECK(w->num.b == v->num.b);
      if (v->kind == Kind::Float && !std::isnan(v->num.f)) CHECK(w->num.f == v->num.f);
    }
    // Built in code.
    yaml::Arena arena;
    Node* seq = yaml::make_seq(arena);
    seq->children = {yaml::make_int(arena, -9'223'372'036'854'775'807 - 1), yaml::make_int(arena, 0),
                     yaml::make_bool(arena, true), yaml::make_bool(arena, false)};
    CHECK(yaml::emit_yaml(seq) == "- -9223372036854775808\n- 0\n- true\n- false\n");
  }

  TEST_CASE("emit: multi-line job scripts round-trip byte-exactly") {
    for (std::size_t i = 0; i < scripts().size(); ++i) {
      const std::string& script = scripts()[i];
      INFO("script #", i, ":\n", script);
      yaml::Arena arena;
      // As a nested value, as a list item, as a key and as the whole document.
      Node* root = yaml::make_map(arena);
      Node* job = yaml::make_map(arena);
      yaml::map_set(root, arena, "job", job);
      yaml::map_set(job, arena, "script", yaml::make_string(arena, script));
      Node* list = yaml::make_seq(arena);
      list->children.push_back(yaml::make_string(arena, script));
      list->children.push_back(yaml::make_string(arena, "after"));
      yaml::map_set(job, arena, "list", list);
      yaml::map_set(root, arena, script, yaml::make_string(arena, "script as key"));
      yaml::map_set(root, arena, "last", yaml::make_string(arena, script));
      for (int indent : {2, 4}) {
        yaml::EmitOptions o;
        o.indent = indent;
        std::string out = yaml::emit_yaml(root, o);
        INFO("emitted:\n", out);
        Loaded back(out);
        REQUIRE_MESSAGE(back.root, back.problems());
        REQUIRE(back.root->get("job"));
        REQUIRE(back.root->get("job")->get("script"));
        CHECK(back.root->get("job")->get("script")->text == script);
        CHECK(back.root->get("job")->get("list")->item(0)->text == script);
        CHECK(back.root->get("job")->get("list")->item(1)->text == "after");
        CHECK(back.root->get("last")->text == script);
        REQUIRE(back.root->size() == 3);
        CHECK(back.root->key_at(1)->text == script);
        CHECK(back.root->value_at(1)->text == "script as key");
      }
      Node* alone = yaml::make_string(arena, script);
      std::string out = yaml::emit_yaml(alone);
      Loaded back(out);
      REQUIRE(back.root);
      CHECK(back.root->kind == Kind::String);
      CHECK(back.root->text == script);
    }
    // The clean ones are literal blocks a person can read and edit.
    yaml::Arena arena;
    Node* m = yaml::make_map(arena);
    yaml::map_set(m, arena, "a", yaml::make_string(arena, scripts()[0]));
    yaml::map_set(m, arena, "b", yaml::make_string(arena, scripts()[1]));
    yaml::map_set(m, arena, "c", yaml::make_string(arena, scripts()[2]));
    std::string out = yaml::emit_yaml(m);
    CHECK(out.find("a: |\n  #!/bin/bash\n  #SBATCH --job-name=train\n") == 0);
    CHECK(out.find("  export OUT=$(pwd)/out\n  echo \"start: `date`\" 'single' # comment\n") != std::string::npos);
    CHECK(out.find("b: |-\n  #!/bin/bash\n  echo no trailing newline\n") != std::string::npos);
    CHECK(out.find("c: |+\n  two trailing newlines\n\n") != std::string::npos);
  }

  TEST_CASE("emit: long strings are folded and still read back exactly") {
    std::string words, solid(400, 'x');
    for (int i = 0; i < 60; ++i) words += "word" + std::to_string(i) + (i % 7 == 0 ? "  " : " ");
    words += "end";
    yaml::Arena arena;
    Node* m = yaml::make_map(arena);
    yaml::map_set(m, arena, "words", yaml::make_string(arena, words));
    yaml::map_set(m, arena, "quoted", yaml::make_string(arena, "'" + words + "'"));
    yaml::map_set(m, arena, "escaped", yaml::make_string(arena, "\t" + words));
    yaml::map_set(m, arena, "solid", yaml::make_string(arena, solid));
    yaml::map_set(m, arena, solid + " as a long key", yaml::make_int(arena, 1));
    for (int width : {100, 40, 0}) {
      yaml::EmitOptions o;
      o.width = width;
      std::string out = yaml::emit_yaml(m, o);
      INFO("width ", width, ":\n", out);
      Loaded back(out);
      REQUIRE_MESSAGE(back.root, back.problems());
      CHECK(back.root->get("words")->text == words);
      CHECK(back.root->get("quoted")->text == "'" + words + "'");
      CHECK(back.root->get("escaped")->text == "\t" + words);
      CHECK(back.root->get("solid")->text == solid);
      CHECK(back.root->get(solid + " as a long key"));
    }
  }

  TEST_CASE("emit: roots and flow style") {
    CHECK(yaml::emit_yaml(nullptr) == "null\n");
    yaml::Arena arena;
    CHECK(yaml::emit_yaml(yaml::make_map(arena)) == "{}\n");
    CHECK(yaml::emit_yaml(yaml::make_seq(arena)) == "[]\n");
    Loaded doc("a: [1, 'yes', {b: c}]\nd: {}\n");
    REQUIRE(doc.root);
    yaml::EmitOptions flow;
    flow.block_style = false;
    CHECK(yaml::emit_yaml(doc.root, flow) == "{a: [1, 'yes', {b: c}], d: {}}\n");
    CHECK(yaml::emit_yaml(doc.root) == "a:\n- 1\n- 'yes'\n- b: c\nd: {}\n");
  }

  TEST_CASE("emit: strings that are not UTF-8 are written with U+FFFD instead of failing") {
    yaml::Arena arena;
    std::string out = yaml::emit_yaml(yaml::make_string(arena, "bad \xFF byte \xC3"));
    Loaded back(out);
    REQUIRE(back.root);
    CHECK(back.root->text == "bad \xEF\xBF\xBD byte \xEF\xBF\xBD");
  }

  TEST_CASE("emit: map_set, map_erase and deep_copy") {
    yaml::Arena arena;
    Node* m = yaml::make_map(arena);
    yaml::map_set(m, arena, "a", yaml::make_int(arena, 1));
    yaml::map_set(m, arena, "b", yaml::make_string(arena, "x"));
    yaml::map_set(m, arena, "c", yaml::make_bool(arena, false));
    yaml::map_set(m, arena, "a", yaml::make_int(arena, 2));  // replaces in place
    yaml::map_set(m, arena, "d", nullptr);                   // a null
    CHECK(yaml::emit_yaml(m) == "a: 2\nb: x\nc: false\nd: null\n");
    CHECK(m->size() == 4);
    CHECK(m->weight == 9);
    CHECK(yaml::map_erase(m, "b"));
    CHECK_FALSE(yaml::map_erase(m, "b"));
    CHECK_FALSE(yaml::map_erase(m, "zzz"));
    CHECK(yaml::emit_yaml(m) == "a: 2\nc: false\nd: null\n");
    CHECK(m->weight == 7);
    yaml::map_set(m, arena, "b", yaml::make_string(arena, "back"));  // appended at the end
    CHECK(yaml::emit_yaml(m) == "a: 2\nc: false\nd: null\nb: back\n");
    // Not a map: nothing happens.
    Node* s = yaml::make_seq(arena);
    yaml::map_set(s, arena, "a", yaml::make_int(arena, 1));
    CHECK(s->children.empty());
    CHECK_FALSE(yaml::map_erase(s, "a"));

    // Keys are matched by text like Node::get, whatever their kind; every duplicate is erased.
    Loaded doc("1: one\nkeep: k\ndup: first\ndup: second\n");
    REQUIRE(doc.root);
    yaml::map_set(doc.root, doc.arena, "1", yaml::make_string(doc.arena, "uno"));
    CHECK(doc.root->key_at(0)->kind == Kind::Int);
    CHECK(doc.root->get("1")->text == "uno");
    CHECK(yaml::map_erase(doc.root, "dup"));
    CHECK(yaml::emit_yaml(doc.root) == "1: uno\nkeep: k\n");

    // deep_copy: an equal tree, in the other arena, sharing nothing (aliases become copies).
    Loaded src("base: &b {x: 1, list: [a, b]}\nuse1: *b\nuse2: *b\nscript: |\n  echo hi\n");
    REQUIRE(src.root);
    CHECK(src.root->get("use1") == src.root->get("use2"));
    yaml::Arena other;
    std::size_t before = other.size();
    Node* copy = yaml::deep_copy(other, src.root);
    CHECK(other.size() - before == src.root->weight);
    std::string where;
    CHECK_MESSAGE(same_tree(src.root, copy, where), where);
    CHECK(copy->weight == src.root->weight);
    CHECK(copy->get("script")->mark.line == src.root->get("script")->mark.line);
    CHECK(copy->get("use1") != copy->get("use2"));
    CHECK(copy->get("use1") != src.root->get("use1"));
    CHECK(yaml::emit_yaml(copy) == yaml::emit_yaml(src.root));
    yaml::map_set(const_cast<Node*>(copy->get("use1")), other, "x", yaml::make_int(other, 99));
    CHECK(copy->get("use1")->get("x")->text == "99");
    CHECK(copy->get("use2")->get("x")->text == "1");
    CHECK(src.root->get("use1")->get("x")->text == "1");
    CHECK(yaml::deep_copy(other, nullptr) == nullptr);
  }

  TEST_CASE("emit: deep trees built in code do not exhaust the stack") {
    yaml::Arena arena;
    Node* root = yaml::make_seq(arena);
    Node* cur = root;
    for (int i = 0; i < 5000; ++i) {
      Node* next = yaml::make_seq(arena);
      cur->children.push_back(next);
      cur = next;
    }
    std::string out = yaml::emit_yaml(root);
    CHECK(out.size() > 10000);
    Node* copy = yaml::deep_copy(arena, root);
    CHECK(yaml::emit_yaml(copy) == out);
  }
}

TEST_SUITE("real") {
  TEST_CASE("emit: a YAML 1.1 reader (PyYAML safe_load) reads the same strings, numbers and scripts") {
    const fs::path python = "/usr/bin/python3";
    if (!fs::exists(python)) {
      MESSAGE("skipped: /usr/bin/python3 is missing");
      return;
    }
    yaml::Arena arena;
    Node* root = yaml::make_map(arena);
    Node* values = yaml::make_seq(arena);
    Node* keys = yaml::make_map(arena);
    for (const auto& s : tricky_strings()) {
      values->children.push_back(yaml::make_string(arena, s));
      keys->children.push_back(yaml::make_string(arena, s));
      keys->children.push_back(yaml::make_int(arena, 0));
    }
    for (const auto& s : scripts()) values->children.push_back(yaml::make_string(arena, s));
    for (const auto& s : plain_strings()) values->children.push_back(yaml::make_string(arena, s));
    yaml::map_set(root, arena, "values", values);
    yaml::map_set(root, arena, "keys", keys);
    Loaded typed("a: 0x1F\nb: True\nc: ~\nd:\ne: 0o17\nf: 1e3\ng: .5\nh: +12\ni: -.inf\nj: 1.5e-7\nk: 42\n"
                 "l: 3.5\nm: FALSE\nn: 1e300\n");
    REQUIRE(typed.root);
    yaml::map_set(root, arena, "typed", typed.root);

    char dir_template[] = "/tmp/modak-emit-XXXXXX";
    REQUIRE(mkdtemp(dir_template) != nullptr);
    const fs::path dir = dir_template;
    {
      std::ofstream(dir / "in.yaml", std::ios::binary) << yaml::emit_yaml(root);
      std::ofstream(dir / "check.py") << R"PY(
import json, sys
try:
    import yaml
except ImportError:
    sys.exit(77)
with open(sys.argv[1], "rb") as f:
    d = yaml.safe_load(f)
def show(x):
    return [type(x).__name__, x if isinstance(x, str) else repr(x)]
out = {"values": [show(v) for v in d["values"]], "keys": [show(k) for k in d["keys"]],
       "typed": {k: show(v) for k, v in d["typed"].items()}}
with open(sys.argv[2], "w") as f:
    json.dump(out, f)
)PY";
    }
    std::string cmd = python.string() + " '" + (dir / "check.py").string() + "' '" + (dir / "in.yaml").string() +
                      "' '" + (dir / "out.json").string() + "' 2>'" + (dir / "err.txt").string() + "'";
    int status = std::system(cmd.c_str());
    std::string err = slurp(dir / "err.txt");
    std::string got = slurp(dir / "out.json");
    INFO("emitted:\n", slurp(dir / "in.yaml"));
    fs::remove_all(dir);
    REQUIRE(WIFEXITED(status));
    if (WEXITSTATUS(status) == 77) {
      MESSAGE("skipped: python3 has no yaml module");
      return;
    }
    REQUIRE_MESSAGE(WEXITSTATUS(status) == 0, err);
    auto j = nlohmann::json::parse(got);
    std::vector<std::string> expected_values = tricky_strings();
    expected_values.insert(expected_values.end(), scripts().begin(), scripts().end());
    expected_values.insert(expected_values.end(), plain_strings().begin(), plain_strings().end());
    REQUIRE(j["values"].size() == expected_values.size());
    for (std::size_t i = 0; i < expected_values.size(); ++i) {
      std::string want = expected_values[i];
      // Byte for byte, CR, NEL and LS included (they are escaped, never raw, in the output).
      INFO("value #", i, ": '", want, "'");
      CHECK(j["values"][i][0] == "str");
      CHECK(j["values"][i][1].get<std::string>() == want);
    }
    REQUIRE(j["keys"].size() == tricky_strings().size());
    for (std::size_t i = 0; i < tricky_strings().size(); ++i) {
      INFO("key #", i, ": '", tricky_strings()[i], "'");
      CHECK(j["keys"][i][0] == "str");
      CHECK(j["keys"][i][1].get<std::string>() == tricky_strings()[i]);
    }
    auto& t = j["typed"];
    CHECK(t["a"] == nlohmann::json::array({"int", "31"}));
    CHECK(t["b"] == nlohmann::json::array({"bool", "True"}));
    CHECK(t["c"] == nlohmann::json::array({"NoneType", "None"}));
    CHECK(t["d"] == nlohmann::json::array({"NoneType", "None"}));
    CHECK(t["e"] == nlohmann::json::array({"int", "15"}));
    CHECK(t["f"] == nlohmann::json::array({"float", "1000.0"}));
    CHECK(t["g"] == nlohmann::json::array({"float", "0.5"}));
    CHECK(t["h"] == nlohmann::json::array({"int", "12"}));
    CHECK(t["i"] == nlohmann::json::array({"float", "-inf"}));
    CHECK(t["j"] == nlohmann::json::array({"float", "1.5e-07"}));
    CHECK(t["k"] == nlohmann::json::array({"int", "42"}));
    CHECK(t["l"] == nlohmann::json::array({"float", "3.5"}));
    CHECK(t["m"] == nlohmann::json::array({"bool", "False"}));
    CHECK(t["n"] == nlohmann::json::array({"float", "1e+300"}));
  }
}
