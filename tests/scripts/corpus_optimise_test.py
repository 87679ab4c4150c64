#!/usr/bin/env python3
"""Every blueprint of ../shared/corpus/sodalite that carries an optimisation request (MODAK Gen-2
jobs; requests in node metadata or properties; the IaC builder's AADM JSON fixtures) optimises
without error, and every written blueprint validates with modak. The bundled examples too.

Usage: corpus_optimise_test.py MODAK SOURCE_DIR.  Exit 77 (skip) when ../shared is absent.
"""
import os
import re
import subprocess
import sys
import tempfile

REQUEST = re.compile(r"sodalite\.nodes\.modak\.job\b|^\s*(optimisation|optimization)\s*:", re.M)


def carries_request(path):
    try:
        text = open(path, encoding="utf-8", errors="replace").read()
    except OSError:
        return False
    if "node_templates" not in text:
        return False
    # Only templates, not the type library that defines sodalite.nodes.modak.job.
    body = text.split("node_templates", 1)[1]
    return bool(REQUEST.search(body))


def run(cmd, cwd=None):
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120)


def main():
    modak, source = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    corpus = os.path.normpath(os.path.join(source, "..", "shared", "corpus", "sodalite"))
    failures, checked = [], []
    out_dir = tempfile.mkdtemp(prefix="modak-optimise-")
    jobs = []  # (input, cwd, extra args, validate output?)
    for name in sorted(os.listdir(os.path.join(source, "blueprints"))):
        path = os.path.join(source, "blueprints", name, "service.yaml")
        if os.path.exists(path) and carries_request(path):
            jobs.append((path, None, [], True))
    if os.path.isdir(corpus):
        lib = os.path.join(corpus, "SODALITE-EU__iac-modules")
        with open(os.path.join(corpus, "PROVENANCE.tsv")) as f:
            next(f)
            for line in f:
                cols = line.rstrip("\n").split("\t")
                rel, kind = cols[0], cols[4] if len(cols) > 4 else ""
                if "security-smell" in rel or "testResources" in rel or "csar_unpacked" in rel.lower():
                    continue  # foreign samples, flagged by the corpus README
                full = os.path.join(corpus, rel)
                if kind.startswith("tosca") and carries_request(full):
                    jobs.append((full, corpus, ["--import-path", "modules=" + lib], True))
                elif kind == "json" and "iac-blueprint-builder/test/opt" in rel:
                    jobs.append((full, corpus, [], False))  # AADM JSON fixtures
    else:
        print("SKIP: ../shared/corpus/sodalite not present (bundled examples only)")
    for i, (path, cwd, extra, validate) in enumerate(jobs):
        out = os.path.join(out_dir, "%d-%s" % (i, os.path.basename(path)))
        cmd = [modak, "optimise", "-q"] + extra + [path]
        if validate:
            cmd += ["-o", out]
        p = run(cmd, cwd)
        checked.append(path)
        if p.returncode != 0:
            failures.append("%s: optimise exit %d: %s" % (path, p.returncode, p.stderr[-600:]))
            continue
        if validate:
            v = run([modak, "validate", "-q"] + extra + [out], cwd)
            if v.returncode != 0:
                failures.append("%s: the optimised output does not validate: %s" % (path, v.stderr[-600:]))
    for f in failures:
        print("FAIL", f)
    print("optimise corpus: %d blueprints and fixtures with requests optimised; %d failures" % (len(checked), len(failures)))
    if not os.path.isdir(corpus) and not failures:
        return 77
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
