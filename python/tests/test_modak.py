"""Tests of the modak Python module (ctypes over libmodak). Run by tests/scripts/python_module_test.sh:
    MODAK_LIBRARY=build/plugin/capi/libmodak.so /usr/bin/python3 python/tests/test_modak.py SOURCE_DIR
"""
import concurrent.futures
import os
import stat
import sys
import tempfile
import unittest

SRC = os.path.abspath(sys.argv.pop(1) if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(SRC, "python"))
import modak  # noqa: E402

OPTIONS = {"share_dir": os.path.join(SRC, "share")}
RESNET = os.path.join(SRC, "blueprints", "resnet50-slurm", "service.yaml")
HELLO = os.path.join(SRC, "blueprints", "hello-tosca", "service.yaml")


class ModuleTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="modak-python-")

    def tearDown(self):
        self.tmp.cleanup()

    def test_versions(self):
        self.assertEqual(modak.abi_version(), modak.ABI_VERSION)
        self.assertRegex(modak.version(), r"^\d+\.\d+\.\d+")

    def test_validate_valid(self):
        r = modak.validate(HELLO, OPTIONS)
        self.assertEqual(r["status"], "ok")
        self.assertTrue(r["valid"])
        self.assertEqual(r["operation"], "validate")
        self.assertIsInstance(r["diagnostics"], list)

    def test_validate_text_invalid_is_located(self):
        text = ("tosca_definitions_version: tosca_simple_yaml_1_3\n"
                "topology_template:\n  node_templates:\n    web:\n      type: tosca.nodes.NoSuchType\n")
        r = modak.validate_text(text, "inline.yaml", options=OPTIONS)
        self.assertEqual(r["status"], "invalid")
        self.assertFalse(r["valid"])
        errors = [d for d in r["diagnostics"] if d["severity"] == "error"]
        self.assertTrue(errors)
        self.assertTrue(errors[0]["file"].endswith("inline.yaml"), errors[0])
        self.assertEqual(errors[0]["line"], 5)

    def test_missing_file_and_bad_options(self):
        self.assertEqual(modak.validate("/nonexistent/service.yaml", OPTIONS)["status"], "io-error")
        r = modak.validate(HELLO, {"no_such_option": 1})
        self.assertEqual(r["status"], "options-error")
        self.assertIn("no_such_option", r["error"])

    def test_optimise(self):
        r = modak.optimise(RESNET, OPTIONS)
        self.assertEqual(r["status"], "ok", r.get("error"))
        self.assertEqual(len(r["decisions"]), 1)
        d = r["decisions"][0]
        self.assertEqual(d["node"], "resnet50-training")
        self.assertTrue(d["image"])
        self.assertGreater(len(d["candidates"]), 1)
        self.assertIn("modak.decision", r["blueprint"])

    def test_preprocess_writes_and_threads_agree(self):
        out = os.path.join(self.tmp.name, "one")
        r = modak.preprocess(RESNET, out, OPTIONS)
        self.assertEqual(r["status"], "ok", r.get("error"))
        self.assertIn("service.yaml", r["output"]["files"])
        self.assertTrue(os.path.isfile(os.path.join(out, "service.yaml")))
        with open(os.path.join(out, "service.yaml")) as f:
            expected = f.read()

        def job(i):
            d = os.path.join(self.tmp.name, "t%d" % i)
            res = modak.preprocess(RESNET, d, OPTIONS)
            with open(os.path.join(d, "service.yaml")) as f:
                return res["status"], f.read(), res["output"]["files"]

        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            for status, text, files in pool.map(job, range(8)):
                self.assertEqual(status, "ok")
                self.assertEqual(text, expected)
                self.assertEqual(files, r["output"]["files"])

    def test_preprocess_refuses_a_foreign_directory_unless_forced(self):
        project = os.path.join(self.tmp.name, "project")
        os.makedirs(os.path.join(project, "src"))
        with open(os.path.join(project, "src", "main.c"), "w") as f:
            f.write("int main() { return 0; }\n")
        r = modak.preprocess(HELLO, project, OPTIONS)
        self.assertEqual(r["status"], "io-error")
        self.assertIn("not a modak output", r["error"])
        self.assertIn('"force": true', r["error"])
        self.assertEqual(os.listdir(project), ["src"])
        self.assertEqual(modak.preprocess(HELLO, project, dict(OPTIONS, force="yes"))["status"], "options-error")
        r = modak.preprocess(HELLO, project, dict(OPTIONS, force=True))
        self.assertEqual(r["status"], "ok", r.get("error"))
        self.assertFalse(os.path.exists(os.path.join(project, "src")))
        # Now a modak output: replaced without force.
        self.assertEqual(modak.preprocess(HELLO, project, OPTIONS)["status"], "ok")

    def test_opera_recipe_with_a_stand_in_opera(self):
        # A stand-in for xOpera's `opera` records how it was called.
        fake = os.path.join(self.tmp.name, "opera")
        log = os.path.join(self.tmp.name, "opera.log")
        with open(fake, "w") as f:
            f.write('#!/bin/sh\necho "$PWD $*" > %s\ntest -f "$PWD/service.yaml"\n' % log)
        os.chmod(fake, os.stat(fake).st_mode | stat.S_IEXEC)
        out = os.path.join(self.tmp.name, "deploy")
        inputs = os.path.join(SRC, "blueprints", "resnet50-slurm", "inputs.yaml")
        modak.opera_deploy(RESNET, out, inputs=inputs, options=OPTIONS, opera=fake)
        with open(log) as f:
            line = f.read().split()
        self.assertEqual(line[0], out)
        self.assertEqual(line[1:], ["deploy", "-i", inputs, "service.yaml"])

    def test_opera_recipe_refuses_an_invalid_blueprint(self):
        bad = os.path.join(self.tmp.name, "bad.yaml")
        with open(bad, "w") as f:
            f.write("tosca_definitions_version: tosca_simple_yaml_1_3\ntopology_template: 3\n")
        with self.assertRaises(modak.ModakError) as cm:
            modak.prepare_for_opera(bad, os.path.join(self.tmp.name, "x"), OPTIONS)
        self.assertEqual(cm.exception.result["status"], "invalid")

    def test_local_node_type_validates(self):
        types_dir = os.path.join(SRC, "share", "sodalite", "modak")
        text = ("tosca_definitions_version: tosca_simple_yaml_1_3\nimports:\n  - local.yaml\n"
                "topology_template:\n  node_templates:\n    pre:\n      type: sodalite.nodes.modak.local\n"
                "      properties: { blueprint: app.csar, output_dir: /tmp/app }\n")
        r = modak.validate_text(text, "uses-local.yaml", types_dir, options=dict(OPTIONS, profile="strict"))
        self.assertEqual(r["status"], "ok", r["diagnostics"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
