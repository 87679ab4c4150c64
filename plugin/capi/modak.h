/* libmodak: the C interface of modak (validate, optimise and preprocess SODALITE TOSCA blueprints).
 *
 * A small, versioned C ABI for orchestrators and plugins (xOpera through Python ctypes, or any
 * program that can dlopen a shared library). Options and results are JSON text; see
 * docs/plugin-api.md for the formats.
 *
 * Ownership: every modak_result* handed out by a call belongs to the caller and must be released
 * with modak_result_free(). Strings returned by modak_result_json() belong to the result and stay
 * valid until it is freed. modak_version() and modak_status_name() return static strings.
 *
 * Threads: every function may be called from many threads at once. The library keeps no global
 * mutable state; each call loads what it needs. A single modak_result may be read from several
 * threads, but must be freed once, after the readers are done.
 *
 * ABI: functions are only ever added. MODAK_ABI_VERSION grows when one is; compare it with
 * modak_abi_version() at run time when loading the library with dlopen.
 */
#ifndef MODAK_H
#define MODAK_H

#ifdef __cplusplus
extern "C" {
#endif

#if defined(MODAK_BUILDING_LIBRARY)
#define MODAK_API __attribute__((visibility("default")))
#else
#define MODAK_API
#endif

/* The interface version this header describes. */
#define MODAK_ABI_VERSION 1

/* Status codes. 0, 1 and 2 match the exit status of the modak command. */
typedef enum modak_status {
  MODAK_OK = 0,              /* done; the blueprint is valid (warnings may be in the result) */
  MODAK_INVALID = 1,         /* the blueprint or a request is invalid: see "diagnostics" */
  MODAK_ERROR_IO = 2,        /* nothing could be read, or the output could not be written: see "error" */
  MODAK_ERROR_OPTIONS = 3,   /* options_json is not a JSON object or holds an unknown or malformed option */
  MODAK_ERROR_ARGUMENT = 4,  /* a required pointer argument was NULL (no result is made when `out` is NULL) */
  MODAK_ERROR_INTERNAL = 5,  /* a bug in modak: see "error" */
  MODAK_ERROR_MEMORY = 6     /* out of memory (`*out` may be NULL) */
} modak_status;

/* The outcome of one call: a status and a JSON document. Opaque. */
typedef struct modak_result modak_result;

/* MODAK_ABI_VERSION of the loaded library. */
MODAK_API int modak_abi_version(void);
/* The modak release, for example "0.1.0". Static storage. */
MODAK_API const char* modak_version(void);
/* "ok", "invalid", "io-error", "options-error", "argument-error", "internal-error", "memory-error";
 * "unknown" for other values. Static storage. */
MODAK_API const char* modak_status_name(int status);

/* Loads and checks a blueprint: a service template file, a CSAR directory or a CSAR zip.
 * options_json may be NULL (defaults). On return *out holds a result (also on failure, except for
 * MODAK_ERROR_ARGUMENT and possibly MODAK_ERROR_MEMORY) that the caller frees. */
MODAK_API modak_status modak_validate(const char* path, const char* options_json, modak_result** out);

/* The same for a service template held in memory. `display_name` names it in diagnostics (NULL:
 * "<memory>"); relative imports resolve against `base_dir` (NULL: the current directory). */
MODAK_API modak_status modak_validate_text(const char* text, const char* display_name, const char* base_dir,
                                           const char* options_json, modak_result** out);

/* Validates, then decides image, graph compiler, resources, launcher and environment for every
 * application node that carries an optimisation request. The result holds the decisions and
 * the annotated blueprint text (what `modak optimise -o` writes). */
MODAK_API modak_status modak_optimise(const char* path, const char* options_json, modak_result** out);
MODAK_API modak_status modak_optimise_text(const char* text, const char* display_name, const char* base_dir,
                                           const char* options_json, modak_result** out);

/* Validates, optimises and renders the blueprint into `out_dir` (service.yaml, job scripts or
 * manifests, imported files, TOSCA-Metadata; with the option "csar": true also out_dir.csar),
 * as `modak preprocess` does. The directory is replaced as a whole; give each concurrent call its
 * own. An existing non-empty directory that is not a modak output is refused (MODAK_ERROR_IO)
 * unless the option "force": true is given. The result lists the written files. */
MODAK_API modak_status modak_preprocess(const char* path, const char* out_dir, const char* options_json,
                                        modak_result** out);

/* The result as JSON text (UTF-8, NUL-terminated), owned by the result. NULL for a NULL result. */
MODAK_API const char* modak_result_json(const modak_result* result);
/* The status the call returned. MODAK_ERROR_ARGUMENT for a NULL result. */
MODAK_API modak_status modak_result_status(const modak_result* result);
/* Releases a result. NULL is allowed. */
MODAK_API void modak_result_free(modak_result* result);

#ifdef __cplusplus
}
#endif

#endif /* MODAK_H */
