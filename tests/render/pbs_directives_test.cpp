// Directive grammar of the batch adapters, per dialect: PBS Pro / OpenPBS (select chunks, -J
// arrays, names <= 236), Torque (nodes=N:ppn=P, -t arrays, names <= 15 starting with a letter)
// and Slurm (#SBATCH long options). Jobs are rendered through adapters::adapter_for(); the rules
// are those of openpbs doc/man1/qsub.1B + pbs_resources.7B, Torque's qsub(1) and sbatch(1), as
// summarised in docs/real-components.md. render_pbs_test.sh checks the same scripts against
// Slurm's own #PBS reader; this file checks what Slurm does not (PBS Pro chunks, place, names).
#include <doctest/doctest.h>

#include <regex>
#include <string>
#include <vector>

#include "adapters/adapter.h"
#include "adapters/job.h"

using modak::adapters::adapter_for;
using modak::adapters::Job;

namespace {

Job base_job() {
  Job j;
  j.name = "heat3d";
  j.queue = "workq";
  j.partition = "debug";
  j.walltime_seconds = 3600;
  j.nodes = 1;
  j.tasks_per_node = 1;
  j.ranks = 1;
  j.threads = 1;
  j.executable = "/bin/echo";
  j.arguments = "hello";
  return j;
}

std::string render(const char* scheduler, const Job& j) {
  const auto* a = adapter_for(scheduler);
  REQUIRE(a != nullptr);
  return a->render(j).content;
}

// The directive lines ("#PBS ..." / "#SBATCH ..."), without their prefix.
std::vector<std::string> directives(const std::string& script, const std::string& prefix) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < script.size()) {
    std::size_t end = script.find('\n', pos);
    if (end == std::string::npos) end = script.size();
    std::string line = script.substr(pos, end - pos);
    if (line.rfind(prefix + " ", 0) == 0) out.push_back(line.substr(prefix.size() + 1));
    pos = end + 1;
  }
  return out;
}

// Values of the directives starting with `option` ("-N", "-l", "--job-name=").
std::vector<std::string> values(const std::string& script, const std::string& prefix, const std::string& option) {
  std::vector<std::string> out;
  for (const auto& d : directives(script, prefix)) {
    if (option.back() == '=' && d.rfind(option, 0) == 0) out.push_back(d.substr(option.size()));
    else if (d.rfind(option + " ", 0) == 0) out.push_back(d.substr(option.size() + 1));
    else if (d == option) out.push_back("");
  }
  return out;
}

std::string one(const std::string& script, const std::string& prefix, const std::string& option) {
  auto v = values(script, prefix, option);
  INFO("option " << option << " in\n" << script);
  REQUIRE(v.size() == 1);
  return v[0];
}

bool has_resource(const std::string& script, const std::string& resource_prefix) {
  for (const auto& v : values(script, "#PBS", "-l"))
    if (v.rfind(resource_prefix, 0) == 0) return true;
  return false;
}

std::string resource(const std::string& script, const std::string& name) {
  for (const auto& v : values(script, "#PBS", "-l"))
    if (v.rfind(name + "=", 0) == 0) return v.substr(name.size() + 1);
  return "";
}

const char* kHostile[] = {
    "$(touch CANARY1)", "`touch CANARY2`", "; touch CANARY3", "'; touch CANARY4; '", "\"$(touch CANARY5)\"",
    "\n touch CANARY6", "x|y&z<w>v", "a b\tc", "${HOME}", "\\n", "!x", "*?[a]", "~root", "#c", "\r\x7f",
};

}  // namespace

TEST_SUITE("unit") {

TEST_CASE("pbs directives: job names per dialect") {
  Job j = base_job();
  SUBCASE("torque: at most 15 characters, starting with a letter") {
    for (std::string name : {std::string("a-very-long-job-name-for-torque"), std::string("1st-run"), std::string("_x"),
                             std::string("-"), std::string(""), std::string("9"), std::string(300, 'q')}) {
      j.name = name;
      std::string n = one(render("torque", j), "#PBS", "-N");
      INFO("name '" << name << "' -> '" << n << "'");
      CHECK(std::regex_match(n, std::regex("[A-Za-z][A-Za-z0-9._-]{0,14}")));
    }
  }
  SUBCASE("pbspro: at most 236 characters, starting alphanumeric, no whitespace") {
    for (std::string name : {std::string(300, 'p'), std::string("1st run"), std::string("_x"), std::string("-"),
                             std::string("")}) {
      j.name = name;
      std::string n = one(render("pbspro", j), "#PBS", "-N");
      INFO("name '" << name << "' -> '" << n << "'");
      CHECK(std::regex_match(n, std::regex("[A-Za-z0-9][A-Za-z0-9._-]{0,235}")));
    }
    j.name = std::string(236, 'p');
    CHECK(one(render("pbspro", j), "#PBS", "-N") == j.name);  // the limit itself is kept whole
    j.name = "9lives";
    CHECK(one(render("pbspro", j), "#PBS", "-N") == "9lives");  // a digit may start a PBS Pro name
  }
  SUBCASE("slurm keeps a plain name") {
    j.name = "resnet50-training";
    CHECK(one(render("slurm", j), "#SBATCH", "--job-name=") == "resnet50-training");
  }
}

TEST_CASE("pbs directives: resources") {
  Job j = base_job();
  j.nodes = 4;
  j.tasks_per_node = 6;
  j.ranks = 24;
  j.threads = 2;
  SUBCASE("pbspro: one select statement with ncpus, mpiprocs, ompthreads, and place") {
    std::string s = render("pbspro", j);
    CHECK(resource(s, "select") == "4:ncpus=12:mpiprocs=6:ompthreads=2");
    CHECK(resource(s, "place") == "scatter");
    CHECK_FALSE(has_resource(s, "nodes="));  // old and new syntax cannot be mixed
    CHECK_FALSE(has_resource(s, "ncpus="));
    j.gpus_per_node = 2;
    j.memory_mb = 8192;
    s = render("pbspro", j);
    CHECK(std::regex_match(resource(s, "select"),
                           std::regex("4:ncpus=12:mpiprocs=6:ompthreads=2(:ngpus=2:mem=8192mb|:mem=8192mb:ngpus=2)")));
    CHECK_FALSE(has_resource(s, "mem="));  // PBS Pro: mem only inside chunks
    j.nodes = 1;
    CHECK(resource(render("pbspro", j), "place") == "pack");
  }
  SUBCASE("torque: nodes=N:ppn=P[:gpus=G]") {
    CHECK(resource(render("torque", j), "nodes") == "4:ppn=12");
    CHECK_FALSE(has_resource(render("torque", j), "select="));
    j.gpus_per_node = 2;
    CHECK(resource(render("torque", j), "nodes") == "4:ppn=12:gpus=2");
    j.memory_mb = 1000;
    CHECK(resource(render("torque", j), "mem") == "4000mb");  // job-wide: per node x nodes
  }
  SUBCASE("slurm") {
    std::string s = render("slurm", j);
    CHECK(one(s, "#SBATCH", "--nodes=") == "4");
    CHECK(one(s, "#SBATCH", "--ntasks=") == "24");
    CHECK(one(s, "#SBATCH", "--ntasks-per-node=") == "6");
    CHECK(one(s, "#SBATCH", "--cpus-per-task=") == "2");
    j.gpus_per_node = 2;
    CHECK(one(render("slurm", j), "#SBATCH", "--gres=") == "gpu:2");
  }
}

TEST_CASE("pbs directives: walltime") {
  Job j = base_job();
  j.walltime_seconds = 36 * 3600;
  CHECK(resource(render("pbspro", j), "walltime") == "36:00:00");
  CHECK(resource(render("torque", j), "walltime") == "36:00:00");
  CHECK(one(render("slurm", j), "#SBATCH", "--time=") == "1-12:00:00");
  j.walltime_seconds = 90 * 60 + 5;
  CHECK(resource(render("pbspro", j), "walltime") == "01:30:05");
  CHECK(one(render("slurm", j), "#SBATCH", "--time=") == "01:30:05");
  j.walltime_seconds = 200 * 3600;
  CHECK(resource(render("torque", j), "walltime") == "200:00:00");
  j.walltime_seconds.reset();
  CHECK_FALSE(has_resource(render("pbspro", j), "walltime="));
  CHECK(values(render("slurm", j), "#SBATCH", "--time=").empty());
}

TEST_CASE("pbs directives: mail events, letters vs words") {
  Job j = base_job();
  j.mail_events = {"begin", "end", "fail"};
  j.mail_user = "user@example.org";
  for (const char* s : {"pbspro", "torque"}) {
    std::string m = one(render(s, j), "#PBS", "-m");
    CHECK(m.size() == 3);
    CHECK(m.find('a') != std::string::npos);
    CHECK(m.find('b') != std::string::npos);
    CHECK(m.find('e') != std::string::npos);
    CHECK(one(render(s, j), "#PBS", "-M") == "user@example.org");
  }
  CHECK(one(render("slurm", j), "#SBATCH", "--mail-type=") == "BEGIN,END,FAIL");
  CHECK(one(render("slurm", j), "#SBATCH", "--mail-user=") == "user@example.org");
  j.mail_events = {"fail"};
  CHECK(one(render("torque", j), "#PBS", "-m") == "a");
  CHECK(one(render("slurm", j), "#SBATCH", "--mail-type=") == "FAIL");
  CHECK(modak::adapters::parse_mail_events("abe") == std::set<std::string>{"begin", "end", "fail"});
  CHECK(modak::adapters::parse_mail_events("END,FAIL") == std::set<std::string>{"end", "fail"});
  CHECK(modak::adapters::parse_mail_events("n").empty());
}

TEST_CASE("pbs directives: arrays (-J vs -t vs --array)") {
  Job j = base_job();
  j.array = "1-10";
  CHECK(one(render("pbspro", j), "#PBS", "-J") == "1-10");
  CHECK(one(render("torque", j), "#PBS", "-t") == "1-10");
  CHECK(one(render("slurm", j), "#SBATCH", "--array=") == "1-10");
  CHECK(values(render("pbspro", j), "#PBS", "-t").empty());
  CHECK(values(render("torque", j), "#PBS", "-J").empty());

  // What each dialect's grammar accepts (or the adapter must leave the array out):
  //   PBS Pro  -J X-Y[:Z][%max_run]              (no lists; % since OpenPBS 20)
  //   Torque   -t 1-100 | 1,10,50-100 [%slots]  (no steps)
  //   Slurm    --array=1,3,5-7 | 1-9:2 [%slots]
  const std::regex pbspro_array(R"(\d+-\d+(:\d+)?(%\d+)?)");
  const std::regex torque_array(R"(\d+(-\d+)?(,\d+(-\d+)?)*(%\d+)?)");
  const std::regex slurm_array(R"(\d+(-\d+(:\d+)?)?(,\d+(-\d+(:\d+)?)?)*(%\d+)?)");
  for (std::string a : {"1-10", "1,3,5-7", "1-9:2", "0-31%4"}) {
    j.array = a;
    INFO("job_array '" << a << "'");
    for (const auto& v : values(render("pbspro", j), "#PBS", "-J")) CHECK_MESSAGE(std::regex_match(v, pbspro_array), "pbspro -J " << v);
    for (const auto& v : values(render("torque", j), "#PBS", "-t")) CHECK_MESSAGE(std::regex_match(v, torque_array), "torque -t " << v);
    CHECK(std::regex_match(one(render("slurm", j), "#SBATCH", "--array="), slurm_array));
  }
}

TEST_CASE("pbs directives: dependencies (-W depend= vs --dependency=)") {
  Job j = base_job();
  j.after_ok = {"123.server", "456"};
  CHECK(one(render("pbspro", j), "#PBS", "-W") == "depend=afterok:123.server:456");
  CHECK(one(render("torque", j), "#PBS", "-W") == "depend=afterok:123.server:456");
  CHECK(one(render("slurm", j), "#SBATCH", "--dependency=") == "afterok:123.server:456");
}

TEST_CASE("pbs directives: exclusivity") {
  Job j = base_job();
  j.exclusive = true;
  j.nodes = 2;
  CHECK(resource(render("pbspro", j), "place") == "scatter:excl");
  j.nodes = 1;
  CHECK(resource(render("pbspro", j), "place") == "pack:excl");
  std::string t = render("torque", j);
  CHECK((resource(t, "naccesspolicy") == "singlejob" || values(t, "#PBS", "-n").size() == 1));
  CHECK(values(render("slurm", j), "#SBATCH", "--exclusive").size() == 1);
  j.exclusive = false;
  CHECK(resource(render("pbspro", j), "place") == "pack");
  CHECK(values(render("slurm", j), "#SBATCH", "--exclusive").empty());
}

TEST_CASE("pbs directives: join, output and error") {
  Job j = base_job();
  j.output = "run.out";
  j.error = "run.err";
  j.join_output = true;
  for (const char* s : {"pbspro", "torque"}) {
    std::string r = render(s, j);
    CHECK(one(r, "#PBS", "-j") == "oe");
    CHECK(one(r, "#PBS", "-o") == "run.out");
    CHECK(values(r, "#PBS", "-e").empty());
  }
  CHECK(one(render("slurm", j), "#SBATCH", "--output=") == "run.out");
  CHECK(values(render("slurm", j), "#SBATCH", "--error=").empty());  // Slurm joins unless --error
  j.join_output = false;
  for (const char* s : {"pbspro", "torque"}) {
    std::string r = render(s, j);
    CHECK(values(r, "#PBS", "-j").empty());
    CHECK(one(r, "#PBS", "-e") == "run.err");
  }
  CHECK(one(render("slurm", j), "#SBATCH", "--error=") == "run.err");
}

TEST_CASE("pbs directives: exported environment (-V / -v vs --export)") {
  Job j = base_job();
  j.export_all = true;
  CHECK(values(render("pbspro", j), "#PBS", "-V").size() == 1);
  CHECK(values(render("torque", j), "#PBS", "-V").size() == 1);
  CHECK(one(render("slurm", j), "#SBATCH", "--export=") == "ALL");
  j.export_vars = {{"A", "1"}, {"B", ""}};
  CHECK(one(render("pbspro", j), "#PBS", "-v") == "A=1,B");
  CHECK(one(render("torque", j), "#PBS", "-v") == "A=1,B");
  CHECK(one(render("slurm", j), "#SBATCH", "--export=") == "ALL,A=1,B");
  j.export_all = false;
  CHECK(values(render("pbspro", j), "#PBS", "-V").empty());
  CHECK(one(render("torque", j), "#PBS", "-v") == "A=1,B");
  std::string e = one(render("slurm", j), "#SBATCH", "--export=");
  CHECK((e == "NONE,A=1,B" || e == "A=1,B"));
}

TEST_CASE("pbs directives: hostile values never reach a directive line as shell text") {
  // Directive lines are read by the scheduler, but the script is also run by bash: a newline
  // would end the directive block and start a command; metacharacters would be a trap for
  // anyone who copies a line into a shell. No directive may carry either.
  const std::regex safe(R"([A-Za-z0-9._%@+,:=/ -]*)");
  for (const char* h : kHostile) {
    Job j = base_job();
    const std::string v = std::string("v") + h;
    j.name = v;
    j.account = v;
    j.queue = v;
    j.partition = v;
    j.output = v;
    j.error = v;
    j.mail_events = {"end"};
    j.mail_user = v;
    j.export_vars = {{v, v}};
    j.array = v;
    j.after_ok = {v};
    j.constraint = v;
    j.nodelist = v;
    j.begin = v;
    for (const char* s : {"pbspro", "torque", "slurm"}) {
      const std::string script = render(s, j);
      const std::string prefix = std::string(s) == "slurm" ? "#SBATCH" : "#PBS";
      INFO(s << ", hostile value '" << h << "':\n" << script);
      // a newline inside a value would start a new line that is not a directive
      std::size_t body = script.find("\n\n");
      REQUIRE(body != std::string::npos);
      std::string header = script.substr(0, body + 1);
      std::size_t lines = 0, dirs = directives(script, prefix).size();
      for (char c : header) lines += c == '\n';
      CHECK(lines == dirs + 1);  // "#!/bin/bash" and directives, nothing else
      for (const auto& d : directives(script, prefix)) {
        // option and value: after the option word (PBS "-x value" has one space)
        std::string value = prefix == "#PBS" && d.size() > 3 ? d.substr(3) : d;
        CHECK_MESSAGE(std::regex_match(value, safe), "unsafe directive: " << prefix << " " << d);
        CHECK(value.find(' ') == std::string::npos);
      }
    }
  }
}

}  // TEST_SUITE
