"""Row 4 helpers: every value that reaches a job script, rendered by every batch renderer.

FIELDS lists (row id, request section, key, value) — each value is common.payload(tag): shell
code in every form ($(), backticks, ;, &&, |, quotes, globs, a leading '-', and newlines followed
by '#SBATCH --x' / '#PBS -x'). RENDERERS lists the scripts made from one request.
"""
import json
import os
import re
import subprocess

import common as c

P = c.payload
FIELDS = [
    ("X1", "job", "job_name", P("jobname")),
    ("X2", "job", "account", P("account")),
    ("X3", "job", "queue", P("queue")),
    ("X4", "job", "partition", P("partition")),
    ("X5", "job", "request_specific_nodes", P("nodelist")),
    ("X6", "job", "job_array", P("array")),
    ("X7", "job", "standard_output_file", P("output")),
    ("X8", "job", "standard_error_file", P("error")),
    ("X9", "job", "architecture_constraint", P("constraint")),
    ("X10", "job", "copy_environment_variable", "A=%s,B%s=1" % (P("envvalue"), P("envname"))),
    ("X11", "job", "job_dependency", P("dependency")),
    ("X12", "job", "email_address", P("email")),
    ("X13", "job", "defer_job", P("begin")),
    ("X14", "job", "memory_limit", P("memory")),
    ("X15", "job", "request_event_notification", P("mail")),
    ("X16", "app", "executable", "/bin/echo " + P("executable")),
    ("X17", "app", "arguments", P("arguments")),
    ("X18", "app", "container_runtime", "docker://" + P("image")),
]
# The Slurm rows run for real; these fields make sbatch refuse the job (no such partition, ...),
# which is a clean outcome too.
MAY_BE_REJECTED = {"account", "queue", "partition", "request_specific_nodes", "job_array",
                   "architecture_constraint", "job_dependency", "defer_job", "email_address"}

SAFE_DIRECTIVE = re.compile(r"^#(SBATCH|PBS) [-A-Za-z0-9._%@+,:=/ ]*$")
# The programs a job script hands the user's words to. Here bash runs the script for real, and each of
# these is an argv recorder, so that a row can check the words arrive as data: the real tools are not
# installed (singularity, apptainer, torchrun, horovodrun, mpirun), would reach the network (curl,
# git, wget; tests talk to loopback only) or pull images (podman). srun runs for real in
# hostile_slurm_test.py, on the Slurm cluster.
RECORDED = ("srun", "mpirun", "podman", "singularity", "apptainer", "curl", "git", "wget", "torchrun", "horovodrun")


def render_all(modak, tmp, name, section, key, value, runtime="none"):
    """Renders the request with the hostile value through every batch renderer: {label: script}."""
    req = c.request(**{section: {key: value}})
    bp = c.write(tmp(name, "service.yaml"), c.blueprint(req))
    c.write(tmp(name, "request.json"), json.dumps(req))
    scripts, errors = {}, []
    for adapter in ("slurm", "pbspro", "torque", "batch"):
        out = tmp(name, "out-" + adapter)
        r = c.run(modak, "preprocess", "-q", "--adapter", adapter, "--container-runtime", runtime, bp, "-o", out)
        files = [os.path.join(out, "jobs", f) for f in sorted(os.listdir(os.path.join(out, "jobs")))] \
            if r.code == 0 and os.path.isdir(os.path.join(out, "jobs")) else []
        if len(files) != 1:
            errors.append("%s: modak preprocess exit %s, %d scripts: %s" % (adapter, r.code, len(files), r.text))
        else:
            scripts[adapter] = files[0]
    for sched in ("slurm", "torque"):
        req["job"]["target"]["job_scheduler_type"] = sched
        c.write(tmp(name, "request-%s.json" % sched), json.dumps(req))
        script = tmp(name, "modak-%s.sh" % sched)
        r = c.run(modak, "request", "-q", "--container-runtime", runtime, tmp(name, "request-%s.json" % sched),
                  "--script-out", script, "-o", os.devnull)
        if r.code != 0 or not os.path.exists(script):
            errors.append("modak request (%s): exit %s: %s" % (sched, r.code, r.text))
        else:
            scripts["request-" + sched] = script
    return scripts, errors


def header(script):
    """The lines sbatch and qsub read directives from: up to the first command line."""
    out = []
    for line in open(script, encoding="utf-8", errors="replace").read().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            break
        out.append(line)
    return out


def directive_problems(script):
    lines = header(script)
    bad = [l for l in lines if l.startswith(("#SBATCH", "#PBS")) and not SAFE_DIRECTIVE.match(l)]
    bad += [l for l in lines if l.strip() in ("#SBATCH --x", "#PBS -x")]
    return bad


def argv_logs(workdir):
    """{tool: [argv words]} the argv recorders logged."""
    out = {}
    for tool in RECORDED:
        path = os.path.join(workdir, ".argv-" + tool)
        if os.path.exists(path):
            out[tool] = open(path, encoding="utf-8", errors="replace").read().split("\n")
    return out


def run_script(script, workdir, timeout=30):
    """Runs a rendered script with bash in `workdir`; launchers and downloaders are argv recorders."""
    recorders = os.path.join(workdir, ".recorders")
    os.makedirs(recorders, exist_ok=True)
    for tool in RECORDED:
        c.write(os.path.join(recorders, tool), "#!/bin/sh\nprintf '%%s\\n' \"$@\" >> '%s/.argv-%s'\n" % (workdir, tool))
        os.chmod(os.path.join(recorders, tool), 0o755)
    env = {"PATH": recorders + ":/usr/bin:/bin", "HOME": workdir, "SINGULARITY_DIR": workdir,
           "SLURM_SUBMIT_DIR": workdir, "PBS_O_WORKDIR": workdir}
    try:
        p = subprocess.run(["bash", script], cwd=workdir, env=env, capture_output=True, timeout=timeout)
        logs = "".join("\n[%s argv] %s" % (t, "\n".join(a)) for t, a in argv_logs(workdir).items())
        return p.returncode, (p.stdout + p.stderr).decode("utf-8", "replace") + logs
    except subprocess.TimeoutExpired:
        return -999, "TIMEOUT"


def check_field(modak, tmp, rid, section, key, value, runtime="none"):
    """(ok, detail) for one field over every renderer: bash -n, safe directives, no canary when run."""
    scripts, problems = render_all(modak, tmp, rid, section, key, value, runtime)
    for label, script in scripts.items():
        syntax = subprocess.run(["bash", "-n", script], capture_output=True)
        if syntax.returncode != 0:
            problems.append("%s: bash -n: %s" % (label, syntax.stderr.decode()))
        bad = directive_problems(script)
        if bad:
            problems.append("%s: unsafe or injected directive lines: %s" % (label, bad))
        work = tmp(rid, "run-" + label)
        os.makedirs(work)
        code, out = run_script(script, work)
        leaked = c.canaries(work)
        if leaked or code == -999:
            problems.append("%s: ran shell code from the blueprint (exit %s): %s\n%s" % (label, code, leaked, out))
        if key in ("executable", "arguments") and "$(touch CANARY_%s_7)" % key not in out:
            problems.append("%s: /bin/echo did not print the hostile words as data: %s" % (label, out))
    return not problems, "\n".join(problems)
