#include <doctest/doctest.h>

#include "adapters/batch_script.h"
#include "adapters/job.h"
#include "adapters/shell.h"

using namespace modak::adapters;

TEST_SUITE("unit") {
  TEST_CASE("shell: values are single-quoted so that nothing in them executes") {
    CHECK(single_quote("plain") == "'plain'");
    CHECK(single_quote("it's") == "'it'\\''s'");
    CHECK(shell_word("$(touch x)") == "'$(touch x)'");
    CHECK(shell_word("`touch x`") == "'`touch x`'");
    CHECK(shell_word("a; touch x") == "'a; touch x'");
    CHECK(shell_word("${HOME}/data") == "\"${HOME}/data\"");  // variables still expand
    CHECK(shell_word("$PBS_O_WORKDIR/in") == "\"$PBS_O_WORKDIR/in\"");
    CHECK(shell_word("${HOME:-$(touch x)}") == "'${HOME:-$(touch x)}'");  // anything beyond $NAME is quoted
    CHECK(shell_word("$HOME\"$(x)\"") == "'$HOME\"$(x)\"'");
    CHECK(shell_word("$") == "'$'");
  }

  TEST_CASE("shell: arguments split like a shell would, without expanding anything") {
    std::vector<std::string> w;
    REQUIRE(split_words("-in in.melt -var 'a b' \"c d\" e\\ f", w));
    CHECK(w == std::vector<std::string>{"-in", "in.melt", "-var", "a b", "c d", "e f"});
    REQUIRE(split_words("$(touch x) `y`", w));
    CHECK(w == std::vector<std::string>{"$(touch", "x)", "`y`"});
    CHECK_FALSE(split_words("'unbalanced", w));
    REQUIRE(split_words("", w));
    CHECK(w.empty());
  }

  TEST_CASE("shell: names are sanitised per scheduler") {
    CHECK(sanitise_name("my job;rm -rf", 200, false) == "my-job-rm--rf");
    CHECK(sanitise_name("1-resnet-training-long", 15, true) == "j1-resnet-train");
    CHECK(sanitise_name("resnet50-training", 15, true).size() == 15);
    CHECK(rfc1123_name("ResNet50_Training!") == "resnet50-training");
    CHECK(rfc1123_name("--x--") == "x");
    CHECK(rfc1123_name(std::string(80, 'a')).size() == 63);
    CHECK(rfc1123_name("___") == "modak-app");
  }

  TEST_CASE("job: wall times, memory sizes and mail events") {
    CHECK(parse_walltime("12:00:00") == 43200);
    CHECK(parse_walltime("1:00:00") == 3600);
    CHECK(parse_walltime("36:00:00") == 129600);
    CHECK(parse_walltime("1-06:00:00") == 108000);
    CHECK(parse_walltime("90:30") == 5430);
    CHECK(parse_walltime("45") == 2700);
    CHECK(parse_walltime(" 12:00:00 ") == 43200);
    CHECK_FALSE(parse_walltime("12:61:00"));
    CHECK_FALSE(parse_walltime("abc"));
    CHECK(hms(129600) == "36:00:00");
    CHECK(parse_memory_mb("4GB") == 4096);
    CHECK(parse_memory_mb("512 MB") == 512);
    CHECK(parse_memory_mb("2g") == 2048);
    CHECK(parse_memory_mb("1024") == 1024);
    CHECK_FALSE(parse_memory_mb("lots"));
    CHECK(parse_mail_events("abe") == std::set<std::string>{"begin", "end", "fail"});
    CHECK(parse_mail_events("n").empty());
    CHECK(parse_mail_events("BEGIN,END") == std::set<std::string>{"begin", "end"});
    CHECK(parse_mail_events("ALL") == std::set<std::string>{"begin", "end", "fail"});
    CHECK(parse_mail_events("be") == std::set<std::string>{"begin", "end"});
  }

  TEST_CASE("batch body: the launch line quotes user values, and the build runs once") {
    Job j;
    j.executable = "python3 train.py";
    j.arguments = "--name '$(touch x)' --out ${HOME}/out";
    j.launcher = "srun";
    j.ranks = 4;
    j.threads = 2;
    j.container_runtime = "singularity";
    j.image = "docker://x/y:1";
    j.container_flags = {"--nv", "-B /data"};
    std::vector<std::string> notes;
    std::string line = launch_line(j, notes);
    CHECK(line ==
          "srun --ntasks=4 --cpus-per-task=2 singularity exec --nv -B '/data' \"$MODAK_IMAGE\" 'python3' 'train.py' "
          "'--name' '$(touch x)' '--out' \"${HOME}/out\"");
    j.build = Build{"https://example.org/src.git", "make -j{{BUILD_PARALLELISM}}", 8};
    std::string body = batch_body(j, "${SLURM_SUBMIT_DIR:-$PWD}", notes);
    CHECK(body.find("if [ ! -e .modak-build.done ]; then") != std::string::npos);
    CHECK(body.find("git clone 'https://example.org/src.git' || exit 1") != std::string::npos);
    CHECK(body.find("sh -c 'make -j8'") != std::string::npos);
    CHECK(body.find("MODAK_IMAGE='docker://x/y:1'") != std::string::npos);
  }

  TEST_CASE("batch body: podman and no container") {
    Job j;
    j.executable = "/bin/echo";
    j.arguments = "hello";
    j.container_runtime = "podman";
    j.image = "docker://docker.io/library/busybox:1";
    j.gpu = true;
    std::vector<std::string> notes;
    CHECK(launch_line(j, notes) ==
          "podman run --rm --network=host -v \"$PWD:$PWD\" -w \"$PWD\" --device nvidia.com/gpu=all "
          "'docker.io/library/busybox:1' '/bin/echo' 'hello'");
    j.container_runtime = "none";
    CHECK(launch_line(j, notes) == "'/bin/echo' 'hello'");
  }

  TEST_CASE("directive values cannot break out of their line") {
    std::vector<std::string> notes;
    CHECK(directive_value("out.txt", "x", notes) == "out.txt");
    CHECK(notes.empty());
    CHECK(directive_value("a\ntouch x", "x", notes) == "a_touch_x");
    CHECK(directive_value("$(id)", "x", notes) == "__id_");
    CHECK(notes.size() == 2);
  }
}
