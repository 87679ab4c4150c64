// modak recipe: the definition-file grammar check, the -march table, template filling, and that
// the two renderings describe the same build. The real buildah/podman build is
// tests/scripts/recipe_build_test.sh.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "plugin/recipe/def_grammar.h"
#include "plugin/recipe/recipe.h"

using namespace modak::recipe;

namespace {

const RecipeKnowledge& shipped() {
  static RecipeKnowledge k = [] {
    RecipeKnowledge out;
    std::vector<std::string> errors;
    bool ok = load_recipe_knowledge(std::string(MODAK_SOURCE_DIR) + "/share/recipes", out, errors);
    for (const auto& e : errors) MESSAGE(e);
    REQUIRE(ok);
    return out;
  }();
  return k;
}

bool has_error(const DefCheck& c, unsigned line, const std::string& part) {
  for (const auto& p : c.problems)
    if (p.severity == DefProblem::Severity::Error && p.line == line && p.message.find(part) != std::string::npos) return true;
  return false;
}

RecipeInputs tensorflow_inputs() {
  RecipeInputs in;
  in.node = "resnet50";
  in.target = "example-gpu-cluster";
  in.partition = "gpu";
  in.framework = "tensorflow";
  in.version = "2.1";
  in.app = "tensorflow";
  in.graph_compiler = "xla";
  in.microarchitecture = "cascadelake";
  in.isa_level = "x86-64-v4";
  in.enable_opt_build = true;
  return in;
}

}  // namespace

TEST_SUITE("unit") {
  TEST_CASE("recipe: a well-formed definition file passes, multi-stage and apps included") {
    const char* def =
        "# comment\n"
        "Bootstrap: docker\n"
        "From: golang:1.21\n"
        "Stage: build\n"
        "\n"
        "%post\n"
        "    go build -o /hello hello.go\n"
        "\n"
        "Bootstrap: library\n"
        "From: alpine:3.18\n"
        "Stage: final\n"
        "%files from build\n"
        "    /hello /usr/local/bin/hello\n"
        "%labels\n"
        "    Author someone\n"
        "%arguments\n"
        "    VERSION=1\n"
        "%post -c /bin/bash\n"
        "    echo ok\n"
        "%apprun hello\n"
        "    exec hello\n"
        "%runscript\n"
        "    exec hello \"$@\"\n";
    DefCheck c = check_definition(def);
    CHECK_MESSAGE(c.ok(), render_problems("t.def", c));
    CHECK(c.stages == std::vector<std::string>{"build", "final"});
    CHECK(c.sections.size() == 7);
  }

  TEST_CASE("recipe: grammar errors are located") {
    DefCheck c = check_definition("From: debian\nBootstrap: docker\n%postt\n  x\n");
    CHECK(has_error(c, 1, "must start with 'Bootstrap:'"));
    CHECK(has_error(c, 3, "unknown section '%postt'"));

    c = check_definition("Bootstrap: dockerr\nFrom: x\n");
    CHECK(has_error(c, 1, "unknown bootstrap agent 'dockerr'"));

    c = check_definition("Bootstrap: docker\nFrum: debian\n");
    CHECK(has_error(c, 2, "unknown header keyword 'Frum'"));
    CHECK(has_error(c, 1, "needs 'From:'"));  // the docker agent needs From

    c = check_definition("Bootstrap: debootstrap\nOSVersion: bookworm\n%post\n");
    CHECK(has_error(c, 1, "needs 'MirrorURL:'"));

    c = check_definition("Bootstrap: docker\nFrom: a\nFrom: b\n%labels\n    lonely\n%apprun\n%files from nowhere\n");
    CHECK(has_error(c, 3, "given twice"));
    CHECK(has_error(c, 5, "has no value"));
    CHECK(has_error(c, 6, "needs an app name"));
    CHECK(has_error(c, 7, "no earlier stage is named 'nowhere'"));

    c = check_definition("");
    CHECK(has_error(c, 1, "no header"));
    c = check_definition("echo hi\n");
    CHECK(has_error(c, 1, "text before the header"));

    std::string text = render_problems("x.def", check_definition("Bootstrap: docker\nFrom: debian\n%postt\n"));
    CHECK(text == "x.def:3:1: error: unknown section '%postt' (known: %setup %files %environment %post %runscript "
                  "%startscript %test %labels %help %arguments and %app* sections)\n");
  }

  TEST_CASE("recipe: -march from the target's CPU, with fallbacks for an older compiler") {
    const auto& k = shipped();
    std::string note;
    CHECK(march_flag(k, "broadwell", "x86-64-v3", 7, note) == "-march=broadwell");
    CHECK(note.empty());
    CHECK(march_flag(k, "skylake_avx512", "x86-64-v4", 7, note) == "-march=skylake-avx512");
    CHECK(march_flag(k, "cascadelake", "x86-64-v4", 0, note) == "-march=cascadelake");
    note.clear();
    CHECK(march_flag(k, "cascadelake", "x86-64-v4", 7, note) == "-march=skylake-avx512");  // GCC 7 predates cascadelake
    CHECK(note.find("newer GCC") != std::string::npos);
    CHECK(march_flag(k, "zen2", "x86-64-v3", 9, note) == "-march=znver2");
    note.clear();
    CHECK(march_flag(k, "unknown x86", "x86-64-v3", 12, note) == "-march=x86-64-v3");
    CHECK(note.find("ISA level x86-64-v3") != std::string::npos);
    CHECK(march_flag(k, "unknown x86", "x86-64-v3", 7, note) == "-march=haswell");
  }

  TEST_CASE("recipe: TensorFlow with XLA on cascadelake: both renderings carry the same build") {
    RecipeSpec s;
    std::string error;
    REQUIRE_MESSAGE(make_spec(shipped(), tensorflow_inputs(), {}, s, error), error);
    CHECK(s.template_id == "tensorflow-source");
    CHECK(s.base == "ubuntu:18.04");
    std::string def = render_definition(s), cf = render_containerfile(s);
    DefCheck c = check_definition(def);
    CHECK_MESSAGE(c.ok(), render_problems("tf.def", c));
    for (const std::string want : {"--config=xla", "TF_ENABLE_XLA=\"1\"", "--copt=-march=skylake-avx512",
                                   "git clone --depth 1 --branch r2.1", "org.modak.graph-compiler"}) {
      CHECK_MESSAGE(def.find(want) != std::string::npos, want);
      CHECK_MESSAGE(cf.find(want) != std::string::npos, want);
    }
    // Every build step appears, in order, in both files.
    std::size_t pd = 0, pc = 0;
    for (const auto& step : s.steps) {
      pd = def.find(step, pd);
      pc = cf.find(step, pc);
      CHECK_MESSAGE(pd != std::string::npos, step);
      CHECK_MESSAGE(pc != std::string::npos, step);
    }
  }

  TEST_CASE("recipe: GPU, PyTorch with Glow, MPI application, smoke and base override") {
    const auto& k = shipped();
    RecipeSpec s;
    std::string error;
    RecipeInputs tf = tensorflow_inputs();
    tf.accelerator = "nvidia";
    tf.cuda = "10.1";
    REQUIRE_MESSAGE(make_spec(k, tf, {}, s, error), error);
    CHECK(s.base == "nvidia/cuda:10.1-cudnn7-devel-ubuntu18.04");
    CHECK(render_containerfile(s).find("--config=cuda") != std::string::npos);

    RecipeInputs pt = tensorflow_inputs();
    pt.framework = "pytorch";
    pt.version = "1.5";
    pt.graph_compiler = "glow";
    REQUIRE_MESSAGE(make_spec(k, pt, {}, s, error), error);
    std::string def = render_definition(s);
    CHECK(def.find("export USE_MKLDNN=\"1\"") != std::string::npos);
    CHECK(def.find("torch_glow") != std::string::npos);
    CHECK(check_definition(def).ok());

    RecipeInputs mpi;
    mpi.node = "solver";
    mpi.parallelisation = "mpi";
    mpi.app = "solver";
    mpi.mpi_library = "mpich";
    mpi.mpi_version = "3.1.4";
    mpi.microarchitecture = "zen2";
    mpi.isa_level = "x86-64-v3";
    REQUIRE_MESSAGE(make_spec(k, mpi, {}, s, error), error);
    std::string cf = render_containerfile(s);
    CHECK(cf.find("mpich-3.1.4.tar.gz") != std::string::npos);
    CHECK(cf.find("-march=znver1") != std::string::npos);  // the template's GCC 8 predates znver2
    CHECK(cf.find("LABEL org.modak.mpi=\"mpich 3.1.4\"") != std::string::npos);

    REQUIRE_MESSAGE(make_spec(k, mpi, {"localhost/busybox:test", true}, s, error), error);
    cf = render_containerfile(s);
    CHECK(cf.find("FROM localhost/busybox:test") != std::string::npos);
    CHECK(cf.find("apt-get") == std::string::npos);       // smoke: no package install, no source build
    CHECK(cf.find("ENV MODAK_MARCH=\"-march=znver1\"") != std::string::npos);  // the structure stays
    CHECK(check_definition(render_definition(s)).ok());

    mpi.mpi_library = "intel-mpi";
    CHECK_FALSE(make_spec(k, mpi, {}, s, error));
    CHECK(error.find("no source build for MPI library 'intel-mpi'") != std::string::npos);
    RecipeInputs none;
    none.framework = "jax";
    CHECK_FALSE(make_spec(k, none, {}, s, error));
    CHECK(error.find("no recipe template") != std::string::npos);
  }

  TEST_CASE("recipe: template variables") {
    std::string out, error;
    CHECK(expand("a {{x}} {{ y }}", {{"x", "1"}, {"y", "{{x}}2"}}, out, error));
    CHECK(out == "a 1 12");
    CHECK_FALSE(expand("{{nope}}", {}, out, error));
    CHECK(error == "unknown variable '{{nope}}'");
    CHECK_FALSE(expand("{{a}}", {{"a", "{{a}}"}}, out, error));
  }
}
