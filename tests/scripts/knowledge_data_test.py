#!/usr/bin/python3
"""Check modak's knowledge files (share/targets, share/catalogue, share/environment, share/models).

Usage: knowledge_data_test.py <modak-binary> <source-dir>

The first argument is ignored (every script test gets it).  The format being
checked is documented in <source-dir>/docs/knowledge.md.

Checks:
  1. Every share/{targets,catalogue,environment,models}/*.yaml file loads (no
     duplicate keys, no plain scalar that YAML 1.1 and YAML 1.2 read
     differently), has `modak_knowledge: 1` and exactly one of the sections
     targets / images / fragments / performance / scaling_models, matching its
     directory.
  2. Per kind: required fields, enumerations, unique ids, positive numbers,
     a non-empty `source` on every entry, references between files (fragment
     targets, calibration images and target, scaling-model images).
  3. The performance priors reproduce the Snow calibration with the reference
     model of docs/knowledge.md (per-run relative error and the claims).
  4. If <source-dir>/../shared exists: every image row of MODAK's two
     catalogues (catalogue_2020.tsv, modak_test_2022.sql) is in our catalogue
     (by URI, or by id for rows without a mapper row), every infrastructure of
     the SQL seed is a target, every script of the SQL seed is kept (by uuid)
     and every 2020 optscript is cited by a fragment.  Without ../shared this
     part is skipped (reported, not a failure).

Exit status: 0 pass, 1 problems found.
"""

import glob
import math
import os
import re
import sys

import yaml

PROBLEMS = []


def problem(where, msg):
    PROBLEMS.append("%s: %s" % (where, msg))


# --------------------------------------------------------------------------
# Enumerations (keep in sync with docs/knowledge.md)
# --------------------------------------------------------------------------
KINDS = {"hpc", "kubernetes"}
SCHEDULERS = {"slurm", "torque", "pbspro", "none"}
RUNTIMES = {"singularity", "apptainer", "podman", "docker", "none"}
ISA_LEVELS = ["x86-64", "x86-64-v2", "x86-64-v3", "x86-64-v4", "armv8-a", "armv8.2-a", "power9"]
CPU_VENDORS = {"intel", "amd", "arm", "ibm", "generic"}
GPU_VENDORS = {"nvidia", "amd"}
INTERCONNECT_KINDS = {"infiniband", "omnipath", "ethernet", "slingshot"}
STORAGE_CLASSES = ["default-common", "default-high", "default-ssd", "default-ultra_high"]
FRAMEWORKS = {"tensorflow", "pytorch", "keras", "cntk", "mxnet"}
BUILDS = {"pip", "source-optimised", "official"}
ACCELERATORS = {"nvidia", "amd", "none"}
GRAPH_COMPILERS = {"xla", "ngraph", "glow", "tvm"}
MPI_LIBRARIES = {"openmpi", "mpich", "mvapich", "intel-mpi"}
STAGES = {"pre", "post"}
WHEN_KEYS = {"framework", "graph_compiler", "target", "mpi_library", "storage_class", "accelerator",
             "scheduler", "app", "multi_gpu", "interconnect"}
SCALING_MODELS = {"generalised-amdahl", "amdahl", "max", "noop"}
SECTIONS = {"targets", "images", "fragments", "performance", "scaling_models"}
DIR_SECTIONS = {"targets": {"targets"}, "catalogue": {"images"}, "environment": {"fragments"},
                "models": {"performance", "scaling_models"}}
# archspec microarchitecture -> the x86-64 level it guarantees (only the ones we use)
MICROARCH_ISA = {"broadwell": "x86-64-v3", "haswell": "x86-64-v3", "zen2": "x86-64-v3", "zen3": "x86-64-v3",
                 "skylake": "x86-64-v3", "skylake_avx512": "x86-64-v4", "cascadelake": "x86-64-v4",
                 "icelake": "x86-64-v4", "zen4": "x86-64-v4", "x86_64_v3": "x86-64-v3", "x86_64_v4": "x86-64-v4"}
REQUIRED_PERFORMANCE = [
    "build_efficiency", "gpu_build_efficiency", "isa_speedup", "cpu_fp32_per_fp64", "graph_compiler_speedup",
    "flops_per_sample_per_parameter", "default_parameters", "default_samples", "default_sample_bytes",
    "default_epochs", "default_batch_size", "step_overhead_ms", "io_overlap", "prefetch_io_speedup",
    "cache_epochs_saved", "cache_memory_fraction", "default_storage", "mpi_efficiency_prior",
    "interconnect_message_cost", "container_overhead", "omp_efficiency", "calibration_snow",
    "calibration_snow_workload", "calibration_snow_claims", "calibration_snow_tolerance"]


# --------------------------------------------------------------------------
# YAML loading
# --------------------------------------------------------------------------
class StrictSafeLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, "duplicate key %r" % (key,), key_node.start_mark)
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


StrictSafeLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

_CORE_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_CORE_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_CORE_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_CORE_FLOAT = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")


def core_schema_value(text):
    if _CORE_NULL.match(text):
        return None
    if _CORE_BOOL.match(text):
        return text.lower() == "true"
    if _CORE_INT.match(text):
        if text.startswith("0o"):
            return int(text[2:], 8)
        if text.startswith("0x"):
            return int(text[2:], 16)
        return int(text, 10)
    if _CORE_FLOAT.match(text):
        return float(text.replace("inf", "Inf").replace("INF", "Inf").replace("Inf", "inf").lower())
    return text


def yaml11_vs_12_problems(path):
    out = []
    with open(path, encoding="utf-8") as f:
        root = yaml.compose(f, Loader=yaml.SafeLoader)
    constructor = yaml.SafeLoader("")

    def walk(node):
        if isinstance(node, yaml.ScalarNode):
            if node.style is not None:
                return
            v11 = constructor.construct_object(node, deep=True)
            v12 = core_schema_value(node.value)
            same = type(v11) is type(v12) and (
                v11 == v12 or (isinstance(v11, float) and math.isnan(v11) and math.isnan(v12)))
            if not same:
                out.append("line %d: plain scalar %r is %r in YAML 1.1 but %r in YAML 1.2; quote it"
                           % (node.start_mark.line + 1, node.value, v11, v12))
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                walk(item)
        elif isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                walk(k)
                walk(v)
    if root is not None:
        walk(root)
    return out


# --------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------
def is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def positive(where, obj, key, integer=False, required=True):
    if key not in obj:
        if required:
            problem(where, "missing '%s'" % key)
        return
    v = obj[key]
    if not is_num(v) or v <= 0 or (integer and not isinstance(v, int)):
        problem(where, "'%s' must be a positive %s, got %r" % (key, "integer" if integer else "number", v))


def nonempty_str(where, obj, key, required=True):
    if key not in obj:
        if required:
            problem(where, "missing '%s'" % key)
        return False
    if not isinstance(obj[key], str) or not obj[key].strip():
        problem(where, "'%s' must be a non-empty string, got %r" % (key, obj[key]))
        return False
    return True


def enum(where, obj, key, allowed, required=True):
    if key not in obj:
        if required:
            problem(where, "missing '%s'" % key)
        return
    if obj[key] not in allowed:
        problem(where, "'%s' is %r, not one of %s" % (key, obj[key], sorted(allowed)))


def known_keys(where, obj, allowed):
    for k in obj:
        if k not in allowed:
            problem(where, "unknown field '%s'" % k)


VERSION_RE = re.compile(r"^(?:\d+(?:\.\d+)*(?:[-.+][A-Za-z0-9]+)*|latest)$")
CUDA_RE = re.compile(r"^\d+\.\d+$")
URI_RE = re.compile(r"^(?:docker|library|shub|oras|https?)://\S+$")
ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


# --------------------------------------------------------------------------
# per-kind checks
# --------------------------------------------------------------------------
def check_cpu(where, cpu):
    if not isinstance(cpu, dict):
        problem(where, "cpu must be a mapping")
        return
    known_keys(where, cpu, {"model", "vendor", "microarchitecture", "isa_level", "sockets", "cores_per_socket",
                            "threads_per_core", "base_ghz", "peak_gflops_per_core"})
    nonempty_str(where, cpu, "model")
    enum(where, cpu, "vendor", CPU_VENDORS)
    nonempty_str(where, cpu, "microarchitecture")
    enum(where, cpu, "isa_level", ISA_LEVELS)
    for k in ("sockets", "cores_per_socket", "threads_per_core"):
        positive(where, cpu, k, integer=True)
    positive(where, cpu, "base_ghz")
    positive(where, cpu, "peak_gflops_per_core")
    ma = cpu.get("microarchitecture")
    if ma in MICROARCH_ISA and cpu.get("isa_level") != MICROARCH_ISA[ma]:
        problem(where, "microarchitecture %s implies isa_level %s, not %s" % (ma, MICROARCH_ISA[ma], cpu.get("isa_level")))
    if is_num(cpu.get("peak_gflops_per_core")) and is_num(cpu.get("base_ghz")):
        per_cycle = cpu["peak_gflops_per_core"] / cpu["base_ghz"]
        if not 1.0 <= per_cycle <= 64.0:
            problem(where, "peak_gflops_per_core / base_ghz = %.1f FP64 flop/cycle is implausible" % per_cycle)


def check_gpus(where, g):
    if not isinstance(g, dict):
        problem(where, "gpus must be a mapping")
        return
    known_keys(where, g, {"count", "vendor", "model", "memory_gb", "peak_tflops_fp32", "memory_bandwidth_gbs",
                          "compute_capability", "cuda"})
    positive(where, g, "count", integer=True)
    enum(where, g, "vendor", GPU_VENDORS)
    nonempty_str(where, g, "model")
    positive(where, g, "memory_gb")
    positive(where, g, "peak_tflops_fp32")
    positive(where, g, "memory_bandwidth_gbs")
    if g.get("vendor") == "nvidia":
        if not isinstance(g.get("cuda"), str) or not CUDA_RE.match(g["cuda"]):
            problem(where, "nvidia gpus need cuda as a quoted \"X.Y\" string, got %r" % g.get("cuda"))
    if "compute_capability" in g and (not isinstance(g["compute_capability"], str)
                                      or not CUDA_RE.match(g["compute_capability"])):
        problem(where, "compute_capability must be a quoted \"X.Y\" string")


def check_node_group(where, p, k8s):
    allowed = {"nodes", "cpu", "memory_gb", "memory_bandwidth_gbs", "gpus", "source"}
    if k8s:
        allowed |= {"labels"}
    known_keys(where, p, allowed)
    positive(where, p, "nodes", integer=True)
    check_cpu(where + ".cpu", p.get("cpu"))
    positive(where, p, "memory_gb")
    positive(where, p, "memory_bandwidth_gbs")
    if "gpus" in p:
        check_gpus(where + ".gpus", p["gpus"])
    nonempty_str(where, p, "source")
    if "labels" in p and (not isinstance(p["labels"], dict)
                          or not all(isinstance(k, str) and isinstance(v, str) for k, v in p["labels"].items())):
        problem(where, "labels must map strings to strings")


def check_target(where, name, t):
    if not isinstance(t, dict):
        problem(where, "target must be a mapping")
        return
    common = {"kind", "description", "interconnect", "container_runtimes", "storage", "modules", "source"}
    enum(where, t, "kind", KINDS)
    nonempty_str(where, t, "description")
    nonempty_str(where, t, "source")
    rts = t.get("container_runtimes")
    if not isinstance(rts, list) or not rts or any(r not in RUNTIMES for r in rts):
        problem(where, "container_runtimes must be a non-empty list of %s, got %r" % (sorted(RUNTIMES), rts))
    if "interconnect" in t:
        ic = t["interconnect"]
        w = where + ".interconnect"
        if not isinstance(ic, dict):
            problem(w, "must be a mapping")
        else:
            known_keys(w, ic, {"name", "kind", "bandwidth_gbps", "latency_us"})
            nonempty_str(w, ic, "name")
            enum(w, ic, "kind", INTERCONNECT_KINDS)
            positive(w, ic, "bandwidth_gbps")
            positive(w, ic, "latency_us")
    storage = t.get("storage", None)
    if not isinstance(storage, list):
        problem(where, "storage must be a list (possibly empty)")
        storage = []
    names = set()
    for i, s in enumerate(storage):
        w = "%s.storage[%d]" % (where, i)
        if not isinstance(s, dict):
            problem(w, "must be a mapping")
            continue
        known_keys(w, s, {"name", "class", "path", "bandwidth_mbs", "latency_ms", "cost", "source"})
        if nonempty_str(w, s, "name"):
            if s["name"] in names:
                problem(w, "duplicate storage name %r" % s["name"])
            names.add(s["name"])
        enum(w, s, "class", STORAGE_CLASSES)
        if nonempty_str(w, s, "path") and not s["path"].startswith("/"):
            problem(w, "path must be absolute")
        positive(w, s, "bandwidth_mbs")
        if "latency_ms" in s and (not is_num(s["latency_ms"]) or s["latency_ms"] < 0):
            problem(w, "latency_ms must be a number >= 0")
        positive(w, s, "cost", integer=True)
        nonempty_str(w, s, "source")
    if "modules" in t and (not isinstance(t["modules"], dict)
                           or not all(isinstance(k, str) and isinstance(v, str) and v for k, v in t["modules"].items())):
        problem(where, "modules must map names to non-empty module strings")
    if t.get("kind") == "hpc":
        known_keys(where, t, common | {"scheduler", "default_partition", "partitions"})
        enum(where, t, "scheduler", SCHEDULERS)
        parts = t.get("partitions")
        if not isinstance(parts, dict) or not parts:
            problem(where, "hpc target needs a non-empty 'partitions' mapping")
            parts = {}
        if t.get("default_partition") not in parts:
            problem(where, "default_partition %r is not a partition" % t.get("default_partition"))
        for pn, p in parts.items():
            if not isinstance(p, dict):
                problem("%s.partitions.%s" % (where, pn), "must be a mapping")
                continue
            check_node_group("%s.partitions.%s" % (where, pn), p, False)
    elif t.get("kind") == "kubernetes":
        known_keys(where, t, common | {"node_pools"})
        pools = t.get("node_pools")
        if not isinstance(pools, dict) or not pools:
            problem(where, "kubernetes target needs a non-empty 'node_pools' mapping")
            pools = {}
        for pn, p in pools.items():
            if not isinstance(p, dict):
                problem("%s.node_pools.%s" % (where, pn), "must be a mapping")
                continue
            check_node_group("%s.node_pools.%s" % (where, pn), p, True)


def check_image(where, im):
    known_keys(where, im, {"id", "framework", "app", "version", "build", "isa_level", "accelerator", "cuda",
                           "graph_compilers", "mpi", "python", "uri", "enable_opt_build", "disabled", "modak_db",
                           "source"})
    nonempty_str(where, im, "id")
    if ("framework" in im) == ("app" in im):
        problem(where, "exactly one of 'framework' (AI images) and 'app' (HPC/base images) is required")
    if "framework" in im:
        enum(where, im, "framework", FRAMEWORKS)
        if not isinstance(im.get("graph_compilers"), list):
            problem(where, "framework images need a 'graph_compilers' list (possibly empty)")
        if "version" not in im:
            problem(where, "framework images need a 'version'")
    if "app" in im:
        nonempty_str(where, im, "app")
    if "version" in im and (not isinstance(im["version"], str) or not VERSION_RE.match(im["version"])):
        problem(where, "version must be a quoted version string or 'latest', got %r" % (im["version"],))
    enum(where, im, "build", BUILDS)
    enum(where, im, "isa_level", ISA_LEVELS)
    enum(where, im, "accelerator", ACCELERATORS)
    if "cuda" in im:
        if im.get("accelerator") != "nvidia":
            problem(where, "cuda given for a non-nvidia image")
        if not isinstance(im["cuda"], str) or not CUDA_RE.match(im["cuda"]):
            problem(where, "cuda must be a quoted \"X.Y\" string, got %r" % (im["cuda"],))
    gcs = im.get("graph_compilers", [])
    if not isinstance(gcs, list) or any(g not in GRAPH_COMPILERS for g in gcs) or len(set(gcs)) != len(gcs):
        problem(where, "graph_compilers must be a list of distinct values from %s" % sorted(GRAPH_COMPILERS))
    if "mpi" in im:
        m = im["mpi"]
        if not isinstance(m, dict):
            problem(where, "mpi must be a mapping")
        else:
            known_keys(where + ".mpi", m, {"library", "version"})
            enum(where + ".mpi", m, "library", MPI_LIBRARIES)
            if not isinstance(m.get("version"), str) or not VERSION_RE.match(m.get("version", "")):
                problem(where + ".mpi", "version must be a quoted version string")
        if im.get("app") in MPI_LIBRARIES and isinstance(m, dict) and m.get("library") != im["app"]:
            problem(where, "MPI image app %r but mpi.library %r" % (im["app"], m.get("library")))
    elif im.get("app") in MPI_LIBRARIES:
        problem(where, "MPI image without an 'mpi' block")
    if "python" in im and (not isinstance(im["python"], str) or not CUDA_RE.match(im["python"])):
        problem(where, "python must be a quoted \"X.Y\" string")
    if nonempty_str(where, im, "uri") and not URI_RE.match(im["uri"]):
        problem(where, "uri %r does not look like a container URI" % im["uri"])
    if not isinstance(im.get("enable_opt_build"), bool):
        problem(where, "enable_opt_build must be true or false")
    if "disabled" in im and not isinstance(im["disabled"], bool):
        problem(where, "disabled must be true or false")
    if "modak_db" in im:
        md = im["modak_db"]
        if not isinstance(md, dict) or not md or any(k not in ("2020", "2022") for k in md):
            problem(where, "modak_db must map \"2020\"/\"2022\" to MODAK's rows")
        else:
            for era, row in md.items():
                w = "%s.modak_db.%s" % (where, era)
                known_keys(w, row, {"row", "app_name", "target", "optimisation", "version", "map_id", "container_file",
                                    "image_type", "image_hub"})
                positive(w, row, "row", integer=True)
                nonempty_str(w, row, "app_name")
                for k in ("target", "optimisation"):
                    if not isinstance(row.get(k), str):
                        problem(w, "'%s' must be a string" % k)
                if "container_file" in row and "://".join((row.get("image_hub", ""), row["container_file"])) != im.get("uri"):
                    problem(w, "image_hub://container_file does not give the entry's uri")
    nonempty_str(where, im, "source")


def check_fragment(where, fr, target_names):
    known_keys(where, fr, {"id", "when", "stage", "env", "commands", "modak_script", "source"})
    nonempty_str(where, fr, "id")
    when = fr.get("when")
    if not isinstance(when, dict) or not when:
        problem(where, "'when' must be a non-empty mapping (an unconditional fragment would apply to every job)")
        when = {}
    for k, v in when.items():
        if k not in WHEN_KEYS:
            problem(where, "unknown condition key %r" % k)
        elif k == "multi_gpu":
            if not isinstance(v, bool):
                problem(where, "multi_gpu must be true or false")
        elif not isinstance(v, str) or not v:
            problem(where, "condition %s must be a non-empty string" % k)
    checks = {"framework": FRAMEWORKS, "graph_compiler": GRAPH_COMPILERS, "mpi_library": MPI_LIBRARIES,
              "storage_class": set(STORAGE_CLASSES), "accelerator": ACCELERATORS, "scheduler": SCHEDULERS,
              "interconnect": INTERCONNECT_KINDS}
    for k, allowed in checks.items():
        if k in when and when[k] not in allowed:
            problem(where, "condition %s=%r not one of %s" % (k, when[k], sorted(allowed)))
    if "target" in when and when["target"] not in target_names:
        problem(where, "condition target=%r names no target" % when["target"])
    enum(where, fr, "stage", STAGES)
    env = fr.get("env", {})
    if not isinstance(env, dict) or not all(isinstance(k, str) and ENV_NAME_RE.match(k) and isinstance(v, str)
                                            for k, v in env.items()):
        problem(where, "env must map variable names to quoted strings")
    cmds = fr.get("commands", [])
    if not isinstance(cmds, list) or not all(isinstance(c, str) and c and "\n" not in c for c in cmds):
        problem(where, "commands must be a list of single-line strings")
    if not env and not cmds:
        problem(where, "fragment sets nothing (no env, no commands)")
    if "modak_script" in fr:
        ms = fr["modak_script"]
        if not isinstance(ms, dict) or not isinstance(ms.get("uuid"), str) or not UUID_RE.match(ms["uuid"]) \
                or not isinstance(ms.get("raw"), str):
            problem(where, "modak_script needs a uuid (8-4-4-4-12) and the raw text")
    nonempty_str(where, fr, "source")


def check_scaling(where, sm, image_ids):
    known_keys(where, sm, {"id", "app", "image", "mpi_library", "case", "model", "measurements", "parallel_fraction",
                           "max_ranks", "max_threads", "nodes", "threads", "source"})
    nonempty_str(where, sm, "id")
    if "app" not in sm and "image" not in sm:
        problem(where, "needs 'app' or 'image' to say what it applies to")
    if "image" in sm and sm["image"] not in image_ids:
        problem(where, "image %r is not in the catalogue" % sm["image"])
    enum(where, sm, "mpi_library", MPI_LIBRARIES, required=False)
    enum(where, sm, "model", SCALING_MODELS)
    model = sm.get("model")
    if model == "generalised-amdahl":
        m = sm.get("measurements")
        if not isinstance(m, dict) or len(m) < 3 or 1 not in m:
            problem(where, "generalised-amdahl needs 'measurements' with at least 3 rank counts including 1")
        elif not all(isinstance(k, int) and k > 0 and is_num(v) and v > 0 for k, v in m.items()):
            problem(where, "measurements must map positive rank counts to positive seconds")
    elif model == "amdahl":
        f = sm.get("parallel_fraction")
        if not is_num(f) or not 0 < f <= 1:
            problem(where, "amdahl needs parallel_fraction in (0, 1]")
    elif model == "max":
        if "max_ranks" not in sm and "max_threads" not in sm:
            problem(where, "max needs max_ranks and/or max_threads")
        for k in ("max_ranks", "max_threads"):
            positive(where, sm, k, integer=True, required=False)
    positive(where, sm, "nodes", integer=True, required=False)
    positive(where, sm, "threads", integer=True, required=False)
    nonempty_str(where, sm, "source")


def value_of(perf, name):
    return perf.get(name, {}).get("value")


def check_performance(where, perf):
    for name, p in perf.items():
        w = "%s.%s" % (where, name)
        if not isinstance(p, dict) or set(p) != {"value", "source"}:
            problem(w, "each parameter is {value: ..., source: ...}")
            continue
        nonempty_str(w, p, "source")
    for name in REQUIRED_PERFORMANCE:
        if name not in perf:
            problem(where, "missing parameter %s" % name)
    if PROBLEMS and any(p.startswith(where) for p in PROBLEMS):
        return

    def fractions(name, keys, lo=0.0, hi=1.0):
        v = value_of(perf, name)
        if not isinstance(v, dict) or set(v) != set(keys) or not all(is_num(x) and lo < x <= hi for x in v.values()):
            problem("%s.%s" % (where, name), "must map exactly %s to numbers in (%g, %g]" % (sorted(keys), lo, hi))
            return None
        return v

    be = fractions("build_efficiency", BUILDS)
    gbe = fractions("gpu_build_efficiency", BUILDS)
    if be and be["source-optimised"] <= max(be["pip"], be["official"]):
        problem(where, "build_efficiency: source builds must beat pip/official builds (MODAK paper claim)")
    if gbe and gbe["source-optimised"] < max(gbe["pip"], gbe["official"]):
        problem(where, "gpu_build_efficiency: source builds should not be below pip/official builds")
    isa = value_of(perf, "isa_speedup")
    x86 = ISA_LEVELS[:4]
    if not isinstance(isa, dict) or set(isa) != set(x86) or isa["x86-64"] != 1.0 or \
            not all(isa[a] < isa[b] for a, b in zip(x86, x86[1:])):
        problem(where, "isa_speedup must give x86-64 = 1.0 and increase with the level")
    gcs = value_of(perf, "graph_compiler_speedup")
    if not isinstance(gcs, dict) or not isinstance(gcs.get("size_threshold_parameters"), int):
        problem(where, "graph_compiler_speedup needs size_threshold_parameters")
    else:
        for gc in sorted(GRAPH_COMPILERS | {"none"}):
            for dev in ("cpu", "gpu"):
                for size in ("small", "large"):
                    v = gcs.get(gc, {}).get(dev, {}).get(size)
                    if not is_num(v) or not 0.5 <= v <= 5.0:
                        problem(where, "graph_compiler_speedup.%s.%s.%s missing or implausible" % (gc, dev, size))
    for name in ("default_parameters", "default_samples", "default_sample_bytes"):
        v = value_of(perf, name)
        if not isinstance(v, dict) or "default" not in v or not all(isinstance(x, int) and x > 0 for x in v.values()):
            problem(where, "%s must map data sets (and 'default') to positive integers" % name)
    fractions("io_overlap", {"prefetch", "none"}, lo=-1e-9)
    fractions("container_overhead", RUNTIMES, lo=0.0, hi=2.0)
    for name in ("omp_efficiency", "cache_memory_fraction"):
        v = value_of(perf, name)
        if not is_num(v) or not 0 < v <= 1:
            problem(where, "%s must be in (0, 1]" % name)
    if not isinstance(value_of(perf, "cache_epochs_saved"), bool):
        problem(where, "cache_epochs_saved must be true or false")
    mp = value_of(perf, "mpi_efficiency_prior")
    if not isinstance(mp, dict) or not is_num(mp.get("parallel_fraction")) or not 0 < mp["parallel_fraction"] <= 1:
        problem(where, "mpi_efficiency_prior.parallel_fraction must be in (0, 1]")


# --------------------------------------------------------------------------
# reference performance model (docs/knowledge.md, "Reference model")
# --------------------------------------------------------------------------
def reference_epoch_seconds(perf, gpu, storage, build, graph_compiler, prefetch, parameters, samples, batch,
                            sample_bytes):
    v = lambda n: value_of(perf, n)  # noqa: E731
    gcs = v("graph_compiler_speedup")
    size = "small" if parameters < gcs["size_threshold_parameters"] else "large"
    speed = gcs[graph_compiler or "none"]["gpu"][size]
    rate = gpu["count_used"] * gpu["peak_tflops_fp32"] * 1e12 * v("gpu_build_efficiency")[build] * speed
    flops = v("flops_per_sample_per_parameter") * parameters * samples
    steps = math.ceil(samples / batch)
    t_compute = flops / rate + steps * v("step_overhead_ms")["gpu"] / 1000.0
    bw = storage.get("bandwidth_mbs", v("default_storage")["bandwidth_mbs"])
    lat = storage.get("latency_ms", v("default_storage")["latency_ms"])
    t_io = samples * (sample_bytes / (bw * 1e6) + lat / 1000.0)
    if prefetch:
        t_io /= v("prefetch_io_speedup")
    overlap = v("io_overlap")["prefetch" if prefetch else "none"]
    return max(t_compute, t_io) + (1.0 - overlap) * min(t_compute, t_io)


def check_calibration(perf, targets, image_ids):
    where = "share/models/performance.yaml calibration_snow"
    wl = value_of(perf, "calibration_snow_workload")
    runs = value_of(perf, "calibration_snow")
    claims = value_of(perf, "calibration_snow_claims")
    tol = value_of(perf, "calibration_snow_tolerance")
    if not isinstance(wl, dict) or not isinstance(runs, list) or not isinstance(claims, list) or not is_num(tol):
        problem(where, "calibration data malformed")
        return
    tg = targets.get(wl.get("target"))
    if tg is None or wl.get("partition") not in tg.get("partitions", {}):
        problem(where, "workload target/partition %r/%r unknown" % (wl.get("target"), wl.get("partition")))
        return
    part = tg["partitions"][wl["partition"]]
    gpu = dict(part["gpus"], count_used=wl.get("gpus", 1))
    by_class = {}
    for s in tg.get("storage", []):
        by_class.setdefault(s["class"], s)
    predicted, names = {}, set()
    for r in runs:
        w = "%s run %s" % (where, r.get("run"))
        known_keys(w, r, {"run", "container_build", "image", "framework_version", "code", "storage_class", "xla",
                          "prefetch", "seconds_per_epoch", "use"})
        if r.get("run") in names:
            problem(w, "duplicate run")
        names.add(r.get("run"))
        enum(w, r, "container_build", BUILDS)
        enum(w, r, "storage_class", STORAGE_CLASSES)
        positive(w, r, "seconds_per_epoch")
        if "image" in r and r["image"] not in image_ids:
            problem(w, "image %r is not in the catalogue" % r["image"])
        if not all(isinstance(r.get(k), bool) for k in ("xla", "prefetch", "use")):
            problem(w, "xla, prefetch and use must be booleans")
            continue
        if r["storage_class"] not in by_class:
            problem(w, "target has no storage of class %s" % r["storage_class"])
            continue
        t = reference_epoch_seconds(perf, gpu, by_class[r["storage_class"]], r["container_build"],
                                    "xla" if r["xla"] else None, r["prefetch"], wl["parameters"],
                                    wl["samples_per_epoch"], wl["batch_size"], wl["sample_bytes"])
        predicted[r["run"]] = t
        if r["use"]:
            err = t / r["seconds_per_epoch"] - 1.0
            print("  calibration %-40s measured %5.0f s  reference model %6.1f s  (%+.0f%%)"
                  % (r["run"], r["seconds_per_epoch"], t, 100 * err))
            if abs(err) > tol:
                problem(w, "reference model gives %.1f s, measured %s s (tolerance %.0f%%)"
                        % (t, r["seconds_per_epoch"], 100 * tol))
    if abs(wl.get("steps_per_epoch", 0) - wl["samples_per_epoch"] / wl["batch_size"]) > 1.0:
        problem(where, "steps_per_epoch does not match samples_per_epoch / batch_size")
    for c in claims:
        w = "%s claim %s" % (where, c.get("claim"))
        a, b = predicted.get(c.get("numerator")), predicted.get(c.get("denominator"))
        if a is None or b is None:
            problem(w, "names unknown runs")
            continue
        ratio = a / b
        print("  claim %-32s predicted ratio %.2f, allowed [%s, %s]" % (c["claim"], ratio, c["min"], c["max"]))
        if not c["min"] <= ratio <= c["max"]:
            problem(w, "predicted ratio %.2f outside [%s, %s]" % (ratio, c["min"], c["max"]))


# --------------------------------------------------------------------------
# MODAK seed comparison (needs ../shared)
# --------------------------------------------------------------------------
def sql_tuples(block):
    out = []
    for m in re.finditer(r"\(((?:'[^']*'|[^()'])*)\)", block):
        fields = re.findall(r"'((?:[^']|'')*)'|(NULL|-?\d+)", m.group(1))
        out.append([a if a or not b else (None if b == "NULL" else int(b)) for a, b in fields])
    return out


def check_against_modak(dbdir, images, targets, fragments):
    sql = open(os.path.join(dbdir, "modak_test_2022.sql"), encoding="utf-8").read()
    tsv = open(os.path.join(dbdir, "catalogue_2020.tsv"), encoding="utf-8").read().split("\n")
    uris = {im["uri"] for im in images}
    ids = {im["id"] for im in images}

    def section(name):
        m = re.search(r"INSERT INTO `?%s`? VALUES(.*?);\s*(?:\n|$)" % name, sql, re.S)
        return sql_tuples(m.group(1)) if m else []

    opt22, map22 = section("optimisation"), section("mapper")
    infra22, script22 = section("infrastructure"), section("script")
    mapped = set()
    n_rows = 0
    for row in map22:
        code, cfile, hub = row[1], row[2], row[4]
        mapped.add(code)
        n_rows += 1
        if "%s://%s" % (hub, cfile) not in uris:
            problem("modak_test_2022.sql mapper row %s" % code, "URI %s://%s not in the catalogue" % (hub, cfile))
    for row in opt22:
        if row[0] not in mapped and row[0] not in ids:
            problem("modak_test_2022.sql optimisation row %s" % row[0], "no mapper row and no catalogue entry with this id")
    sect = None
    mapped20 = set()
    opt20 = []
    for line in tsv:
        if line.startswith("## table"):
            sect = line.split()[-1]
            continue
        if not line.strip() or line.startswith(("opt_dsl_code", "map_id", "opt_code")):
            continue
        cols = line.split("\t")
        if sect == "mapper":
            n_rows += 1
            mapped20.add(cols[1])
            if "%s://%s" % (cols[4], cols[2]) not in uris:
                problem("catalogue_2020.tsv mapper row %s" % cols[1], "URI %s://%s not in the catalogue" % (cols[4], cols[2]))
        elif sect == "optimisation":
            opt20.append(cols[0])
        elif sect == "optscript":
            script = cols[1]
            if not any(script in fr.get("source", "") for fr in fragments):
                problem("catalogue_2020.tsv optscript %s" % script, "no fragment cites it in its source")
    for code in opt20:
        if code not in mapped20 and code not in ids:
            problem("catalogue_2020.tsv optimisation row %s" % code, "no mapper row and no catalogue entry with this id")
    for row in infra22:
        if row[1] not in targets:
            problem("modak_test_2022.sql infrastructure %s" % row[1], "not a target")
    kept = {fr.get("modak_script", {}).get("uuid", "").replace("-", "") for fr in fragments}
    for row in script22:
        if row[0] not in kept:
            problem("modak_test_2022.sql script %s" % row[0], "no fragment keeps it (modak_script.uuid)")
    print("  MODAK seed: %d mapper rows, %d infrastructures, %d scripts checked"
          % (n_rows, len(infra22), len(script22)))


# --------------------------------------------------------------------------
def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    src = os.path.abspath(sys.argv[2])
    share = os.path.join(src, "share")
    data = {s: [] for s in SECTIONS}   # section -> list of (path, content)
    nfiles = 0
    for d, allowed in DIR_SECTIONS.items():
        files = sorted(glob.glob(os.path.join(share, d, "*.yaml")))
        if not files:
            problem("share/%s" % d, "no *.yaml files")
        for path in files:
            nfiles += 1
            rel = os.path.relpath(path, src)
            try:
                with open(path, encoding="utf-8") as f:
                    doc = yaml.load(f, Loader=StrictSafeLoader)
            except yaml.YAMLError as e:
                problem(rel, "YAML error: %s" % e)
                continue
            for p in yaml11_vs_12_problems(path):
                problem(rel, p)
            if not isinstance(doc, dict):
                problem(rel, "top level must be a mapping")
                continue
            if doc.get("modak_knowledge") != 1 or isinstance(doc.get("modak_knowledge"), bool):
                problem(rel, "missing marker 'modak_knowledge: 1'")
            secs = [k for k in doc if k != "modak_knowledge"]
            if len(secs) != 1 or secs[0] not in SECTIONS:
                problem(rel, "must have exactly one section of %s, has %s" % (sorted(SECTIONS), secs))
                continue
            if secs[0] not in allowed:
                problem(rel, "section '%s' does not belong in share/%s" % (secs[0], d))
            data[secs[0]].append((rel, doc[secs[0]]))

    # targets
    targets = {}
    for rel, tg in data["targets"]:
        if not isinstance(tg, dict) or not tg:
            problem(rel, "targets must be a non-empty mapping")
            continue
        for name, t in tg.items():
            if name in targets:
                problem(rel, "target %r defined twice" % name)
            targets[name] = t
            check_target("%s targets.%s" % (rel, name), name, t)
    # images
    images = []
    for rel, ims in data["images"]:
        if not isinstance(ims, list):
            problem(rel, "images must be a list")
            continue
        for i, im in enumerate(ims):
            if not isinstance(im, dict):
                problem("%s images[%d]" % (rel, i), "must be a mapping")
                continue
            check_image("%s images[%s]" % (rel, im.get("id", i)), im)
            images.append(im)
    image_ids = set()
    for im in images:
        if im.get("id") in image_ids:
            problem("catalogue", "duplicate image id %r" % im.get("id"))
        image_ids.add(im.get("id"))
    for fw in sorted(FRAMEWORKS):
        usable = [im for im in images if im.get("framework") == fw and not im.get("disabled")]
        if not any(im.get("accelerator") == "none" for im in usable):
            problem("catalogue", "framework %s has no CPU (accelerator none) image" % fw)
        if not any(im.get("accelerator") == "nvidia" for im in usable):
            problem("catalogue", "framework %s has no GPU (nvidia) image" % fw)
    # fragments
    fragments = []
    for rel, frs in data["fragments"]:
        if not isinstance(frs, list):
            problem(rel, "fragments must be a list")
            continue
        for i, fr in enumerate(frs):
            if not isinstance(fr, dict):
                problem("%s fragments[%d]" % (rel, i), "must be a mapping")
                continue
            check_fragment("%s fragments[%s]" % (rel, fr.get("id", i)), fr, targets)
            fragments.append(fr)
    seen = set()
    for fr in fragments:
        if fr.get("id") in seen:
            problem("environment", "duplicate fragment id %r" % fr.get("id"))
        seen.add(fr.get("id"))
    # scaling models
    nscaling = 0
    seen = set()
    for rel, sms in data["scaling_models"]:
        if not isinstance(sms, list):
            problem(rel, "scaling_models must be a list")
            continue
        for i, sm in enumerate(sms):
            if not isinstance(sm, dict):
                problem("%s scaling_models[%d]" % (rel, i), "must be a mapping")
                continue
            nscaling += 1
            check_scaling("%s scaling_models[%s]" % (rel, sm.get("id", i)), sm, image_ids)
            if sm.get("id") in seen:
                problem(rel, "duplicate scaling model id %r" % sm.get("id"))
            seen.add(sm.get("id"))
    # performance
    perf = {}
    for rel, p in data["performance"]:
        if not isinstance(p, dict):
            problem(rel, "performance must be a mapping")
            continue
        for k in p:
            if k in perf:
                problem(rel, "performance parameter %r defined twice" % k)
        perf.update(p)
    before = len(PROBLEMS)
    check_performance("share/models/performance.yaml", perf)
    if len(PROBLEMS) == before:
        check_calibration(perf, targets, image_ids)

    print("knowledge: %d files, %d targets, %d images, %d fragments, %d performance parameters, %d scaling models"
          % (nfiles, len(targets), len(images), len(fragments), len(perf), nscaling))

    dbdir = os.path.join(src, "..", "shared", "corpus", "modak", "db")
    if os.path.isdir(os.path.join(src, "..", "shared")):
        if os.path.isdir(dbdir):
            check_against_modak(dbdir, images, targets, fragments)
        else:
            print("  SKIP MODAK seed comparison: %s not found" % dbdir)
    else:
        print("  SKIP MODAK seed comparison: ../shared is absent")

    for p in PROBLEMS:
        print("FAIL: " + p)
    print("%s (%d problems)" % ("FAILED" if PROBLEMS else "OK", len(PROBLEMS)))
    return 1 if PROBLEMS else 0


if __name__ == "__main__":
    sys.exit(main())
