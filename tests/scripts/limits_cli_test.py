#!/usr/bin/python3
"""Every input limit through the modak command (docs/limits.md): for each flag, a small valid
blueprint is valid with the defaults and, with the limit set low, fails with exit status 1 (or 2
when the blueprint itself cannot be read) and an error located at file:line:col that names the
limit and the flag. The URL limits run against loopback servers only: one sends a body larger
than --max-fetch-bytes, one accepts and never answers (--fetch-timeout must cut it off in
seconds), one answers after 2 s (within the default, over --fetch-timeout 1). The C API takes the
same limits by name (through the Python module, when libmodak is built). Malformed values are
usage errors (exit 2).

Usage: limits_cli_test.py MODAK SOURCE_DIR
"""
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zipfile

MODAK = os.path.abspath(sys.argv[1])
SRC = sys.argv[2]

# A sanitizer build's libmodak.so (the C API checks below) needs the ASan runtime preloaded into
# python3 (MODAK_SANITIZER_PRELOAD, set by tests/CMakeLists.txt): restart with it. The modak binary
# carries its own runtime, so its runs get the environment this test started with.
PRELOAD = os.environ.get("MODAK_SANITIZER_PRELOAD")
if PRELOAD and os.environ.get("LD_PRELOAD") != PRELOAD:
    env = dict(os.environ, LD_PRELOAD=PRELOAD, ASAN_OPTIONS="detect_leaks=0",
               MODAK_TEST_ENV=json.dumps(dict(os.environ)))
    os.execve(sys.executable, [sys.executable, *sys.argv], env)
CHILD_ENV = json.loads(os.environ["MODAK_TEST_ENV"]) if PRELOAD else None
tmp = tempfile.mkdtemp(prefix="modak-limits-cli.")
failures = []

HEAD = "tosca_definitions_version: tosca_simple_yaml_1_3\n"
TOPOLOGY = "topology_template:\n  node_templates:\n    box:\n      type: tosca.nodes.Compute\n"


def check(ok, what, detail=""):
    print(("ok   " if ok else "FAIL ") + what + ("" if ok or not detail else "\n     " + detail.replace("\n", "\n     ")))
    if not ok:
        failures.append(what)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    return path


def padded(n):
    return HEAD + "description: " + "x" * n + "\n"


def run(*args, timeout=120):
    start = time.monotonic()
    p = subprocess.run([MODAK, *args], capture_output=True, text=True, timeout=timeout, env=CHILD_ENV)
    return p.returncode, p.stdout + p.stderr, time.monotonic() - start


# ---- loopback servers ---------------------------------------------------------------------------

class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/slow.yaml":
            time.sleep(2)
        body = {"/big.yaml": padded(100000), "/slow.yaml": HEAD}.get(self.path)
        if body is None:
            self.send_error(404)
            return
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # modak hung up once the body passed --max-fetch-bytes


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
threading.Thread(target=server.serve_forever, daemon=True).start()
PORT = server.server_address[1]

silent = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
silent.bind(("127.0.0.1", 0))
silent.listen(16)
SILENT_PORT = silent.getsockname()[1]
held = []


def accept_and_hold():
    while True:
        try:
            conn, _ = silent.accept()
        except OSError:
            return
        held.append(conn)  # never answered


threading.Thread(target=accept_and_hold, daemon=True).start()
URL_ARGS = ["--allow-host", "127.0.0.1", "--allow-http"]


def importing(name, *urls):
    return write(os.path.join(tmp, name, "service.yaml"),
                 HEAD + "imports:\n" + "".join("  - %s\n" % u for u in urls) + TOPOLOGY)


def zipped(name, files):
    path = os.path.join(tmp, name + ".csar")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("TOSCA-Metadata/TOSCA.meta", "TOSCA-Meta-File-Version: 1.1\nEntry-Definitions: service.yaml\n")
        for entry, text in files.items():
            z.writestr(entry, text)
    return path


def alias_bomb():
    return ("dsl_definitions:\n  a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
            "  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
            "  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
            "  d: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n")


# ---- the table ----------------------------------------------------------------------------------
# (limit, flag value, blueprint, expected "file:line:col" suffix, exit status, extra args,
#  diagnostic code: `limit`, but a URL's limits are the fetch's and reported as `import-url`)
# Exit status 2 where the blueprint file itself cannot be built (too large, or a YAML-level limit
# in it, as for a YAML syntax error); 1 where it loads and an import or value is refused.
t = tmp
big_import = importing("file", "big.yaml")
write(os.path.join(t, "file", "big.yaml"), padded(50000))
ROWS = [
    ("max_file_bytes", "40KiB", big_import, "file/service.yaml:3:5", 1, [], "limit"),
    ("max_file_bytes", "40KiB", write(os.path.join(t, "entry", "service.yaml"), HEAD + "description: " + "x" * 50000 + "\n" + TOPOLOGY),
     "entry/service.yaml:1:1", 2, [], "limit"),
    ("max_file_bytes", "40KiB", zipped("zipfile", {"service.yaml": HEAD + "imports:\n  - big.yaml\n" + TOPOLOGY, "big.yaml": padded(50000)}),
     "zipfile.csar/service.yaml:3:5", 1, [], "limit"),
    ("max_total_bytes", "36000", importing("total", "types.yaml"), "total/service.yaml:3:5", 1, [], "limit"),
    ("max_total_bytes", "36000", zipped("ziptotal", {"service.yaml": HEAD + "imports:\n  - types.yaml\n" + TOPOLOGY, "types.yaml": padded(10000)}),
     "ziptotal.csar/service.yaml:3:5", 1, [], "limit"),
    ("max_scalar_bytes", "1KiB", write(os.path.join(t, "scalar", "service.yaml"), HEAD + "description: " + "x" * 2000 + "\n" + TOPOLOGY),
     "scalar/service.yaml:2:14", 2, [], "limit"),
    ("max_depth", "8", write(os.path.join(t, "depth", "service.yaml"), HEAD + "dsl_definitions:\n  deep: " + "[" * 12 + "]" * 12 + "\n" + TOPOLOGY),
     "depth/service.yaml:3:15", 2, [], "limit"),
    ("max_expanded_nodes", "10000", write(os.path.join(t, "aliases", "service.yaml"), HEAD + alias_bomb() + TOPOLOGY),
     "aliases/service.yaml:6:6", 2, [], "limit"),
    ("max_imports", "2", importing("imports", "a.yaml", "b.yaml", "c.yaml"), "imports/service.yaml:5:5", 1, [], "limit"),
    ("max_fetch_bytes", "64KiB", importing("fetch", "http://127.0.0.1:%d/big.yaml" % PORT), "fetch/service.yaml:3:5", 1, URL_ARGS, "import-url"),
    ("fetch_timeout_ms", "1", importing("slow", "http://127.0.0.1:%d/slow.yaml" % PORT), "slow/service.yaml:3:5", 1, URL_ARGS, "import-url"),
    # A CSAR zip whose entry definitions are themselves too large: at the entry's start.
    ("max_file_bytes", "40KiB", zipped("zipentry", {"service.yaml": HEAD + "description: " + "x" * 50000 + "\n" + TOPOLOGY}),
     "zipentry.csar/service.yaml:1:1", 2, [], "limit"),
]
write(os.path.join(t, "total", "types.yaml"), padded(10000))
for f in ("a", "b", "c"):
    write(os.path.join(t, "imports", f + ".yaml"), HEAD)

FLAGS = {"max_file_bytes": "--max-file-bytes", "max_total_bytes": "--max-total-bytes", "max_scalar_bytes": "--max-scalar-bytes",
         "max_depth": "--max-depth", "max_expanded_nodes": "--max-expanded-nodes", "max_imports": "--max-imports",
         "max_fetch_bytes": "--max-fetch-bytes", "fetch_timeout_ms": "--fetch-timeout"}

for limit, value, blueprint, where, status, extra, code in ROWS:
    flag = FLAGS[limit]
    label = "%s %s on %s" % (flag, value, os.path.relpath(blueprint, tmp))
    rc, text, _ = run("validate", "-q", *extra, blueprint)
    check(rc == 0, label + ": valid with the default", text)
    rc, text, _ = run("validate", *extra, flag, value, blueprint)
    hint = "(limit %s; raise it with %s)" % (limit, flag)
    line = next((l for l in text.splitlines() if hint in l), "")
    check(rc == status, label + ": exit %d" % status, "exit %d:\n%s" % (rc, text))
    located = re.match(r"(.*?:\d+:\d+): error\[([a-z-]+)\]: .*" + re.escape(hint) + "$", line)
    check(bool(located) and located.group(1).endswith(where) and located.group(2) == code,
          label + ": error[%s] at %s ending with the limit's hint" % (code, where), text)

# The same limits on the other commands that read blueprints.
rc, text, _ = run("preprocess", "--max-imports", "2", ROWS[8][2], "-o", os.path.join(tmp, "pp-out"))
check(rc == 1 and "imports/service.yaml:5:5: error[limit]" in text and not os.path.exists(os.path.join(tmp, "pp-out")),
      "preprocess --max-imports 2: located error, exit 1, nothing written", text)
rc, text, _ = run("optimise", "--max-depth", "8", ROWS[6][2])
check(rc == 2 and "depth/service.yaml:3:15: error[limit]" in text, "optimise --max-depth 8: located error, exit 2", text)

# A server that accepts and never answers: --fetch-timeout 1 cuts it off in about a second.
never = importing("never", "http://127.0.0.1:%d/x.yaml" % SILENT_PORT)
rc, text, took = run("validate", *URL_ARGS, "--fetch-timeout", "1", never, timeout=60)
check(rc == 1 and "never/service.yaml:3:5: error[import-url]" in text and "raise it with --fetch-timeout" in text and took < 6,
      "a server that never answers: --fetch-timeout 1 gives up after %.1f s with a located error" % took, text)
rc, text, took = run("validate", *URL_ARGS, "--fetch-timeout", "1500ms", never, timeout=60)
check(rc == 1 and "timed out after 1500 ms" in text and took < 6, "--fetch-timeout 1500ms is 1.5 s (%.1f s)" % took, text)

# Values: units, and malformed ones as usage errors.
rc, text, _ = run("validate", "-q", "--max-file-bytes", "1MiB", "--max-total-bytes", "64MB", "--max-fetch-bytes", "1GiB",
                  "--fetch-timeout", "2min", ROWS[5][2])
check(rc == 0, "sizes and times take units (1MiB, 64MB, 1GiB, 2min)", text)
for flag, value in [("--max-file-bytes", "12XB"), ("--max-depth", "0"), ("--max-imports", "-1"), ("--fetch-timeout", "3h"),
                    ("--max-expanded-nodes", "10k"), ("--max-total-bytes", "99999999999GiB")]:
    rc, text, _ = run("validate", flag, value, ROWS[5][2])
    check(rc == 2 and flag in text, "%s %s is a usage error naming the flag" % (flag, value), text)
rc, text, _ = run("validate", "--help")
check(all(f in text for f in FLAGS.values()) and "Limits (docs/limits.md)" in text, "--help lists every limit", text)

# The C API: the same limits by name in the options JSON (number in the limit's unit, or a string).
lib = os.environ.get("MODAK_LIBRARY") or os.path.join(os.path.dirname(MODAK), "capi", "libmodak.so")
if os.path.exists(lib):
    sys.path.insert(0, os.path.join(SRC, "python"))
    import modak  # noqa: E402
    L = modak.load(lib)
    r = L.validate(ROWS[8][2], {"max_imports": 2})
    d = [x for x in r["diagnostics"] if x["code"] == "limit"]
    check(r["status"] == "invalid" and d and d[0]["line"] == 5 and d[0]["column"] == 5,
          "C API: {\"max_imports\": 2} is a located limit error", json.dumps(r)[:600])
    r = L.validate(ROWS[6][2], {"max_depth": "8"})
    check(r["status"] == "io-error" and any(x["code"] == "limit" and x["line"] == 3 for x in r["diagnostics"]),
          "C API: {\"max_depth\": \"8\"}", json.dumps(r)[:600])
    r = L.validate(never, {"allowed_hosts": ["127.0.0.1"], "allow_http": True, "fetch_timeout_ms": 1000})
    check(r["status"] == "invalid" and "raise it with --fetch-timeout" in json.dumps(r), "C API: fetch_timeout_ms in ms",
          json.dumps(r)[:600])
    r = L.validate_text(HEAD + "description: " + "x" * 5000 + "\n", "mem.yaml", tmp, {"max_file_bytes": "4KiB"})
    check(r["status"] == "io-error" and r["diagnostics"] and r["diagnostics"][0]["line"] == 1 and
          r["diagnostics"][0]["code"] == "limit", "C API: a text over max_file_bytes is a limit error at 1:1", json.dumps(r)[:600])
    for bad in ({"max_depth": 0}, {"max_file_bytes": "12XB"}, {"max_imports": -1}, {"max_depth": True}):
        r = L.validate(ROWS[5][2], bad)
        check(r["status"] == "options-error", "C API: %s is an options error" % json.dumps(bad), json.dumps(r)[:400])
else:
    check(False, "the C API checks: libmodak is built with modak (plugin/capi), expected at %s" % lib, "")

server.shutdown()
silent.close()
shutil.rmtree(tmp, ignore_errors=True)
print("all passed" if not failures else "%d failed" % len(failures))
sys.exit(1 if failures else 0)
