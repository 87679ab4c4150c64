#!/usr/bin/env python3
"""`modak preprocess` on the SODALITE blueprints of ../shared/corpus/sodalite that deploy HPC jobs
(generations 1-3: hpc.job.torque/slurm triplets, MODAK jobs, batch containers) or Kubernetes
resources: every output directory is written and validates with zero errors.

Usage: corpus_preprocess_test.py MODAK SOURCE_DIR.  Exit 77 (skip) when ../shared is absent.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

HPC_OR_K8S = re.compile(r"type:\s*\S*(sodalite\.nodes\.hpc\.|sodalite\.nodes\.batch\.|sodalite\.nodes\.modak\.job|"
                        r"sodalite\.nodes\.workflow\.|sodalite\.nodes\.Kubernetes\.)")
SKIP = ("security-smell", "testResources", "xopera-rest-api", ".j2.yaml")
# Blueprints whose imports are not in the corpus (the sodalite corpus test states these outcomes).
NOT_LOADABLE = ("RADON-SODALITE__", "SODALITE-EU__hpc-exporter/docker/service.yaml",
                "SODALITE-EU__refactoring-ml/", "CSAR-wrong-tosca-version")
OLD_LIBRARY = ("SODALITE-EU__iac-management/use-cases/tests-uc/", "SODALITE-EU__iac-management/use-cases/clinical-uc/data-mover/",
               "SODALITE-EU__iac-management/use-cases/clinical-uc/hpc-clinical-uc/")


def main():
    modak, source = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    corpus = os.path.normpath(os.path.join(source, "..", "shared", "corpus", "sodalite"))
    if not os.path.isdir(corpus):
        print("SKIP: ../shared/corpus/sodalite not present")
        return 77
    files = []
    with open(os.path.join(corpus, "PROVENANCE.tsv")) as f:
        next(f)
        for line in f:
            cols = line.rstrip("\n").split("\t")
            rel = cols[0]
            if len(cols) < 5 or not cols[4].startswith("tosca") or any(s in rel for s in SKIP) or rel.startswith(NOT_LOADABLE):
                continue
            if any(rel.startswith(x) or x in rel for x in NOT_LOADABLE):
                continue
            text = open(os.path.join(corpus, rel), encoding="utf-8", errors="replace").read()
            if "node_templates" in text and HPC_OR_K8S.search(text.split("node_templates", 1)[1]):
                files.append(rel)
    work = tempfile.mkdtemp(prefix="modak-preprocess-")
    failures = []
    try:
        for i, rel in enumerate(files):
            lib = "SODALITE-EU__iac-management/use-cases/modules" if rel.startswith(OLD_LIBRARY) else "SODALITE-EU__iac-modules"
            args = ["--profile", "sodalite", "--import-path", "modules=" + os.path.join(corpus, lib), "-q"]
            out = os.path.join(work, str(i))
            p = subprocess.run([modak, "preprocess"] + args + [rel, "-o", out], cwd=corpus, capture_output=True, text=True,
                               timeout=120)
            if p.returncode != 0:
                failures.append("%s: preprocess exit %d: %s" % (rel, p.returncode, (p.stderr + p.stdout)[-500:]))
                continue
            v = subprocess.run([modak, "validate"] + args + [os.path.join(out, "service.yaml")], cwd=corpus,
                               capture_output=True, text=True, timeout=120)
            if v.returncode != 0:
                failures.append("%s: the output does not validate: %s" % (rel, v.stderr[-500:]))
            shutil.rmtree(out, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for f in failures:
        print("FAIL", f)
    for rel in files:
        print("  preprocessed", rel)
    print("preprocess corpus: %d SODALITE HPC and Kubernetes blueprints preprocessed and re-validated; %d failures"
          % (len(files), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
