#!/usr/bin/python3
"""The shell rows of the hostile-input table (X*, tests/hostile/shell.py) on the real Slurm cluster:
every value that reaches a job script carries shell code; the Slurm scripts modak renders (its
Slurm adapter and MODAK's layout from `modak request`) are submitted with sbatch. Each job either
completes (COMPLETED 0:0, /bin/echo printing the hostile words as data) or - for the fields
Slurm checks itself (partition, account, ...) - is refused cleanly by sbatch; in no case does a
CANARY file appear. Replaces the single hostile blueprint that render_slurm_test.sh ran.

Usage: hostile_slurm_test.py MODAK SOURCE_DIR. Needs SLURM_CONF. Exit 77 = skipped (no cluster),
unless MODAK_REQUIRE_SLURM=1: then that is a failure.
"""
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(sys.argv[2], "tests", "hostile"))
import common as c  # noqa: E402
import shell  # noqa: E402

MODAK = os.path.abspath(sys.argv[1])
TIMEOUT = int(os.environ.get("RENDER_SLURM_TIMEOUT", "120"))
FINAL = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "PREEMPTED", "BOOT_FAIL",
         "DEADLINE"}


def unavailable(why):
    if os.environ.get("MODAK_REQUIRE_SLURM") == "1":
        print("FAIL - %s (MODAK_REQUIRE_SLURM=1)" % why)
        sys.exit(1)
    print("SKIP: " + why)
    sys.exit(77)


def job_field(job_id, name):
    out = subprocess.run(["scontrol", "show", "job", "-o", job_id], capture_output=True, text=True).stdout
    for word in out.split():
        if word.startswith(name + "="):
            return word[len(name) + 1:]
    return ""


def main():
    if not os.environ.get("SLURM_CONF"):
        unavailable("SLURM_CONF is not set (start a cluster: eval \"$(bash tests/real/slurm-up.sh)\")")
    for cmd in ("sbatch", "scontrol", "sinfo", "scancel"):
        if not shutil.which(cmd):
            unavailable(cmd + " not found")
    try:
        if subprocess.run(["sinfo", "-h"], capture_output=True, timeout=10).returncode != 0:
            unavailable("sinfo fails with SLURM_CONF=" + os.environ["SLURM_CONF"])
    except subprocess.TimeoutExpired:
        unavailable("sinfo does not answer")

    tmp, report, jobs, submitted = c.Tmp("hostile-slurm"), c.Report(), [], []
    try:
        for rid, section, key, value in shell.FIELDS:
            if key == "container_runtime":
                continue  # no container runtime on the test cluster: checked by hostile_input_test.py
            scripts, errors = shell.render_all(MODAK, tmp, rid, section, key, value)
            report.check("%s %s: rendered for Slurm" % (rid, key), not errors and "slurm" in scripts, errors)
            for label in ("slurm", "request-slurm"):
                if label not in scripts:
                    continue
                work = tmp(rid, "run-" + label)
                os.makedirs(work)
                shutil.copy(scripts[label], os.path.join(work, "job.sbatch"))
                p = subprocess.run(["sbatch", "--parsable", "job.sbatch"], cwd=work, capture_output=True, text=True)
                job_id = p.stdout.strip().split(";")[0] if p.returncode == 0 else ""
                if job_id:
                    submitted.append(job_id)
                jobs.append((rid, key, label, work, job_id, p.stderr.strip()))
        # The one-node cluster runs the jobs a few at a time; allow each its share under load.
        deadline = time.time() + max(TIMEOUT, 6 * len(jobs))
        states = {}
        for _, _, _, _, job_id, _ in jobs:
            while job_id and time.time() < deadline:
                states[job_id] = job_field(job_id, "JobState")
                if states[job_id] in FINAL:
                    break
                time.sleep(0.3)
        for rid, key, label, work, job_id, err in jobs:
            what = "%s %s (%s)" % (rid, key, label)
            leaked = c.canaries(work)
            report.check(what + ": no CANARY file", not leaked, leaked)
            if not job_id:
                report.check(what + ": sbatch refused it cleanly", key in shell.MAY_BE_REJECTED and
                             "sbatch: error:" in err, err)
                continue
            state, code = states.get(job_id), job_field(job_id, "ExitCode")
            report.check(what + ": job %s COMPLETED 0:0" % job_id, state == "COMPLETED" and code == "0:0",
                         "JobState=%s ExitCode=%s" % (state, code))
            if key in ("executable", "arguments"):
                out = "".join(open(os.path.join(work, f), errors="replace").read()
                              for f in os.listdir(work) if f.endswith(".out"))
                report.check(what + ": /bin/echo printed the shell code as data",
                             "$(touch CANARY_%s_7)" % key in out and "`touch CANARY_%s_2`" % key in out, out)
    finally:
        if submitted:
            subprocess.run(["scancel", *submitted], capture_output=True)
        tmp.close()
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
