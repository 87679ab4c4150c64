// MODAK's job-script layout (adapters/modak_layout.cpp) on hand-made Jobs: MODAK's exact text
// where MODAK was right, the fixes listed in docs/modak-compatibility.md where it was not.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "adapters/modak_layout.h"

using namespace modak::adapters;

namespace {

bool has_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

Job gpu_job() {
  Job j;
  j.name = "resnet";
  j.walltime_seconds = 12 * 3600;
  j.nodes = 1;
  j.tasks_per_node = 40;
  j.gpus_per_node = 1;
  j.output = "resnet.out";
  j.join_output = true;
  j.mail_events = {"begin", "end", "fail"};
  j.mail_user = "user@example.org";
  j.container_runtime = "singularity";
  j.image = "docker://modakopt/modak:tensorflow-2.1-gpu-src";
  j.executable = "./resnet_benchmark.sh";
  return j;
}

ModakLayout layout(const std::string& scheduler) {
  ModakLayout l;
  l.scheduler = scheduler;
  l.notification = "abe";
  return l;
}

ModakScript xla_script() {
  ModakScript s;
  s.fragment = "tensorflow-xla";
  s.uuid = "16c9b730-9a2d-4d80-b4c9-a045ab885984";
  s.raw = "mkdir xla_dump\nexport TF_XLA_FLAGS=\"--tf_xla_auto_jit=2 --tf_xla_cpu_global_jit\"";
  return s;
}

}  // namespace

TEST_SUITE("unit") {
  TEST_CASE("modak layout: Torque header and body are MODAK's, byte for byte") {
    std::vector<std::string> notes;
    ModakLayout l = layout("torque");
    l.scripts = {xla_script()};
    const std::string s = render_modak_script(gpu_job(), l, notes);
    CHECK(s ==
          "#PBS -S /bin/bash\n"
          "## START OF HEADER ##\n"
          "#PBS -N resnet\n"
          "#PBS -l walltime=12:00:00\n"
          "#PBS -l nodes=1:ppn=40:gpus=1\n"
          "#PBS -o resnet.out\n"
          "#PBS -j oe\n"
          "#PBS -m abe\n"
          "#PBS -M user@example.org\n"
          "## END OF HEADER ##\n"
          "\n"
          "cd \"${PBS_O_WORKDIR}\"\n"
          "export PATH=\"${PBS_O_WORKDIR}:${PATH}\"\n"
          "# MODAK: Start Script<id=16c9b730-9a2d-4d80-b4c9-a045ab885984>\n"
          "mkdir xla_dump\n"
          "export TF_XLA_FLAGS=\"--tf_xla_auto_jit=2 --tf_xla_cpu_global_jit\"\n"
          "# MODAK: End   Script<id=16c9b730-9a2d-4d80-b4c9-a045ab885984>\n"
          "singularity exec \"--nv\" \"$SINGULARITY_DIR/modak_tensorflow-2.1-gpu-src.sif\" ./resnet_benchmark.sh\n");
  }

  TEST_CASE("modak layout: Slurm header, with --error= and converted mail types") {
    std::vector<std::string> notes;
    Job j = gpu_job();
    j.error = "resnet.err";
    const std::string s = render_modak_script(j, layout("slurm"), notes);
    CHECK(s.rfind("#!/bin/bash\n## START OF HEADER ##\n#SBATCH -J resnet\n", 0) == 0);
    CHECK(has_line(s, "#SBATCH --time=12:00:00"));
    CHECK(has_line(s, "#SBATCH -N 1"));
    CHECK(has_line(s, "#SBATCH --ntasks-per-node=40"));
    CHECK(has_line(s, "#SBATCH --gres=gpu:1"));
    CHECK(has_line(s, "#SBATCH --output=resnet.out"));
    CHECK(has_line(s, "#SBATCH --error=resnet.err"));  // MODAK: "-error=" (not an sbatch option)
    CHECK(count(s, "-error=") == 1);
    CHECK(has_line(s, "#SBATCH --mail-type=BEGIN,END,FAIL"));  // MODAK: "--mail-type=abe"
    CHECK(has_line(s, "#SBATCH --mail-user=user@example.org"));
    CHECK(has_line(s, "## END OF HEADER ##"));
    CHECK(s.find("## END OF HEADER ##\n\ncd \"${SLURM_SUBMIT_DIR}\"\nexport PATH=\"${SLURM_SUBMIT_DIR}:${PATH}\"\n") !=
          std::string::npos);
    CHECK(s.find("-j oe") == std::string::npos);
  }

  TEST_CASE("modak layout: mail letters and words convert both ways") {
    std::vector<std::string> notes;
    Job j = gpu_job();
    j.mail_events = {"begin", "end"};  // given as Slurm words "BEGIN,END"
    ModakLayout t = layout("torque");
    t.notification = "BEGIN,END";
    CHECK(has_line(render_modak_script(j, t, notes), "#PBS -m be"));
    j.mail_events.clear();
    ModakLayout s = layout("slurm");
    s.notification = "n";
    CHECK(has_line(render_modak_script(j, s, notes), "#SBATCH --mail-type=NONE"));
  }

  TEST_CASE("modak layout: walltime over 24 hours") {
    CHECK(modak_walltime(3600, "torque") == "1:00:00");  // Python str(timedelta), as MODAK
    CHECK(modak_walltime(12 * 3600, "slurm") == "12:00:00");
    CHECK(modak_walltime(30 * 3600 + 61, "torque") == "30:01:01");  // MODAK: "1 day, 6:01:01"
    CHECK(modak_walltime(30 * 3600 + 61, "slurm") == "1-06:01:01");
    CHECK(modak_walltime(48 * 3600, "slurm") == "2-00:00:00");
    std::vector<std::string> notes;
    Job j = gpu_job();
    j.walltime_seconds = 36 * 3600;
    CHECK(has_line(render_modak_script(j, layout("torque"), notes), "#PBS -l walltime=36:00:00"));
    CHECK(has_line(render_modak_script(j, layout("slurm"), notes), "#SBATCH --time=1-12:00:00"));
  }

  TEST_CASE("modak layout: fragments wrapped with MODAK's uuid, or modak's id when MODAK had none") {
    std::vector<std::string> notes;
    ModakLayout l = layout("torque");
    ModakScript own;
    own.fragment = "hlrs-testbed-path";
    own.commands = {"export PATH=/usr/local/bin:$PATH"};
    ModakScript post;
    post.fragment = "copy-out";
    post.stage = "post";
    post.raw = "cp out {{ preferred_storage_location }}/";
    l.scripts = {xla_script(), own, post};
    l.storage_location = "/scratch";
    const std::string s = render_modak_script(gpu_job(), l, notes);
    CHECK(s.find("# MODAK: Start Script<id=16c9b730-9a2d-4d80-b4c9-a045ab885984>\nmkdir xla_dump\n") != std::string::npos);
    CHECK(s.find("# MODAK: Start Script<id=hlrs-testbed-path>\nexport PATH=/usr/local/bin:$PATH\n"
                 "# MODAK: End   Script<id=hlrs-testbed-path>\n") != std::string::npos);
    // post scripts come after the run line, with the storage location rendered
    auto run = s.find("singularity exec");
    auto p = s.find("# MODAK: Start Script<id=copy-out>\ncp out /scratch/\n# MODAK: End   Script<id=copy-out>\n");
    REQUIRE(p != std::string::npos);
    CHECK(run < p);
  }

  TEST_CASE("modak layout: MPI job builds once, outside mpirun, from a verified download") {
    std::vector<std::string> notes;
    Job j;
    j.name = "mpi_test";
    j.walltime_seconds = 3600;
    j.nodes = 2;
    j.tasks_per_node = 40;
    j.ranks = 80;
    j.threads = 2;
    j.container_runtime = "singularity";
    j.image = "docker://ethcscs/mpich:ub1804_cuda101_mpi314_gnugprof";
    j.executable = "./xthi";
    j.build = Build{"https://example.org/src/Xthi.c", "mpicc -o xthi -fopenmp Xthi.c", 1};
    ModakLayout l = layout("torque");
    l.notification.clear();
    l.app_type = "hpc";
    l.core_count = 40;  // contradicts nodes=2:ppn=40: left out
    const std::string s = render_modak_script(j, l, notes);
    CHECK(has_line(s, "#PBS -l nodes=2:ppn=40"));
    CHECK(s.find("procs=") == std::string::npos);
    CHECK(s.find("--no-check-certificate") == std::string::npos);
    CHECK(has_line(s, "wget -O Xthi.c https://example.org/src/Xthi.c"));
    const std::string build = "singularity exec \"$SINGULARITY_DIR/mpich_ub1804_cuda101_mpi314_gnugprof.sif\" mpicc -o xthi -fopenmp Xthi.c";
    CHECK(has_line(s, build));
    CHECK(count(s, "mpicc") == 1);
    CHECK(s.find("mpirun -np 80 singularity exec") != std::string::npos);
    CHECK(s.find("mpirun -np 80 singularity exec \"$SINGULARITY_DIR/mpich_ub1804_cuda101_mpi314_gnugprof.sif\" mpicc") ==
          std::string::npos);
    CHECK(s.find("\nexport OMP_NUM_THREADS=2\nmpirun -np 80 singularity exec \"$SINGULARITY_DIR/"
                 "mpich_ub1804_cuda101_mpi314_gnugprof.sif\" ./xthi\n") != std::string::npos);
    CHECK_FALSE(notes.empty());  // the core_count contradiction is reported

    // Slurm launches with srun; git sources are cloned; {{BUILD_PARALLELISM}} is rendered.
    j.build = Build{"https://example.org/app.git", "make -j {{BUILD_PARALLELISM}}", 8};
    const std::string t = render_modak_script(j, layout("slurm"), notes);
    CHECK(has_line(t, "git clone https://example.org/app.git"));
    CHECK(t.find("\" make -j 8\n") != std::string::npos);
  }

  TEST_CASE("modak layout: ppn is the job's, not forced to 1, procs only without a node count") {
    std::vector<std::string> notes;
    Job j = gpu_job();
    j.tasks_per_node = 8;
    j.nodes = 3;
    CHECK(has_line(render_modak_script(j, layout("torque"), notes), "#PBS -l nodes=3:ppn=8:gpus=1"));
    ModakLayout l = layout("torque");
    l.node_count_given = false;
    l.core_count = 24;
    const std::string s = render_modak_script(j, l, notes);
    CHECK(has_line(s, "#PBS -l procs=24"));
    CHECK(s.find("nodes=") == std::string::npos);
  }

  TEST_CASE("modak layout: user values never execute") {
    std::vector<std::string> notes;
    Job j = gpu_job();
    j.executable = "python3 train.py";
    j.arguments = "\"--out=$(rm -rf ~)\" --dir ${HOME}/data `id` a;b";
    j.mail_user = "x@y.org; rm -rf /";
    j.image = "docker://evil/x:$(id)";
    j.build = Build{"https://example.org/a.tgz; id", "make && make install", 1};
    const std::string s = render_modak_script(j, layout("torque"), notes);
    CHECK(s.find("python3 train.py '--out=$(rm -rf ~)' --dir \"${HOME}/data\" '`id`' 'a;b'\n") != std::string::npos);
    CHECK(has_line(s, "#PBS -M x@y.org__rm_-rf_/"));
    CHECK(s.find("$SINGULARITY_DIR/x___id_.sif") != std::string::npos);
    CHECK(s.find("'https://example.org/a.tgz; id'") != std::string::npos);
    CHECK(s.find("sh -c 'make && make install'") != std::string::npos);
  }

  TEST_CASE("modak layout: plain bash without a scheduler, no container, no stray space") {
    std::vector<std::string> notes;
    Job j = gpu_job();
    j.container_runtime = "none";
    const std::string s = render_modak_script(j, layout("none"), notes);
    CHECK(s == "#!/bin/bash\n\n./resnet_benchmark.sh\n");
    CHECK(modak_sif_path("library://tensorflow_2.2.1-gpu-py3") == "$SINGULARITY_DIR/tensorflow_2.2.1-gpu-py3.sif");
  }
}
