#!/usr/bin/env python3
"""Every TOSCA file of ../shared/corpus/sodalite validates with zero errors in the sodalite profile
(imports mapped to the corpus copy of iac-modules), except the files listed in EXPECTED_FAILURES,
whose outcome is stated here explicitly with the reason.

Usage: corpus_sodalite_test.py MODAK SOURCE_DIR.  Exit 77 (skip) when ../shared is absent.
"""
import json
import os
import subprocess
import sys

# Foreign or deliberately broken material the corpus README flags, with the outcome we expect.
FLAGGED_PREFIXES = {
    "SODALITE-EU__defect-prediction/tosca/core/src/test/resources/security-smell/":
        "foreign samples (Alien4Cloud, Cloudify, MiCADO, TOSCA 1.0): not checked for a verdict, only that modak answers without crashing",
    "SODALITE-EU__verification/syntax/testResources/":
        "TOSCA 1.0 samples: not checked for a verdict, only that modak answers without crashing",
    "SODALITE-EU__xopera-rest-api/": "broken or edge-case CSARs on purpose: no crash, any verdict",
}
JINJA_SUFFIX = ".j2.yaml"  # platform-discovery-service Jinja templates: not YAML until rendered

# Non-flagged files whose imports are not in the corpus, or that are broken on purpose.
# file -> (expected exit code, diagnostic code that must appear, why)
EXPECTED_FAILURES = {
    "RADON-SODALITE__demo-hcp-rpi/test.yml": (1, "import-not-found", "imports RADON particles, not in the corpus"),
    "RADON-SODALITE__demo-radon-sodalite-snow-cloud/service.yaml": (1, "import-not-found", "imports RADON particles, not in the corpus"),
    "RADON-SODALITE__demo-radon-sodalite-snow-cloud/test_service.yaml": (1, "import-not-found", "imports RADON particles, not in the corpus"),
    "RADON-SODALITE__demo-snow-hpc-training/service.yml": (1, "import-not-found", "imports RADON particles, not in the corpus"),
    "SODALITE-EU__hpc-exporter/docker/service.yaml": (1, "import-not-found", "imports library/hpc-exporter/ssh-key-config.yaml, not in the corpus"),
    "SODALITE-EU__iac-platform-stack/docker-local/local_setup.yaml": (1, "import-not-found", "imports modules/sodalite/types.yaml, which exists in no library copy"),
    "SODALITE-EU__monitoring-system/rules-integration-poc/service.yaml": (1, "import-not-found", "imports ruleset.config.yml, not in the corpus"),
    "SODALITE-EU__image-builder/image-builder-rest-blueprint/docker-local/service.yaml": (1, "import-not-found", "imports library/config/types.yaml, not in the corpus"),
    "SODALITE-EU__image-builder/image-builder-rest-blueprint/openstack/service.yaml": (1, "import-not-found", "imports library/config/types.yaml, not in the corpus"),
    "SODALITE-EU__refactoring-ml/rule-based/src/test/resources/service.yaml": (1, "unknown-type", "a rule-engine test resource that uses sodalite.* types without importing any library"),
    "SODALITE-EU__iac-blueprint-builder/test/CSAR_unpacked/CSAR-wrong-tosca-version/service.yaml": (1, "unknown-version", "a builder test fixture with tosca_definitions_version: tosca_broken_yaml"),
}

# Blueprints written against the older library copy in iac-management/use-cases/modules.
OLD_LIBRARY_USERS = (
    "SODALITE-EU__iac-management/use-cases/tests-uc/",
    "SODALITE-EU__iac-management/use-cases/clinical-uc/data-mover/",
    "SODALITE-EU__iac-management/use-cases/clinical-uc/hpc-clinical-uc/",
)
# Blueprints whose `library/` is the repository's own folder (copied beside them in practice).
REPO_LIBRARY_USERS = ("SODALITE-EU__iac-platform-stack/",)


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
            if len(cols) >= 5 and cols[4].startswith("tosca"):
                files.append(cols[0])
    failures, checked, flagged = [], 0, 0
    for rel in files:
        lib = "SODALITE-EU__iac-modules"
        if rel.startswith(OLD_LIBRARY_USERS):
            lib = "SODALITE-EU__iac-management/use-cases/modules"
        cmd = [modak, "validate", "--profile", "sodalite", "--import-path",
               "modules=" + os.path.join(corpus, lib), "--format", "json", rel]
        if rel.startswith(REPO_LIBRARY_USERS):
            repo = rel.split("/")[0]
            cmd[4:4] = ["--import-path", "library=" + os.path.join(corpus, repo, "library")]
        p = subprocess.run(cmd, cwd=corpus, capture_output=True, text=True, timeout=60)
        if p.returncode < 0 or p.returncode > 2:
            failures.append("%s: crashed or bad exit code %d: %s" % (rel, p.returncode, p.stderr[-500:]))
            continue
        try:
            diags = json.loads(p.stdout)
        except ValueError:
            failures.append("%s: output is not JSON" % rel)
            continue
        errors = [d for d in diags if d["severity"] == "error"]
        checked += 1
        if rel.endswith(JINJA_SUFFIX) or any(rel.startswith(x) for x in FLAGGED_PREFIXES):
            flagged += 1
            if rel.endswith(JINJA_SUFFIX) and p.returncode == 0:
                failures.append("%s: a Jinja template was accepted as YAML" % rel)
            continue
        if rel in EXPECTED_FAILURES:
            rc, code, why = EXPECTED_FAILURES[rel]
            if p.returncode != rc or not any(d["code"] == code for d in errors):
                failures.append("%s: expected exit %d with %s (%s), got exit %d" % (rel, rc, code, why, p.returncode))
            continue
        if p.returncode != 0 or errors:
            first = "; ".join("%s:%s %s %s" % (d["file"].split("sodalite/")[-1], d["line"], d["code"], d["message"][:120]) for d in errors[:3])
            failures.append("%s: exit %d, %d errors: %s" % (rel, p.returncode, len(errors), first))
    for f in failures:
        print("FAIL", f)
    accepted = checked - flagged - len(EXPECTED_FAILURES)
    print("sodalite corpus: %d TOSCA files checked (%d accepted with zero errors, %d flagged foreign/Jinja, %d expected failures stated); %d failures"
          % (checked, accepted, flagged, len(EXPECTED_FAILURES), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
