"""Shared helpers of the hostile-input suite (tests/hostile/README in docs/hostile-input.md).

Fixtures are built in a temporary directory; modak runs as a subprocess with a timeout, so a hang
is a failure, not a stuck test. Nothing here talks to anything but loopback.
"""
import json
import os
import re
import shutil
import subprocess
import tempfile

CANARY = re.compile(r"^CANARY_[a-z0-9]+_[0-9]$")


def payload(tag):
    """Shell code in every form a script could run it; each would create CANARY_<tag>_<n>."""
    c = "CANARY_%s_" % tag
    return ("v$(touch {c}1)`touch {c}2`;touch {c}3&&touch {c}4|touch {c}5 '; touch {c}6; ' "
            "\"$(touch {c}7)\" *?[a] -x\n#SBATCH --x\n#PBS -x\ntouch {c}8 $(touch {c}9)").format(c=c)


def canaries(*dirs):
    """CANARY_<tag>_<n> files under `dirs` (sanitised names such as x__touch_CANARY_a_1 do not count)."""
    found = []
    for d in dirs:
        for root, _, files in os.walk(d):
            found += [os.path.join(root, f) for f in files if CANARY.match(f)]
    return found


class Result:
    def __init__(self, code, out, err):
        self.code, self.out, self.err = code, out, err
        self.text = out + err

    def has(self, code, where=None):
        """True when an error[code] diagnostic is printed (at `where`, a 'file:line:col' suffix)."""
        for line in self.text.splitlines():
            if "error[%s]" % code in line and (where is None or line.split(": error[")[0].endswith(where)):
                return True
        return False


def run(modak, *args, timeout=120, cwd=None):
    try:
        p = subprocess.run([modak, *args], capture_output=True, timeout=timeout, cwd=cwd)
    except subprocess.TimeoutExpired:
        return Result(-999, "", "TIMEOUT after %ss" % timeout)
    return Result(p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace"))


def write(path, text, mode="w"):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, mode) as f:
        f.write(text)
    return path


TOSCA = "tosca_definitions_version: tosca_simple_yaml_1_3\n"


def importing(*specs):
    return TOSCA + "imports:\n" + "".join("  - %s\n" % json.dumps(s) for s in specs)


def q(value):
    """A YAML double-quoted scalar for any string (JSON strings are YAML)."""
    return json.dumps(value)


# ---- a Gen-3 Slurm blueprint whose request carries every job option and application field ------
BENIGN_JOB = {"job_name": "hostile", "queue": "debug", "wall_time_limit": "00:02:00", "node_count": 1,
              "process_count_per_node": 1, "standard_output_file": "job.out", "combine_stdout_stderr": True,
              "copy_environment": True}
BENIGN_APP = {"app_tag": "hostile", "app_type": "hpc", "executable": "/bin/echo", "arguments": "ran",
              "container_runtime": "docker://library/busybox:1.36"}


def request(job=None, app=None, target="localhost-slurm", scheduler="slurm"):
    return {"job": {"job_options": {**BENIGN_JOB, **(job or {})},
                    "application": {**BENIGN_APP, **(app or {})},
                    "target": {"name": target, "job_scheduler_type": scheduler},
                    "optimisation": {"enable_opt_build": False, "enable_autotuning": False, "app_type": "hpc",
                                     "opt_build": {"cpu_type": "x86"},
                                     "app_type-hpc": {"config": {"parallelisation": "openmp"},
                                                      "parallelisation-openmp": {"number_of_threads": 1}}}}}


def blueprint(req, app_props=None, job_props=None, node="hostile", job_node="hostile-job"):
    """A SODALITE Gen-3 blueprint (target localhost-slurm) whose application carries `req`."""
    opt = req["job"]
    app = {"app_tag": "hostile", "app_type": "hpc", "executable": "/bin/echo", **(app_props or {})}
    job = {"job_name": "hostile", "content": "#!/bin/bash\n", **(job_props or {})}
    props = lambda d, ind: "".join("%s%s: %s\n" % (" " * ind, k, q(v) if isinstance(v, str) else json.dumps(v))
                                   for k, v in d.items())
    return (TOSCA + "imports:\n" + "".join("  - modules/hpc/app/%s.yml\n" % m for m in
                                          ("workload_managers", "runtimes", "apps", "workflows")) +
            "topology_template:\n  node_templates:\n"
            "    wm:\n      type: sodalite.nodes.hpc.WM\n      properties: {scheduler: slurm, username: root,"
            " hpc_label: localhost-slurm}\n      attributes: {public_address: localhost}\n"
            "      capabilities:\n        optimisations: {properties: {target: localhost-slurm}}\n"
            "    rt:\n      type: sodalite.nodes.batch.Container.Runtime\n      properties: {runtime: singularity}\n"
            "      requirements: [{host: wm}]\n"
            "    %s:\n      type: sodalite.nodes.batch.Container.Application\n"
            "      metadata:\n        optimisation: %s\n      properties:\n%s"
            "      requirements: [{runtime: rt}, {host: wm}]\n"
            "    %s:\n      type: sodalite.nodes.batch.Container.JobExecution\n      properties:\n%s"
            "      requirements: [{application: %s}, {runtime: rt}, {host: wm}]\n"
            % (q(node), q(json.dumps({k: v for k, v in opt.items() if k != "target"})), props(app, 8),
               q(job_node), props(job, 8), q(node)))


class Tmp:
    def __init__(self, name):
        self.path = tempfile.mkdtemp(prefix="modak-%s." % name)
        os.chmod(self.path, 0o755)

    def __call__(self, *parts):
        return os.path.join(self.path, *parts)

    def close(self):
        shutil.rmtree(self.path, ignore_errors=True)


class Report:
    """ok/FAIL lines per row; exit status 1 when a row failed."""

    def __init__(self):
        self.failed = []

    def check(self, row, ok, detail=""):
        print(("ok   - %s" if ok else "FAIL - %s") % row + ("" if ok or not detail else "\n       " +
                                                          str(detail).replace("\n", "\n       ")[:3000]))
        if not ok:
            self.failed.append(row)
        return ok

    def finish(self):
        if self.failed:
            print("%d row(s) failed: %s" % (len(self.failed), " ".join(self.failed)))
            return 1
        print("all rows passed")
        return 0
