"""modak: validate, optimise and preprocess SODALITE TOSCA blueprints from Python.

A ctypes binding of libmodak (the C library of ``plugin/capi/modak.h``), for orchestrators such
as xOpera. Standard library only: it runs on Debian's ``/usr/bin/python3`` without PyPI.

    import modak
    r = modak.validate("service.yaml")                  # a dict (see docs/plugin-api.md)
    r = modak.preprocess("service.yaml", "/tmp/out")    # writes a deployable blueprint
    modak.opera_deploy("app.csar", "/tmp/deploy", inputs="inputs.yaml")   # preprocess, then opera deploy

Every call returns the result JSON of the library as a dict: ``status`` ("ok", "invalid",
"io-error", "options-error", ...), ``valid``, ``error``, ``diagnostics``, ``decisions`` and, per
operation, ``blueprint`` (optimise) or ``output`` (preprocess). Calls release the GIL, and the
library is thread-safe, so threads may preprocess blueprints in parallel.

The library is found, in order: the ``library`` argument, ``$MODAK_LIBRARY``, the ``lib``
directories of the installation this module belongs to, then the linker's search path.
"""

import ctypes
import ctypes.util
import json
import os
import shutil
import subprocess
import threading

__all__ = [
    "ABI_VERSION", "ModakError", "Library", "load", "abi_version", "version", "validate", "validate_text",
    "optimise", "optimise_text", "optimize", "preprocess", "prepare_for_opera", "opera_deploy",
]

ABI_VERSION = 1  # the modak.h interface this module speaks

OK, INVALID, ERROR_IO, ERROR_OPTIONS, ERROR_ARGUMENT, ERROR_INTERNAL, ERROR_MEMORY = range(7)


class ModakError(Exception):
    """A call that did not succeed (raised by the helpers that need success, and by load())."""

    def __init__(self, message, result=None):
        super().__init__(message)
        self.result = result


def _options_json(options):
    if options is None:
        return None
    if isinstance(options, (str, bytes)):
        return options if isinstance(options, bytes) else options.encode()
    return json.dumps(options).encode()


def _b(s):
    return None if s is None else os.fsencode(s)


class Library:
    """One loaded libmodak. Safe to share between threads."""

    def __init__(self, path):
        self.path = path
        lib = ctypes.CDLL(path)
        lib.modak_abi_version.restype = ctypes.c_int
        lib.modak_abi_version.argtypes = []
        lib.modak_version.restype = ctypes.c_char_p
        lib.modak_version.argtypes = []
        res_p = ctypes.c_void_p
        out_p = ctypes.POINTER(ctypes.c_void_p)
        s = ctypes.c_char_p
        for name, args in (("modak_validate", [s, s, out_p]),
                           ("modak_validate_text", [s, s, s, s, out_p]),
                           ("modak_optimise", [s, s, out_p]),
                           ("modak_optimise_text", [s, s, s, s, out_p]),
                           ("modak_preprocess", [s, s, s, out_p])):
            fn = getattr(lib, name)
            fn.restype = ctypes.c_int
            fn.argtypes = args
        lib.modak_result_json.restype = ctypes.c_char_p
        lib.modak_result_json.argtypes = [res_p]
        lib.modak_result_status.restype = ctypes.c_int
        lib.modak_result_status.argtypes = [res_p]
        lib.modak_result_free.restype = None
        lib.modak_result_free.argtypes = [res_p]
        self._lib = lib
        if lib.modak_abi_version() < ABI_VERSION:
            raise ModakError("%s has ABI version %d; this module needs %d or later"
                             % (path, lib.modak_abi_version(), ABI_VERSION))

    def abi_version(self):
        return self._lib.modak_abi_version()

    def version(self):
        return self._lib.modak_version().decode()

    def _call(self, fn, *args):
        out = ctypes.c_void_p()
        status = fn(*args, ctypes.byref(out))
        if not out.value:
            raise ModakError("libmodak made no result (status %d)" % status)
        try:
            text = self._lib.modak_result_json(out)
        finally:
            self._lib.modak_result_free(out)
        return json.loads(text.decode("utf-8"))

    def validate(self, path, options=None):
        return self._call(self._lib.modak_validate, _b(path), _options_json(options))

    def validate_text(self, text, display_name=None, base_dir=None, options=None):
        return self._call(self._lib.modak_validate_text, text.encode(), _b(display_name), _b(base_dir),
                          _options_json(options))

    def optimise(self, path, options=None):
        return self._call(self._lib.modak_optimise, _b(path), _options_json(options))

    def optimise_text(self, text, display_name=None, base_dir=None, options=None):
        return self._call(self._lib.modak_optimise_text, text.encode(), _b(display_name), _b(base_dir),
                          _options_json(options))

    def preprocess(self, path, out_dir, options=None):
        return self._call(self._lib.modak_preprocess, _b(path), _b(out_dir), _options_json(options))


_loaded = {}
_lock = threading.Lock()


def _candidates():
    env = os.environ.get("MODAK_LIBRARY")
    if env:
        return [env]
    here = os.path.dirname(os.path.abspath(__file__))
    found = []
    # Installed as PREFIX/share/modak/python/modak: the library is in PREFIX/lib*.
    prefix = os.path.normpath(os.path.join(here, "..", "..", "..", ".."))
    for libdir in ("lib", "lib64", os.path.join("lib", "x86_64-linux-gnu"), os.path.join("lib", "aarch64-linux-gnu")):
        p = os.path.join(prefix, libdir, "libmodak.so.0")
        if os.path.exists(p):
            found.append(p)
    name = ctypes.util.find_library("modak")
    if name:
        found.append(name)
    found.append("libmodak.so.0")
    return found


def load(library=None):
    """Loads libmodak (once per path) and returns the Library. Raises ModakError when not found."""
    paths = [os.fspath(library)] if library else _candidates()
    errors = []
    with _lock:
        for p in paths:
            if p in _loaded:
                return _loaded[p]
            try:
                lib = Library(p)
            except OSError as e:
                errors.append(str(e))
                continue
            _loaded[p] = lib
            return lib
    raise ModakError("libmodak not found (set MODAK_LIBRARY to its path): " + "; ".join(errors))


def abi_version(library=None):
    return load(library).abi_version()


def version(library=None):
    return load(library).version()


def validate(path, options=None, library=None):
    """Checks a blueprint (service template, CSAR directory or CSAR zip). Returns the result dict."""
    return load(library).validate(path, options)


def validate_text(text, display_name=None, base_dir=None, options=None, library=None):
    """Checks a service template held in a string; imports resolve against base_dir."""
    return load(library).validate_text(text, display_name, base_dir, options)


def optimise(path, options=None, library=None):
    """Validates and optimises: result["decisions"] and the annotated result["blueprint"] text."""
    return load(library).optimise(path, options)


def optimise_text(text, display_name=None, base_dir=None, options=None, library=None):
    return load(library).optimise_text(text, display_name, base_dir, options)


optimize = optimise


def preprocess(path, out_dir, options=None, library=None):
    """Validates, optimises and renders into out_dir (what `modak preprocess -o out_dir` does)."""
    return load(library).preprocess(path, out_dir, options)


def _describe(result):
    lines = [result.get("error") or ""]
    for d in result.get("diagnostics", []):
        if d.get("severity") == "error":
            lines.append("%s:%s:%s: %s" % (d.get("file"), d.get("line"), d.get("column"), d.get("message")))
    return "\n".join(line for line in lines if line)


def prepare_for_opera(blueprint, out_dir, options=None, library=None):
    """Preprocesses a blueprint or CSAR for xOpera. Returns (service_template, result): the
    rewritten service.yaml inside out_dir, ready for `opera deploy`. Raises ModakError unless the
    result is "ok"."""
    result = preprocess(blueprint, out_dir, options, library)
    if result.get("status") != "ok":
        raise ModakError("modak preprocess %s: %s\n%s" % (blueprint, result.get("status"), _describe(result)), result)
    return os.path.join(out_dir, "service.yaml"), result


def opera_deploy(blueprint, out_dir, inputs=None, options=None, opera="opera", extra_args=(), library=None,
                 run=subprocess.run):
    """The xOpera recipe in one call: preprocess `blueprint` (a service template or CSAR) into
    out_dir, then run `opera deploy [-i INPUTS] service.yaml` in out_dir (xOpera keeps its state in
    out_dir/.opera). Returns the completed process; raises ModakError when preprocessing fails
    and subprocess.CalledProcessError when opera does."""
    service, _ = prepare_for_opera(blueprint, out_dir, options, library)
    exe = shutil.which(opera) or opera
    cmd = [exe, "deploy"]
    if inputs:
        cmd += ["-i", os.path.abspath(inputs)]
    cmd += list(extra_args) + [os.path.basename(service)]
    return run(cmd, cwd=out_dir, check=True)
