#!/usr/bin/python3
"""The hostile-input table (docs/hostile-input.md): one row per attack, each asserting the outcome
of one protection, so that removing the protection fails the row. Rows 4 (shell) run on the real
Slurm cluster in hostile_slurm_test.py; here the same scripts are checked with bash -n and run with
bash (launchers and downloaders record their argv) for every renderer.

Usage: hostile_input_test.py MODAK SOURCE_DIR [ROW-ID-PREFIX...]
"""
import http.server
import json
import os
import re
import subprocess
import sys
import threading
import zipfile

SRC = sys.argv[2]
sys.path.insert(0, os.path.join(SRC, "tests", "hostile"))
import common as c  # noqa: E402
import shell  # noqa: E402

MODAK = os.path.abspath(sys.argv[1])
ONLY = sys.argv[3:]
tmp = c.Tmp("hostile")
SECRET = c.write(tmp("outside", "secret.yaml"), c.TOSCA + "SECRET_MARKER: leaked\n")

# ---- fixtures -----------------------------------------------------------------------------------


def csar_dir(name, files, meta_entry=None, links=()):
    root = tmp(name)
    for path, text in files.items():
        c.write(os.path.join(root, path), text)
    if meta_entry is not None:
        c.write(os.path.join(root, "TOSCA-Metadata", "TOSCA.meta"),
                "TOSCA-Meta-File-Version: 1.0\nEntry-Definitions: %s\n" % meta_entry)
    for link, target in links:
        os.makedirs(os.path.dirname(os.path.join(root, link)), exist_ok=True)
        os.symlink(target, os.path.join(root, link))
    return root


def csar_zip(name, files, meta_entry=None, symlinks=()):
    path = tmp(name + ".csar")
    with zipfile.ZipFile(path, "w") as z:
        if meta_entry is not None:
            z.writestr("TOSCA-Metadata/TOSCA.meta", "TOSCA-Meta-File-Version: 1.0\nEntry-Definitions: %s\n" % meta_entry)
        for entry, text in files.items():
            z.writestr(zipfile.ZipInfo(entry), text)  # ZipInfo keeps '../x' and '/x' verbatim
        for entry, target in symlinks:
            info = zipfile.ZipInfo(entry)
            info.create_system, info.external_attr = 3, (0o120777 << 16)
            z.writestr(info, target)
    return path


def validate(*args):
    return c.run(MODAK, "validate", "--profile", "strict", *args, timeout=120)


def escaped(r, code, where=None):
    """The protection's diagnostic is printed, the outside file was not read, and modak exits non-zero."""
    ok = r.has(code, where) and "SECRET_MARKER" not in r.text and r.code in (1, 2)
    return ok, "exit %s\n%s" % (r.code, r.text)


class Server:
    """A loopback http server that counts requests per path; /redirect?URL answers 302 to URL."""

    def __init__(self, files):
        hits = self.hits = {}

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                hits[self.path] = hits.get(self.path, 0) + 1
                if self.path.startswith("/redirect?"):
                    self.send_response(302)
                    self.send_header("Location", self.path[len("/redirect?"):])
                    self.end_headers()
                    return
                body = files.get(self.path)
                self.send_response(200 if body is not None else 404)
                self.end_headers()
                self.wfile.write((body or "").encode())

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path, host="127.0.0.1"):
        return "http://%s:%d%s" % (host, self.port, path)


# ---- the table ----------------------------------------------------------------------------------
# Each row: id, category, input, protection, expected outcome, check() -> (ok, detail).
ROWS = []


def row(rid, category, what, protection, expected):
    def add(fn):
        ROWS.append((rid, category, what, protection, expected, fn))
        return fn
    return add


@row("P1", "path", "CSAR dir: imports ../secret.yaml", "importer resolve_local path_within", "import-escape at s.yaml:3:5")
def _():
    d = csar_dir("p1/csar", {"s.yaml": c.importing("../../outside/secret.yaml")})
    return escaped(validate(d), "import-escape", "s.yaml:3:5")


@row("P2", "path", "CSAR dir: imports an absolute path", "absolute = CSAR-root relative", "import-not-found")
def _():
    d = csar_dir("p2", {"s.yaml": c.importing(SECRET)})
    return escaped(validate(d), "import-not-found", "s.yaml:3:5")


@row("P3", "path", "CSAR dir: imports modules/../../secret.yaml", "library path_within + escapes", "import-escape")
def _():
    d = csar_dir("p3/csar", {"s.yaml": c.importing("modules/../../../outside/secret.yaml")})
    return escaped(validate(d), "import-escape", "s.yaml:3:5")


@row("P4", "path", "--import-path root: modules/../../outside/secret.yaml", "library path_within", "import-not-found")
def _():
    os.makedirs(tmp("p4", "lib"), exist_ok=True)
    bp = c.write(tmp("p4", "bp", "s.yaml"), c.importing("modules/../../outside/secret.yaml"))
    return escaped(validate("--import-path", "modules=" + tmp("p4", "lib"), bp), "import-not-found", "s.yaml:3:5")


@row("P5", "path", "CSAR dir: Entry-Definitions ../secret.yaml", "open_csar_dir path_within", "import-escape")
def _():
    d = csar_dir("p5", {"s.yaml": c.TOSCA}, meta_entry="../outside/secret.yaml")
    return escaped(validate(d), "import-escape", "TOSCA.meta:2:20")


@row("P6", "path", "CSAR dir: Entry-Definitions absolute", "open_csar_dir path_within", "import-escape")
def _():
    d = csar_dir("p6", {"s.yaml": c.TOSCA}, meta_entry=SECRET)
    return escaped(validate(d), "import-escape", "TOSCA.meta:2:20")


@row("P7", "path", "CSAR zip: Entry-Definitions ../x", "open_csar_zip normalize_relative_path", "import-escape")
def _():
    z = csar_zip("p7", {"../x.yaml": c.TOSCA + "SECRET_MARKER: 1\n"}, meta_entry="../x.yaml")
    return escaped(validate(z), "import-escape")


@row("P8", "path", "CSAR zip: import ../x (entry ../x exists)", "resolve_in_zip normalize_relative_path",
     "import-escape")
def _():
    z = csar_zip("p8", {"s.yaml": c.importing("../x.yaml"), "../x.yaml": c.TOSCA + "SECRET_MARKER: 1\n"}, "s.yaml")
    return escaped(validate(z), "import-escape", "s.yaml:3:5")


@row("P9", "path", "CSAR zip: entry /abs.yaml named by Entry-Definitions", "normalize_relative_path",
     "import-escape")
def _():
    z = csar_zip("p9", {"/abs.yaml": c.TOSCA + "SECRET_MARKER: 1\n"}, meta_entry="/abs.yaml")
    return escaped(validate(z), "import-escape")


@row("P10", "path", "CSAR zip: modules/../../.. climbs out of the library root", "resolve_in_zip libroot check",
     "import-escape")
def _():
    deep = "a/b/c/d/e/f/g/h/s.yaml"
    ups = "../" * 9 + SECRET.lstrip("/")
    z = csar_zip("p10", {deep: c.importing("modules/" + ups)}, meta_entry=deep)
    return escaped(validate(z), "import-escape", "s.yaml:3:5")


@row("S1", "symlink", "CSAR dir: imported file is a link out", "resolve_local canonical check", "import-escape")
def _():
    d = csar_dir("s1", {"s.yaml": c.importing("t.yaml")}, "s.yaml", links=[("t.yaml", SECRET)])
    return escaped(validate(d), "import-escape", "s.yaml:3:5")


@row("S2", "symlink", "CSAR dir: imported file under a linked directory", "resolve_local canonical check",
     "import-escape")
def _():
    d = csar_dir("s2", {"s.yaml": c.importing("lib/secret.yaml")}, links=[("lib", os.path.dirname(SECRET))])
    return escaped(validate(d), "import-escape", "s.yaml:3:5")


@row("S3", "symlink", "CSAR dir: Entry-Definitions is a link out", "open_csar_dir really_within", "import-escape")
def _():
    d = csar_dir("s3", {}, meta_entry="e.yaml", links=[("e.yaml", SECRET)])
    return escaped(validate(d), "import-escape", "TOSCA.meta:2:20")


@row("S4", "symlink", "CSAR dir without TOSCA.meta: the root YAML is a link out", "open_csar_dir really_within",
     "import-escape")
def _():
    d = csar_dir("s4", {}, links=[("e.yaml", SECRET)])
    return escaped(validate(d), "import-escape")


@row("S5", "symlink", "CSAR dir: TOSCA.meta is a link out", "open_csar_dir really_within", "import-escape")
def _():
    c.write(tmp("outside", "TOSCA.meta"), "TOSCA-Meta-File-Version: 1.0\nEntry-Definitions: s.yaml\n")
    d = csar_dir("s5", {"s.yaml": c.TOSCA}, links=[("TOSCA-Metadata/TOSCA.meta", tmp("outside", "TOSCA.meta"))])
    return escaped(validate(d), "import-escape")


@row("S6", "symlink", "--import-path root: imported file is a link out", "library really_within", "import-escape")
def _():
    os.makedirs(tmp("s6", "lib", "x"))
    os.symlink(SECRET, tmp("s6", "lib", "x", "t.yaml"))
    bp = c.write(tmp("s6", "bp", "s.yaml"), c.importing("modules/x/t.yaml"))
    return escaped(validate("--import-path", "modules=" + tmp("s6", "lib"), bp), "import-escape", "s.yaml:3:5")


@row("S7", "symlink", "CSAR zip: imported entry is a symlink entry", "ZipArchive::read is_symlink",
     "io-error 'symbolic link'")
def _():
    z = csar_zip("s7", {"s.yaml": c.importing("t.yaml")}, "s.yaml", symlinks=[("t.yaml", SECRET)])
    r = validate(z)
    ok, detail = escaped(r, "io-error", "s.yaml:3:5")
    return ok and "symbolic link" in r.text, detail


@row("U1", "url", "import from a host not in the allow-list", "fetch_url allow-list", "import-url, 0 requests")
def _():
    s = Server({"/x.yaml": c.TOSCA})
    r = validate("--allow-http", c.write(tmp("u1.yaml"), c.importing(s.url("/x.yaml"))))
    return r.has("import-url", "u1.yaml:3:5") and not s.hits, "hits %s\n%s" % (s.hits, r.text)


@row("U2", "url", "plain http without --allow-http", "fetch_url https only", "import-url, 0 requests")
def _():
    s = Server({"/x.yaml": c.TOSCA})
    r = validate("--allow-host", "127.0.0.1", c.write(tmp("u2.yaml"), c.importing(s.url("/x.yaml"))))
    return r.has("import-url", "u2.yaml:3:5") and not s.hits, "hits %s\n%s" % (s.hits, r.text)


@row("U3", "url", "file:// import", "fetch_url scheme check", "import-url, file not read")
def _():
    r = validate("--allow-host", "localhost", c.write(tmp("u3.yaml"), c.importing("file://" + SECRET)))
    return escaped(r, "import-url", "u3.yaml:3:5")


@row("U4", "url", "allowed host redirects to a host not allowed", "fetch_url per-hop allow-list",
     "import-url, target never requested")
def _():
    s = Server({"/secret.yaml": c.TOSCA + "SECRET_MARKER: 1\n"})
    url = s.url("/redirect?" + s.url("/secret.yaml", host="localhost"))
    r = validate("--allow-http", "--allow-host", "127.0.0.1", c.write(tmp("u4.yaml"), c.importing(url)))
    return (r.has("import-url", "u4.yaml:3:5") and "/secret.yaml" not in s.hits and "SECRET_MARKER" not in r.text,
            "hits %s\n%s" % (s.hits, r.text))


@row("U5", "url", "a fetched file imports ../secret.yaml", "resolve: URL-relative '..' refused",
     "import-escape, 0 requests for it")
def _():
    s = Server({"/d/x.yaml": c.importing("../secret.yaml"), "/secret.yaml": c.TOSCA + "SECRET_MARKER: 1\n"})
    r = validate("--allow-http", "--allow-host", "127.0.0.1", c.write(tmp("u5.yaml"), c.importing(s.url("/d/x.yaml"))))
    return r.has("import-escape", "x.yaml:3:5") and "/secret.yaml" not in s.hits, "hits %s\n%s" % (s.hits, r.text)


for rid, section, key, value in shell.FIELDS:
    runtimes = ("podman", "singularity") if key == "container_runtime" else ("none",)
    row(rid, "shell", "%s = shell code and '\\n#SBATCH --x'" % key,
        "single_quote/shell_word (body), directive_value (directives)",
        "bash -n ok, no injected directive, no CANARY when run (all renderers)")(
        lambda rid=rid, section=section, key=key, value=value, runtimes=runtimes: (
            lambda results: (all(ok for ok, _ in results), "\n".join(d for _, d in results)))(
            [shell.check_field(MODAK, tmp, "%s-%s" % (rid, rt), section, key, value, rt) for rt in runtimes]))


@row("X19", "shell", "image '--privileged' (leading '-')", "container_words/container_exec '--'",
     "podman/singularity get '--' before the image")
def _():
    problems = []
    for rt in ("podman", "singularity"):
        scripts, errors = shell.render_all(MODAK, tmp, "x19-" + rt, "app", "container_runtime", "--privileged", rt)
        problems += errors
        for label, script in scripts.items():
            work = tmp("x19-" + rt, "run-" + label)
            os.makedirs(work)
            shell.run_script(script, work)
            argv = next((a for a in shell.argv_logs(work).values() if "--privileged" in a), [])
            if rt == "singularity" and label.startswith("request"):
                continue  # MODAK's layout runs "$SINGULARITY_DIR/<name>.sif": never an option
            i = argv.index("--privileged") if "--privileged" in argv else -1
            if i < 1 or argv[i - 1] != "--":
                problems.append("%s: %s argv %s" % (label, rt, argv))
    return not problems, "\n".join(problems)


# ---- YAML injection: values written back into service.yaml and manifests --------------------------
YAML_VALUES = ["a: b", "- x", "{x: y}", "[1]", "&a", "*a", "!!python/object:os.system", "---", "...", "#c",
               "x\nkey: v", "null", "yes", "0x10", " lead", "trail ", "\ttab", "x #c", "'q'", '"dq"', "~", "1e3",
               "2001-12-14", "|", "%YAML 1.1", "@x", "a\n---\nb: c", "\\n", "1:00:00", "=", "<<"]


def yaml_roundtrip():
    import yaml
    meta = {"hostile.y%d" % i: v for i, v in enumerate(YAML_VALUES)}
    bp = c.blueprint(c.request()).replace("    wm:\n", "    wm:\n      metadata: %s\n" % json.dumps(meta), 1)
    out = tmp("y", "out")
    r = c.run(MODAK, "preprocess", "-q", c.write(tmp("y", "service.yaml"), bp), "-o", out)
    if r.code != 0:
        return {}, {}, r.text
    doc = yaml.safe_load(open(os.path.join(out, "service.yaml")))
    got = doc["topology_template"]["node_templates"]["wm"].get("metadata", {})
    # the same values as the arguments of a Kubernetes container, one single-quoted word each
    kout = tmp("y", "k8s")
    words = " ".join("'" + v.replace("'", "'\\''") + "'" for v in YAML_VALUES)
    kr = c.run(MODAK, "preprocess", "-q", "--adapter", "kubernetes", "--target", "example-k8s",
               c.write(tmp("y", "k8s.yaml"), c.blueprint(c.request(app={"arguments": words}))), "-o", kout)
    if kr.code != 0:
        return got, {}, kr.text
    files = [os.path.join(kout, "manifests", f) for f in os.listdir(os.path.join(kout, "manifests"))]
    docs = [d for f in files for d in yaml.safe_load_all(open(f))]
    args = docs[0]["spec"]["template"]["spec"]["containers"][0].get("args", []) if len(docs) == 1 else []
    manifests = {i: a for i, a in enumerate(args)}
    return got, manifests, ""


_yaml = {}
for i, v in enumerate(YAML_VALUES):
    @row("Y%d" % (i + 1), "yaml", "property value %r" % v, "emit_yaml quoting (tosca/yaml/emit.cpp)",
         "service.yaml and manifest reload (PyYAML) to the same string")
    def _(i=i, v=v):
        if not _yaml:
            _yaml["r"] = yaml_roundtrip()
        got, manifests, err = _yaml["r"]
        s, m = got.get("hostile.y%d" % i), manifests.get(i)
        return s == v and m == v, "service.yaml: %r, manifest args: %r, want %r %s" % (s, m, v, err)


# ---- Kubernetes names ---------------------------------------------------------------------------
DNS1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
LABEL = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
K8S_NAMES = ["Upper_Case.Name", "under_score", "dots.in.name", "ünïcödé-名前", "x" * 300, "0123leading-digits",
             "--leading-dashes--", "___", "a$(touch CANARY_k8s_1)b", "trailing-dash-" + "-" * 60]
_manifests = []


def k8s_names(value):
    import yaml
    out = tmp("k", "%d" % len(_manifests))
    r = c.run(MODAK, "preprocess", "-q", "--adapter", "kubernetes", "--target", "example-k8s",
              c.write(out + ".yaml", c.blueprint(c.request({"job_name": value}))), "-o", out)
    if r.code != 0:
        return False, r.text
    bad = []
    for f in sorted(os.listdir(os.path.join(out, "manifests"))):
        _manifests.append(os.path.join(out, "manifests", f))
        for d in yaml.safe_load_all(open(_manifests[-1])):
            names = [d["metadata"]["name"]] + [x["name"] for x in d["spec"]["template"]["spec"]["containers"]]
            labels = list(d["metadata"].get("labels", {}).values())
            bad += ["name %r" % n for n in names if not (DNS1123.match(n) and len(n) <= 63)]
            bad += ["label %r" % v for v in labels if not (LABEL.match(v) and len(v) <= 63)]
    return not bad, "; ".join(bad)


for i, v in enumerate(K8S_NAMES):
    row("K%d" % (i + 1), "k8s", "job name %r" % v[:40], "rfc1123_name (adapters/shell.cpp)",
        "metadata.name, container name: DNS-1123 label; labels valid")(lambda v=v: k8s_names(v))


@row("K%d" % (len(K8S_NAMES) + 1), "k8s", "all manifests of K1..", "rfc1123_name",
     "validate.js and strict_fields.py accept them")
def _():
    k8s = os.path.join(SRC, "tests", "real", "k8s")
    if not os.path.isdir(os.path.join(k8s, "node_modules", "kubernetes-models")) or not _manifests:
        if os.environ.get("MODAK_REQUIRE_K8S") == "1":
            return False, "tests/real/k8s validators missing (MODAK_REQUIRE_K8S=1)"
        print("SKIP: K validators (tests/real/k8s/node_modules missing)")
        return True, ""
    a = subprocess.run(["node", os.path.join(k8s, "validate.js"), *_manifests], capture_output=True, text=True)
    b = subprocess.run(["/usr/bin/python3", os.path.join(k8s, "strict_fields.py"), *_manifests], capture_output=True,
                       text=True)
    return a.returncode == 0 and b.returncode == 0, a.stdout + a.stderr + b.stdout + b.stderr


# ---- huge and deep values that reach the optimiser and renderer ------------------------------------
def limit_row(name, limit, flag, text_fn, at, exit_code):
    """The blueprint that `text_fn` makes is refused with error[limit] whose message ends with the
    limit's hint, located where `at(text)` says: (line, first column, last column) in that text,
    and modak exits with `exit_code` (2: the blueprint file itself could not be read, as for a
    YAML syntax error; 1: it was read and refused; docs/limits.md)."""
    def check():
        bp = text_fn(c.blueprint(c.request()))
        line, first, last = at(bp)
        r = c.run(MODAK, "preprocess", "-q", c.write(tmp("l", name + ".yaml"), bp), "-o", tmp("l", name), timeout=60)
        hint = "(limit %s; raise it with %s)" % (limit, flag)
        m = re.search(r"%s\.yaml:(\d+):(\d+): error\[limit\]: [^\n]*%s\n" % (name, re.escape(hint)), r.text + "\n")
        ok = bool(m) and int(m.group(1)) == line and first <= int(m.group(2)) <= last and r.code == exit_code
        return ok, "expected %s.yaml:%d:%d..%d: error[limit]: ... %s\nexit %s: %s" % (
            name, line, first, last, hint, r.code, r.text[:2000])
    return check


def value_at(key):
    """Where the value of `key` (the app property the L rows replace) lies: its line and columns."""
    def at(bp):
        for n, text in enumerate(bp.split("\n"), 1):
            if text.lstrip().startswith(key + ": "):
                start = text.index(key + ": ") + len(key) + 3
                return n, start, len(text)
        raise AssertionError("no %s in the blueprint" % key)
    return at


BIG = "x" * (10 << 20)
NEST = "[" * 100000 + "]" * 100000
BOMB = "{a0: &a0 [l,l,l,l,l,l,l,l,l], " + ", ".join("a%d: &a%d [%s]" % (i, i, ",".join(["*a%d" % (i - 1)] * 9))
                                                     for i in range(1, 10)) + "}"
row("L1", "limit", "a 10 MB scalar as a property", "loader max scalar 8 MiB", "located limit error, exit 2")(
    limit_row("l1", "max_scalar_bytes", "--max-scalar-bytes",
              lambda bp: bp.replace("app_tag: \"hostile\"", "app_tag: \"%s\"" % BIG),
              lambda bp: (lambda w: (w[0], w[1], w[1]))(value_at("app_tag")(bp)), 2))  # at the scalar's start
row("L2", "limit", "100 000-deep nesting as a property", "loader max depth 256", "located limit error, exit 2")(
    limit_row("l2", "max_depth", "--max-depth", lambda bp: bp.replace("app_tag: \"hostile\"", "app_tag: %s" % NEST),
              value_at("app_tag"), 2))
row("L3", "limit", "alias bomb (9^10 nodes) as a property", "loader max expanded nodes",
    "located limit error, exit 2")(
    limit_row("l3", "max_expanded_nodes", "--max-expanded-nodes",
              lambda bp: bp.replace("app_tag: \"hostile\"", "app_tag: " + BOMB), value_at("app_tag"), 2))
# The 2001st entry is the first over the count: line 2 is "imports:", the entries follow.
row("L4", "limit", "2001 imports", "importer max_imports 2000", "located limit error, exit 1")(
    limit_row("l4", "max_imports", "--max-imports",
              lambda bp: bp.replace("imports:\n", "imports:\n" + "  - modules/hpc/app/apps.yml\n" * 2001),
              lambda bp: (bp.split("\n").index("imports:") + 1 + 2001, 5, 5), 1))


def main():
    report = c.Report()
    print("# %d rows" % len(ROWS))
    for rid, category, what, protection, expected, fn in ROWS:
        if ONLY and not any(rid.startswith(p) for p in ONLY):
            continue
        try:
            ok, detail = fn()
        except Exception as e:  # a broken fixture is a failed row, not a crashed suite
            import traceback
            ok, detail = False, traceback.format_exc()
        report.check("%s [%s] %s -> %s" % (rid, category, what, expected), ok, detail)
    leaked = c.canaries(tmp.path)
    report.check("no CANARY file anywhere in the suite's directories", not leaked, leaked)
    code = report.finish()
    tmp.close()
    return code


if __name__ == "__main__":
    sys.exit(main())
