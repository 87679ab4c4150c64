#!/usr/bin/python3
"""Generate a deterministic SODALITE Gen-3 HPC blueprint with N batch jobs.

    gen_gen3.py N OUT.yaml [--seed S]

The blueprint is of the kind `modak preprocess` is made for (compare
blueprints/resnet50-slurm, blueprints/mpi-solver-pbspro and
tests/blueprints/chain-dep-slurm): it imports the SODALITE library files
modules/hpc/app/{workload_managers,runtimes,apps,workflows}.yml, which modak
resolves against its own restatement in share/sodalite/, and holds

- two Slurm workload managers (`sodalite.nodes.hpc.WM`): a GPU cluster
  (target example-gpu-cluster) and a CPU cluster (target
  example-cpu-cluster), each with a Singularity
  `sodalite.nodes.batch.Container.Runtime`;
- per job, four node templates: a `sodalite.nodes.batch.Container.Application`
  with a MODAK optimisation request in `metadata.optimisation` (JSON text, as
  in SODALITE's blueprints), the `Container.JobExecution` that runs it (the job
  options a scheduler header is made from), a `workflow.Job` that submits it
  and a `workflow.Result` that waits for it;
- a mix of requests, so that the optimiser ranks real candidates: TensorFlow
  and PyTorch training on the GPU cluster (with or without XLA, with a data
  set to read), MPI solvers (Open MPI or MPICH, ranks and threads, a minimal
  efficiency, a storage class) and OpenMP codes on the CPU cluster;
- chains: about a quarter of the jobs wait for the previous job's result
  (`- dependency: <previous>-result` on their workflow.Job), in chains of up
  to four jobs;
- one output per chain head, up to 50 (the submitted job ids).

Debian's /usr/bin/python3, standard library only. The same N and seed always
give the same bytes. The blueprint validates with modak, and `modak
preprocess` renders it into a deployable one (bench/preprocess.sh checks
both).
"""

import argparse
import json
import random
import sys

DEFAULT_SEED = 20240601

TF_VERSIONS = ["2.1", "2.2", "2.4", "latest"]
TORCH_VERSIONS = ["1.5", "1.13", "latest"]
MPI_LIBS = [("openmpi", "3.1.3"), ("mpich", "3.3.1"), ("mpich", "3.1.4")]
STORAGE = ["default-high", "default-ultra_high", "default-common"]


def q(text):
    """A YAML double-quoted scalar (JSON string syntax is valid YAML)."""
    return json.dumps(text)


def block(text, indent):
    """A literal block scalar body, indented."""
    pad = " " * indent
    return "".join(pad + line + "\n" for line in text.splitlines())


def request_json(req):
    # Pretty-printed JSON in a literal block, as SODALITE's blueprints carry it.
    return json.dumps(req, indent=2, sort_keys=False)


def ai_job(rng, i):
    framework = "tensorflow" if rng.random() < 0.6 else "pytorch"
    if framework == "tensorflow":
        fw = {"version": rng.choice(TF_VERSIONS), "xla": rng.random() < 0.5}
    else:
        fw = {"version": rng.choice(TORCH_VERSIONS)}
    count = rng.choice([60000, 1281167, 50000, 250000])
    size = rng.choice([200, 1500, 150000, 12000])
    req = {
        "enable_opt_build": rng.random() < 0.3,
        "enable_autotuning": False,
        "app_type": "ai_training",
        "opt_build": {"cpu_type": "x86", "acc_type": "nvidia"},
        "app_type-ai_training": {
            "config": {"ai_framework": framework},
            "data": {"location": "/data/set-%d" % (i % 17), "basedata": "Imagenet",
                     "size": size, "count": count},
            "ai_framework-" + framework: fw,
        },
    }
    gpus = rng.choice([1, 1, 2, 4])
    props = {
        "app_type": "python",
        "executable": "python3 train.py" if framework == "tensorflow" else "torchrun train.py",
        "arguments": "--epochs %d --batch-size %d --data /data/set-%d" % (
            rng.randint(1, 90), rng.choice([32, 64, 96, 128, 256]), i % 17),
        "container_runtime": ("docker://tensorflow/tensorflow:2.1.0-gpu-py3" if framework == "tensorflow"
                              else "docker://pytorch/pytorch:1.5-cuda10.1-cudnn7-runtime"),
    }
    job = {
        "partition": "gpu",
        "wall_time_limit": "%02d:00:00" % rng.randint(1, 24),
        "node_count": 1,
        "core_count": 10 * gpus,
        "process_count_per_node": 1,
        "request_gpus": gpus,
        "copy_environment": True,
    }
    return "gpu", req, props, job


def mpi_job(rng, i):
    lib, version = rng.choice(MPI_LIBS)
    nodes = rng.choice([1, 2, 4, 8])
    per_node = rng.choice([16, 32, 64])
    ranks = nodes * per_node
    req = {
        "enable_opt_build": rng.random() < 0.5,
        "enable_autotuning": False,
        "app_type": "hpc",
        "opt_build": {"cpu_type": "x86"},
        "app_type-hpc": {
            "config": {"parallelisation": "mpi"},
            "data": {"location": "/scratch/run-%d" % i, "basedata": "RESTART",
                     "size": rng.choice([512, 2048, 40000]), "count": rng.choice([1, 64, 1000])},
            "parallelisation-mpi": {"library": lib, "version": version,
                                    "scaling_efficiency": rng.choice([0.7, 0.8, 0.9]),
                                    "core_subscription": 1,
                                    "message_size": rng.choice(["small", "medium", "large"])},
        },
    }
    props = {
        "app_type": "mpi",
        "executable": "/opt/solver/bin/solver",
        "arguments": "--grid %dx%dx%d --steps %d" % (
            rng.choice([256, 512, 1024]), rng.choice([256, 512, 1024]), rng.choice([128, 256]),
            rng.randint(100, 10000)),
        "container_runtime": "docker://solvers/heat3d:1.2-%s" % lib,
        "mpi_ranks": ranks,
        "threads": 1,
        "minimal_efficiency": rng.choice([0.5, 0.6, 0.7]),
        "storage_class_pref": rng.choice(STORAGE),
    }
    job = {
        "partition": "compute",
        "wall_time_limit": "%02d:%02d:00" % (rng.randint(0, 11), rng.choice([0, 15, 30, 45])),
        "node_count": nodes,
        "core_count": ranks,
        "process_count_per_node": per_node,
        "combine_stdout_stderr": True,
    }
    return "cpu", req, props, job


def openmp_job(rng, i):
    threads = rng.choice([4, 8, 16, 32, 64])
    req = {
        "enable_opt_build": False,
        "enable_autotuning": False,
        "app_type": "hpc",
        "opt_build": {"cpu_type": "x86"},
        "app_type-hpc": {"config": {"parallelisation": "openmp"},
                         "parallelisation-openmp": {"number_of_threads": threads}},
    }
    props = {
        "app_type": "hpc",
        "executable": "/opt/post/bin/postprocess",
        "arguments": "--input /scratch/run-%d --threads %d" % (i, threads),
        "container_runtime": "docker://library/ubuntu:22.04",
        "threads": threads,
    }
    job = {
        "partition": "compute",
        "wall_time_limit": "00:%02d:00" % rng.choice([10, 20, 30, 59]),
        "node_count": 1,
        "process_count_per_node": 1,
    }
    return "cpu", req, props, job


def scalar(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    return q(v)


def generate(n, seed):
    rng = random.Random(seed)
    out = []
    w = out.append
    w("tosca_definitions_version: tosca_simple_yaml_1_3\n\n")
    w("# SODALITE Gen-3 HPC blueprint with %d batch jobs, generated by bench/gen_gen3.py %d FILE --seed %d.\n"
      % (n, n, seed))
    w("# Deterministic: the same N and seed give the same bytes. Do not edit; regenerate.\n\n")
    w("imports:\n")
    for f in ("workload_managers", "runtimes", "apps", "workflows"):
        w("  - modules/hpc/app/%s.yml\n" % f)
    w("\ntopology_template:\n\n  inputs:\n")
    w("    frontend-address:\n      type: string\n      default: login.example.org\n")
    w("    hpc-username:\n      type: string\n      default: sodalite\n")
    w("    notify-email:\n      type: string\n      default: ops@example.org\n")
    # Read only by the playbooks of SODALITE's iac-modules; declared as the real blueprints do.
    for name, default in (("monitoring_id", "gen3-bench"), ("deployment_label", "gen3-bench"),
                          ("hpc_exporter_address", ""), ("jwt", "")):
        w("    %s:\n      type: string\n      default: %s\n" % (name, q(default)))

    w("\n  node_templates:\n")
    clusters = {
        "gpu": ("gpu-cluster", "example-gpu-cluster", 8, 320, 786432),
        "cpu": ("cpu-cluster", "example-cpu-cluster", 0, 8192, 16777216),
    }
    for key in ("gpu", "cpu"):
        name, target, gpus, cpus, mem = clusters[key]
        w("\n    %s:\n      type: sodalite.nodes.hpc.WM\n" % name)
        w("      properties:\n        scheduler: slurm\n        username: { get_input: hpc-username }\n")
        w("        hpc_label: %s\n        scrape_interval: 30\n" % name)
        w("      attributes:\n        public_address: { get_input: frontend-address }\n")
        w("      capabilities:\n        resources:\n          properties:\n")
        w("            gpus: %d\n            cpus: %d\n            memory: %d\n" % (gpus, cpus, mem))
        w("        optimisations:\n          properties:\n            target: %s\n" % target)
        w("\n    %s-singularity:\n      type: sodalite.nodes.batch.Container.Runtime\n" % name)
        w("      properties:\n        runtime: singularity\n        images_location: images\n")
        w("      requirements:\n        - host: %s\n" % name)

    heads = []
    chain_left = 0
    prev = None
    for i in range(n):
        r = rng.random()
        if r < 0.45:
            key, req, props, job = ai_job(rng, i)
        elif r < 0.8:
            key, req, props, job = mpi_job(rng, i)
        else:
            key, req, props, job = openmp_job(rng, i)
        host = clusters[key][0]
        app = "app-%05d" % i
        # Chains: a new chain starts with probability 0.15 and lasts 2-4 jobs.
        depends = None
        if chain_left > 0 and prev is not None:
            depends = prev
            chain_left -= 1
        elif rng.random() < 0.15:
            chain_left = rng.randint(1, 3)
        if depends is None and len(heads) < 50:
            heads.append(app)

        w("\n    %s:\n      type: sodalite.nodes.batch.Container.Application\n" % app)
        w("      metadata:\n        optimisation: |\n")
        w(block(request_json(req), 10))
        w("      properties:\n        app_tag: %s\n" % app)
        for k, v in props.items():
            w("        %s: %s\n" % (k, scalar(v)))
        w("      requirements:\n        - runtime: %s-singularity\n        - host: %s\n" % (host, host))

        w("\n    %s-job:\n      type: sodalite.nodes.batch.Container.JobExecution\n" % app)
        w("      properties:\n        job_name: %s\n" % app)
        for k, v in job.items():
            w("        %s: %s\n" % (k, scalar(v)))
        w("        standard_output_file: %s.out\n        standard_error_file: %s.err\n" % (app, app))
        if i % 10 == 0:
            w("        request_event_notification: END,FAIL\n")
            w("        email_address: { get_input: notify-email }\n")
        w("        workspace: %s\n" % q("~/bench/" + app))
        w("        content: %s\n" % q("#!/bin/bash\n# filled by modak preprocess\n"))
        w("      requirements:\n        - application: %s\n" % app)
        w("        - runtime: %s-singularity\n        - host: %s\n" % (host, host))

        w("\n    %s-run:\n      type: sodalite.nodes.workflow.Job\n" % app)
        w("      requirements:\n        - execution: %s-job\n        - host: %s\n" % (app, host))
        if depends is not None:
            w("        - dependency: %s-result\n" % depends)

        w("\n    %s-result:\n      type: sodalite.nodes.workflow.Result\n" % app)
        w("      properties:\n        monitor_period: %d\n" % rng.choice([10, 30, 60]))
        w("      requirements:\n        - job: %s-run\n        - host: %s\n" % (app, host))
        prev = app

    if heads:
        w("\n  outputs:\n")
        for app in heads:
            w("    %s-job-id:\n      description: Scheduler id of %s.\n" % (app, app))
            w("      value: { get_attribute: [ %s-run, job_id ] }\n" % app)
    return "".join(out)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("n", type=int, help="number of batch jobs (4 node templates each)")
    p.add_argument("out", help="output file")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    a = p.parse_args(argv)
    if a.n < 1:
        p.error("N must be at least 1")
    text = generate(a.n, a.seed)
    with open(a.out, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
