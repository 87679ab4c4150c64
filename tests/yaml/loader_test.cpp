#include <doctest/doctest.h>

#include "tosca/yaml/loader.h"

using namespace modak;

namespace {

struct Loaded {
  yaml::SourceTable sources;
  yaml::Arena arena;
  diag::Sink sink;
  yaml::Node* root = nullptr;
  explicit Loaded(std::string_view text, yaml::LoadLimits limits = {}) {
    auto id = sources.add("t.yaml");
    root = yaml::load_yaml(text, id, sources, arena, sink, limits);
  }
  bool has(diag::Code c) const {
    for (const auto& d : sink.all())
      if (d.code == c) return true;
    return false;
  }
};

}  // namespace

TEST_SUITE("unit") {
  TEST_CASE("core schema: YAML 1.1 booleans and sexagesimals stay strings") {
    Loaded l("a: no\nb: yes\nc: 00:30:00\nd: 1:00:00\ne: true\nf: ~\ng:\nh: 0x1F\ni: 1.5e3\nj: '12'\nk: on\n");
    REQUIRE(l.root);
    CHECK(l.root->get("a")->kind == yaml::Kind::String);
    CHECK(l.root->get("b")->kind == yaml::Kind::String);
    CHECK(l.root->get("c")->kind == yaml::Kind::String);
    CHECK(l.root->get("d")->kind == yaml::Kind::String);
    CHECK(l.root->get("d")->text == "1:00:00");
    CHECK(l.root->get("e")->kind == yaml::Kind::Bool);
    CHECK(l.root->get("f")->kind == yaml::Kind::Null);
    CHECK(l.root->get("g")->kind == yaml::Kind::Null);
    CHECK(l.root->get("h")->kind == yaml::Kind::Int);
    CHECK(l.root->get("h")->num.i == 31);
    CHECK(l.root->get("i")->kind == yaml::Kind::Float);
    CHECK(l.root->get("j")->kind == yaml::Kind::String);
    CHECK(l.root->get("k")->kind == yaml::Kind::String);
  }

  TEST_CASE("every node keeps its line and column") {
    Loaded l("top:\n  inner:\n    - x\n    - key: value\n");
    const auto* item = l.root->get("top")->get("inner")->item(1)->get("key");
    CHECK(item->mark.line == 4);
    CHECK(item->mark.column == 12);
  }

  TEST_CASE("duplicate keys are errors pointing at the repeat, with a note at the first") {
    Loaded l("a: 1\nb: 2\na: 3\n");
    REQUIRE(l.sink.all().size() == 1);
    const auto& d = l.sink.all()[0];
    CHECK(d.code == diag::Code::YamlDuplicateKey);
    CHECK(d.where.line == 3);
    CHECK(d.where.column == 1);
    REQUIRE(d.notes.size() == 1);
    CHECK(d.notes[0].where.line == 1);
  }

  TEST_CASE("duplicate keys in large maps are found too") {
    std::string text;
    for (int i = 0; i < 100; ++i) text += "k" + std::to_string(i) + ": " + std::to_string(i) + "\n";
    text += "k42: again\n";
    Loaded l(text);
    CHECK(l.has(diag::Code::YamlDuplicateKey));
  }

  TEST_CASE("syntax errors are located") {
    Loaded l("a: [1, 2\nb: 3\n");
    CHECK(l.root == nullptr);
    REQUIRE(l.sink.all().size() == 1);
    CHECK(l.sink.all()[0].code == diag::Code::YamlSyntax);
    CHECK(l.sink.all()[0].where.line >= 1);
  }

  TEST_CASE("invalid UTF-8 is an encoding error with a line") {
    Loaded l("a: ok\nb: \xff\xfe bad\n");
    CHECK(l.root == nullptr);
    REQUIRE(l.has(diag::Code::YamlEncoding));
    CHECK(l.sink.all()[0].where.line == 2);
  }

  TEST_CASE("a byte-order mark is accepted") {
    Loaded l("\xEF\xBB\xBFtosca_definitions_version: tosca_simple_yaml_1_3\n");
    REQUIRE(l.root);
    CHECK(l.root->get("tosca_definitions_version"));
  }

  TEST_CASE("deep nesting stops at the depth limit, without recursion") {
    std::string deep(100000, '[');
    deep += std::string(100000, ']');
    Loaded l(deep);
    CHECK(l.root == nullptr);
    CHECK(l.has(diag::Code::Limit));
  }

  TEST_CASE("alias expansion bombs are refused") {
    std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
    char prev = 'a';
    for (char c = 'b'; c <= 'j'; ++c) {
      bomb += std::string(1, c) + ": &" + c + " [";
      for (int i = 0; i < 10; ++i) bomb += std::string(i ? ", *" : "*") + prev;
      bomb += "]\n";
      prev = c;
    }
    Loaded l(bomb);
    CHECK(l.root == nullptr);
    CHECK(l.has(diag::Code::Limit));
  }

  TEST_CASE("aliases share nodes and merge keys merge") {
    Loaded l("base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\n");
    REQUIRE(l.root);
    const auto* d = l.root->get("derived");
    CHECK(d->get("x")->num.i == 1);
    CHECK(d->get("y")->num.i == 3);
    CHECK(d->size() == 2);
  }

  TEST_CASE("huge scalars are refused by the limit") {
    yaml::LoadLimits limits;
    limits.max_scalar_bytes = 1000;
    Loaded l("a: " + std::string(5000, 'x') + "\n", limits);
    CHECK(l.has(diag::Code::Limit));
  }

  TEST_CASE("explicit tags are applied or refused") {
    Loaded ok("a: !!str 12\nb: !!int '7'\n");
    REQUIRE(ok.root);
    CHECK(ok.root->get("a")->kind == yaml::Kind::String);
    CHECK(ok.root->get("b")->kind == yaml::Kind::Int);
    Loaded bad("a: !!int seven\n");
    CHECK(bad.has(diag::Code::YamlTag));
  }

  TEST_CASE("more than one document is refused") {
    Loaded l("a: 1\n---\nb: 2\n");
    CHECK(l.has(diag::Code::YamlSyntax));
  }
}
