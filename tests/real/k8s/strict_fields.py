#!/usr/bin/python3
"""Strict offline check of Kubernetes manifests against the models of Debian's python3-kubernetes
(22.6: Kubernetes 1.22 API). It complements validate.js, whose JSON schemas let unknown fields
through: for every document it walks the data along the model classes' `attribute_map` and
`openapi_types` and reports

  * unknown (misspelt) fields, with their path:
      spec.template.spec.containers[0].imagePullPolicyy: unknown field in V1Container
  * missing required fields (the model setters that refuse None), and then builds the model
    itself, so anything else its constructor checks is reported too,
  * values of the wrong JSON type (a string where an integer belongs, a number as an env value).

Usage: /usr/bin/python3 strict_fields.py MANIFEST.yaml...
  (Debian's python3: a pyenv or venv python on PATH does not see python3-kubernetes.)
Prints "OK   FILE#N Kind/name" or one "FAIL FILE#N Kind/name: PATH: PROBLEM" line per problem,
N counting documents from 1. Exit 0 = all clean, 1 = a problem (or a file holds no document),
2 = usage error, unreadable file, or the modules are missing.

Limits: fields newer than Kubernetes 1.22 are reported as unknown; resource quantities accept
numbers and strings without checking the quantity syntax; int-or-string fields accept anything.
YAML is read as the API machinery reads it: YAML 1.1 scalars (yes/no/on/off are booleans), but
timestamps and 1:30-style numbers stay strings.
"""
import inspect
import re
import sys

try:
    import yaml
    from kubernetes.client import Configuration
    from kubernetes.client import models
except ImportError as err:  # pragma: no cover - environment problem
    print(f"strict_fields.py: {err} (apt-get install python3-kubernetes python3-yaml; "
          "run with /usr/bin/python3)", file=sys.stderr)
    sys.exit(2)


class ManifestLoader(yaml.SafeLoader):
    """SafeLoader without timestamps and without sexagesimal (1:30) numbers."""


ManifestLoader.yaml_implicit_resolvers = {}
for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items():
    kept = []
    for tag, regexp in resolvers:
        if tag == "tag:yaml.org,2002:timestamp":
            continue
        if tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"):
            regexp = re.compile("(?!.*:)" + regexp.pattern, regexp.flags)
        kept.append((tag, regexp))
    ManifestLoader.yaml_implicit_resolvers[first] = kept

# Attributes typed 'str' / 'dict(str, str)' in the client that are resource.Quantity in the API,
# where a plain number is fine (limits: {nvidia.com/gpu: 1}).
QUANTITIES = {
    ("V1ResourceRequirements", "limits"), ("V1ResourceRequirements", "requests"),
    ("V1PodSpec", "overhead"), ("V1Overhead", "pod_fixed"),
    ("V1EmptyDirVolumeSource", "size_limit"), ("V1ResourceFieldSelector", "divisor"),
    ("V1ResourceQuotaSpec", "hard"), ("V1ResourceQuotaStatus", "hard"),
    ("V1ResourceQuotaStatus", "used"),
    ("V1LimitRangeItem", "default"), ("V1LimitRangeItem", "default_request"),
    ("V1LimitRangeItem", "max"), ("V1LimitRangeItem", "min"),
    ("V1LimitRangeItem", "max_limit_request_ratio"),
    ("V1PersistentVolumeSpec", "capacity"), ("V1PersistentVolumeClaimStatus", "capacity"),
    ("V1NodeStatus", "capacity"), ("V1NodeStatus", "allocatable"),
}

CONFIG = Configuration()
CONFIG.client_side_validation = True
LIST = re.compile(r"list\[(.+)\]")
DICT = re.compile(r"dict\(str, (.+)\)")


def json_type(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "mapping"
    return type(value).__name__


def model_class(api_version, kind):
    """The client's class for apiVersion/kind: V1Job, V1Deployment, CoreV1Event, ..."""
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return None
    group, _, version = api_version.rpartition("/")
    version = version[:1].upper() + version[1:]
    # Kinds that exist in several groups carry the group as a prefix (CoreV1Event, EventsV1Event).
    prefix = group.split(".")[0].capitalize() if group else "Core"
    for name in (prefix + version + kind, version + kind):
        cls = getattr(models, name, None)
        if inspect.isclass(cls) and "kind" in getattr(cls, "attribute_map", {}):
            return cls
    return None


_required = {}


def required_attributes(cls):
    """Attributes whose setter refuses None (the client's notion of a required field)."""
    if cls not in _required:
        names = []
        for attr in cls.openapi_types:
            prop = getattr(cls, attr, None)
            if isinstance(prop, property) and prop.fset is not None:
                try:
                    source = inspect.getsource(prop.fset)
                except (OSError, TypeError):
                    continue
                if "must not be `None`" in source:
                    names.append(attr)
        _required[cls] = names
    return _required[cls]


def join(path, key):
    return f"{path}.{key}" if path else key


def check(value, typ, path, problems, quantity=False):
    """Checks VALUE against the client type string TYP; appends (path, message) to PROBLEMS."""
    if value is None:
        return  # explicit null: the API treats it as absent
    where = path or "(document)"
    m = LIST.fullmatch(typ)
    if m:
        if not isinstance(value, list):
            problems.append((where, f"expected a list, got a {json_type(value)}"))
            return
        for i, item in enumerate(value):
            check(item, m.group(1), f"{path}[{i}]", problems)
        return
    m = DICT.fullmatch(typ)
    if m:
        if not isinstance(value, dict):
            problems.append((where, f"expected a mapping, got a {json_type(value)}"))
            return
        for key, item in value.items():
            check(item, m.group(1), join(path, key), problems, quantity)
        return
    if typ == "object":
        return  # int-or-string, raw JSON, ...
    if typ in ("str", "datetime", "date"):
        ok = isinstance(value, str) or (
            quantity and isinstance(value, (int, float)) and not isinstance(value, bool))
        if not ok:
            hint = " (quote it)" if isinstance(value, (bool, int, float)) else ""
            problems.append((where, f"expected a string, got a {json_type(value)}{hint}"))
        return
    if typ == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append((where, f"expected an integer, got a {json_type(value)}"))
        return
    if typ == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            problems.append((where, f"expected a number, got a {json_type(value)}"))
        return
    if typ == "bool":
        if not isinstance(value, bool):
            problems.append((where, f"expected a boolean, got a {json_type(value)}"))
        return
    cls = getattr(models, typ, None)
    if cls is None or not hasattr(cls, "attribute_map"):
        problems.append((where, f"no model {typ} in python3-kubernetes (not checked)"))
        return
    if not isinstance(value, dict):
        problems.append((where, f"expected a mapping ({typ}), got a {json_type(value)}"))
        return
    by_json = {json_name: attr for attr, json_name in cls.attribute_map.items()}
    present = {}
    for key, item in value.items():
        attr = by_json.get(key)
        if attr is None:
            problems.append((join(path, str(key)), f"unknown field in {typ}"))
            continue
        present[attr] = item
        check(item, cls.openapi_types[attr], join(path, key), problems,
              (typ, attr) in QUANTITIES)
    missing = [a for a in required_attributes(cls) if present.get(a) is None]
    for attr in missing:
        problems.append((join(path, cls.attribute_map[attr]), f"required field missing in {typ}"))
    if not missing:
        # Build the model: its constructor runs the client's own checks.
        try:
            cls(local_vars_configuration=CONFIG, **present)
        except (ValueError, TypeError) as err:
            problems.append((where, f"{typ}: {err}"))


def check_file(name, stream):
    """Returns (documents, failed) for one file and prints a line per document or problem."""
    documents = failed = 0
    try:
        loaded = list(yaml.load_all(stream, Loader=ManifestLoader))
    except yaml.YAMLError as err:
        print(f"FAIL {name}: YAML: {' '.join(str(err).split())}")
        return 1, 1
    for index, doc in enumerate(loaded, start=1):
        if doc is None:
            continue  # an empty document, e.g. after a final ---
        documents += 1
        where = f"{name}#{index}"
        if not isinstance(doc, dict):
            print(f"FAIL {where}: the document is not a mapping")
            failed += 1
            continue
        meta = doc.get("metadata")
        doc_name = meta.get("name") if isinstance(meta, dict) else None
        title = f"{doc.get('kind')}/{doc_name or '(no name)'}"
        cls = model_class(doc.get("apiVersion"), doc.get("kind"))
        if cls is None:
            print(f"FAIL {where} {title}: no model for apiVersion {doc.get('apiVersion')!r} "
                  f"kind {doc.get('kind')!r} in python3-kubernetes (Kubernetes 1.22)")
            failed += 1
            continue
        problems = []
        check(doc, cls.__name__, "", problems)
        if problems:
            failed += 1
            for path, message in problems:
                print(f"FAIL {where} {title}: {path}: {message}")
        else:
            print(f"OK   {where} {title}")
    if documents == 0:
        print(f"FAIL {name}: no Kubernetes document in the file")
        failed += 1
    return documents, failed


def main(argv):
    if not argv or any(a in ("-h", "--help") for a in argv):
        print("usage: /usr/bin/python3 strict_fields.py MANIFEST.yaml...", file=sys.stderr)
        return 2
    documents = failed = unreadable = 0
    for name in argv:
        try:
            with open(name, encoding="utf-8") as stream:
                d, f = check_file(name, stream)
        except OSError as err:
            print(f"FAIL {name}: cannot read: {err.strerror}")
            unreadable += 1
            continue
        documents += d
        failed += f
    print(f"strict_fields.py: {documents} documents, {failed} with problems")
    return 2 if unreadable else 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
