// modak submit/status without a scheduler: the job chain read from a rendered service template
// (order and afterok dependencies from workflow Job/Result `dependency:` requirements), the
// submission command lines, job-id parsing, and the state parsers (scontrol, sacct, Torque's
// qstat -x XML sample in tests/discover/samples). Live Slurm: tests/scripts/submit_test.sh.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "plugin/discover/xml.h"
#include "plugin/submit/follow.h"
#include "plugin/submit/submit.h"

using namespace modak::ops;

namespace {
std::string sample(const std::string& name) {
  std::ifstream in(std::string(MODAK_SOURCE_DIR) + "/tests/discover/samples/" + name, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), name);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Three jobs declared out of order: c after b's Result, b after a's Job; d independent.
const char* kService = R"(tosca_definitions_version: tosca_simple_yaml_1_3
topology_template:
  node_templates:
    c-job:
      type: sodalite.nodes.batch.Container.JobExecution
      properties: {job_name: cee, content: "#!/bin/bash\necho c\n"}
    c-run:
      type: sodalite.nodes.workflow.Job
      requirements:
        - execution: c-job
        - dependency: b-result
        - dependency: {node: a-run}
    b-job:
      type: sodalite.nodes.batch.Container.JobExecution
      properties: {job_name: bee, content: "#!/bin/bash\necho b\n"}
    b-run:
      type: sodalite.nodes.workflow.Job
      requirements:
        - execution: b-job
        - dependency: a-run
    b-result:
      type: sodalite.nodes.workflow.Result
      requirements:
        - job: b-run
    a-job:
      type: sodalite.nodes.batch.Container.JobExecution
      properties: {job_name: ay, content: "#!/bin/bash\necho a\n"}
    a-run:
      type: sodalite.nodes.workflow.Job
      requirements:
        - execution: a-job
    d-job:
      type: sodalite.nodes.batch.Container.JobExecution
      properties: {job_name: dee, content: "#!/bin/bash\necho d\n"}
)";
const std::vector<std::pair<std::string, std::string>> kScripts = {
    {"ay.sbatch", "#!/bin/bash\necho a\n"}, {"bee.sbatch", "#!/bin/bash\necho b\n"},
    {"cee.sbatch", "#!/bin/bash\necho c\n"}, {"dee.pbs", "#!/bin/bash\necho d\n"}};
}  // namespace

TEST_SUITE("unit") {
  TEST_CASE("submit: the job chain follows the blueprint's dependency requirements") {
    JobChain c = job_chain_from_text(kService, kScripts, "/out/jobs");
    REQUIRE(c.jobs.size() == 4);
    std::vector<std::string> order;
    for (const auto& j : c.jobs) order.push_back(j.node);
    auto pos = [&](const std::string& n) { return std::find(order.begin(), order.end(), n) - order.begin(); };
    CHECK(pos("a-job") < pos("b-job"));
    CHECK(pos("b-job") < pos("c-job"));
    const ChainJob& cj = c.jobs[pos("c-job")];
    CHECK(cj.after == std::vector<std::string>{"b-job", "a-job"});
    CHECK(cj.script == "/out/jobs/cee.sbatch");
    CHECK(cj.scheduler == "slurm");
    CHECK(c.jobs[pos("d-job")].scheduler == "pbs");
    CHECK(c.jobs[pos("d-job")].after.empty());
    CHECK(submit_command(cj, {"11", "10"}) ==
          std::vector<std::string>{"sbatch", "--parsable", "--dependency=afterok:11:10", "/out/jobs/cee.sbatch"});
    CHECK(submit_command(c.jobs[pos("a-job")], {}) == std::vector<std::string>{"sbatch", "--parsable", "/out/jobs/ay.sbatch"});
    ChainJob pbs = c.jobs[pos("d-job")];
    CHECK(submit_command(pbs, {"7.srv", "8.srv"}) ==
          std::vector<std::string>{"qsub", "-W", "depend=afterok:7.srv:8.srv", "/out/jobs/dee.pbs"});
  }

  TEST_CASE("submit: cycles and dangling dependencies are errors") {
    std::string cyc = kService;
    cyc += R"(    a-extra:
      type: sodalite.nodes.workflow.Job
      requirements:
        - execution: a-job
        - dependency: c-run
)";
    CHECK_THROWS_WITH_AS(job_chain_from_text(cyc, kScripts, "/out/jobs"), doctest::Contains("cycle"), ChainError);
    std::string dangling = kService;
    dangling += R"(    e-run:
      type: sodalite.nodes.workflow.Job
      requirements:
        - execution: d-job
        - dependency: nowhere
)";
    CHECK_THROWS_WITH_AS(job_chain_from_text(dangling, kScripts, "/out/jobs"), doctest::Contains("'nowhere'"), ChainError);
    // a JobExecution whose script is not in jobs/
    CHECK_THROWS_AS(job_chain_from_text(kService, {{"ay.sbatch", "#!/bin/bash\necho a\n"}}, "/out/jobs"), ChainError);
  }

  TEST_CASE("submit: job ids from sbatch, qsub and kubectl") {
    CHECK(parse_job_id("slurm", "1234\n") == "1234");
    CHECK(parse_job_id("slurm", "1234;cluster\n") == "1234");
    CHECK(parse_job_id("slurm", "Submitted batch job 77\n") == "77");
    CHECK(parse_job_id("slurm", "sbatch: error: oops\n") == "");
    CHECK(parse_job_id("pbs", "101.torque-head\n") == "101.torque-head");
    CHECK(parse_job_id("kubernetes", "job.batch/train created\n") == "job.batch/train");
  }

  TEST_CASE("status: scontrol and sacct states") {
    JobStatus s = parse_scontrol_job(
        "JobId=12 JobName=modak-fail-exit3 UserId=root(0) GroupId=root(0) Priority=1 JobState=FAILED Reason=NonZeroExitCode "
        "Dependency=(null) ExitCode=3:0 RunTime=00:00:01 Command=/tmp/x.sbatch\n");
    CHECK(s.id == "12");
    CHECK(s.state == "FAILED");
    CHECK(s.exit_code == "3:0");
    CHECK(s.done());
    CHECK(s.failed());
    JobStatus never = parse_scontrol_job("JobId=13 JobName=b JobState=PENDING Reason=DependencyNeverSatisfied ExitCode=0:0");
    CHECK(never.state == "NEVER_RUNS");
    CHECK(never.failed());
    JobStatus pend = parse_scontrol_job("JobId=14 JobName=b JobState=PENDING Reason=Dependency ExitCode=0:0");
    CHECK(pend.state == "PENDING");
    CHECK_FALSE(pend.done());
    CHECK(parse_scontrol_job("JobId=15 JobState=COMPLETING ExitCode=0:0").state == "RUNNING");
    JobStatus ok = parse_sacct("COMPLETED|0:0\n");
    CHECK(ok.state == "COMPLETED");
    CHECK_FALSE(ok.failed());
    CHECK(parse_sacct("CANCELLED by 0|0:15\n").state == "CANCELLED");
    CHECK(parse_sacct("OUT_OF_MEMORY|0:125\n").state == "FAILED");
    CHECK(parse_sacct("TIMEOUT|0:0\n").failed());
  }

  TEST_CASE("status: Torque qstat -x XML with several jobs") {
    auto jobs = parse_qstat_xml(sample("qstat-x-torque.xml"));
    REQUIRE(jobs.size() == 5);
    CHECK(jobs[0].id == "101.torque-head");
    CHECK(jobs[0].name == "equilibrate");
    CHECK(jobs[0].state == "COMPLETED");
    CHECK(jobs[1].state == "FAILED");
    CHECK(jobs[1].exit_code == "3");
    CHECK(jobs[2].state == "RUNNING");
    CHECK(jobs[3].state == "PENDING");
    CHECK(jobs[4].state == "CANCELLED");
    CHECK(jobs[4].failed());
    CHECK(parse_qstat_xml("").empty());  // qstat -x prints nothing when no job exists
    CHECK_THROWS_AS(parse_qstat_xml("<Data><Job>"), XmlError);
  }
}
