/* Loads libmodak with dlopen and preprocesses every bundled blueprint (blueprints/NAME/service.yaml)
 * once on one thread, then from THREADS threads at once (each call into its own output
 * directory), and checks that every concurrent result equals the single-threaded one: the same
 * status, the same result JSON (output directory names replaced) and the same written files, byte
 * for byte. Also checks the ABI version, the argument and option errors, and validate_text.
 * Built normally for ctest, and with -DMODAK_TSAN=ON for a ThreadSanitizer run.
 *
 * Usage: modak_capi_dlopen_threads LIBMODAK SOURCE_DIR [THREADS] [ROUNDS]
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <glob.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "modak.h"

typedef int (*abi_fn)(void);
typedef const char* (*version_fn)(void);
typedef modak_status (*validate_fn)(const char*, const char*, modak_result**);
typedef modak_status (*validate_text_fn)(const char*, const char*, const char*, const char*, modak_result**);
typedef modak_status (*preprocess_fn)(const char*, const char*, const char*, modak_result**);
typedef const char* (*json_fn)(const modak_result*);
typedef modak_status (*status_fn)(const modak_result*);
typedef void (*free_fn)(modak_result*);

static struct {
  abi_fn abi_version;
  version_fn version;
  validate_fn validate;
  validate_text_fn validate_text;
  preprocess_fn preprocess;
  json_fn result_json;
  status_fn result_status;
  free_fn result_free;
} api;

enum { MAX_BLUEPRINTS = 64, MAX_THREADS = 64 };

static char* blueprints[MAX_BLUEPRINTS];
static size_t n_blueprints;
static char base[4096];
static char options[8192];
static int n_threads = 8, n_rounds = 1;

struct outcome {
  int status;
  char* json;  /* with the output directory replaced by @OUT@ */
  char dir[4200];
};
static struct outcome single[MAX_BLUEPRINTS];
static struct outcome* multi; /* [thread][round][blueprint] */

static int failures;
#define FAIL(...)                     \
  do {                                \
    fprintf(stderr, "FAIL: " __VA_ARGS__); \
    fputc('\n', stderr);              \
    failures++;                       \
  } while (0)

static char* replace_all(const char* text, const char* what, const char* with) {
  size_t wl = strlen(what), nl = strlen(with), count = 0;
  for (const char* p = strstr(text, what); p; p = strstr(p + wl, what)) count++;
  char* out = malloc(strlen(text) + count * (nl > wl ? nl - wl : 0) + 1);
  char* o = out;
  const char* p = text;
  for (const char* q = strstr(p, what); q; q = strstr(p, what)) {
    memcpy(o, p, (size_t)(q - p));
    o += q - p;
    memcpy(o, with, nl);
    o += nl;
    p = q + wl;
  }
  strcpy(o, p);
  return out;
}

static void run_one(size_t bp, const char* dir, struct outcome* out) {
  modak_result* r = NULL;
  snprintf(out->dir, sizeof out->dir, "%s", dir);
  out->status = (int)api.preprocess(blueprints[bp], dir, options, &r);
  if (!r) {
    out->json = strdup("(no result)");
    return;
  }
  if ((int)api.result_status(r) != out->status) out->status = -100;
  out->json = replace_all(api.result_json(r), dir, "@OUT@");
  api.result_free(r);
}

static void* worker(void* arg) {
  int t = (int)(size_t)arg;
  for (int round = 0; round < n_rounds; round++)
    for (size_t k = 0; k < n_blueprints; k++) {
      size_t bp = (k + (size_t)t) % n_blueprints; /* threads start on different blueprints */
      char dir[4200];
      snprintf(dir, sizeof dir, "%s/t%d-r%d-b%zu", base, t, round, bp);
      run_one(bp, dir, &multi[((size_t)t * (size_t)n_rounds + (size_t)round) * n_blueprints + bp]);
    }
  return NULL;
}

/* Reads a whole file; NULL when unreadable. */
static char* slurp(const char* path, size_t* len) {
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 4096, n = 0;
  char* buf = malloc(cap);
  size_t got;
  while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) buf = realloc(buf, cap *= 2);
  }
  fclose(f);
  *len = n;
  return buf;
}

static int compare_names(const void* a, const void* b) { return strcmp(*(char* const*)a, *(char* const*)b); }

/* Compares two directory trees: the same names, regular files with the same bytes. */
static int same_tree(const char* a, const char* b, const char* rel) {
  char pa[8192], pb[8192];
  snprintf(pa, sizeof pa, "%s%s", a, rel);
  snprintf(pb, sizeof pb, "%s%s", b, rel);
  DIR* da = opendir(pa);
  DIR* db = opendir(pb);
  int ok = da && db;
  char* na[512];
  char* nb[512];
  size_t ca = 0, cb = 0;
  struct dirent* e;
  while (ok && (e = readdir(da)) && ca < 512)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) na[ca++] = strdup(e->d_name);
  while (ok && (e = readdir(db)) && cb < 512)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) nb[cb++] = strdup(e->d_name);
  if (da) closedir(da);
  if (db) closedir(db);
  if (ok && ca != cb) {
    FAIL("%s%s and %s%s hold %zu and %zu entries", a, rel, b, rel, ca, cb);
    ok = 0;
  }
  qsort(na, ca, sizeof *na, compare_names);
  qsort(nb, cb, sizeof *nb, compare_names);
  for (size_t i = 0; ok && i < ca; i++) {
    char sub[8192];
    if (strcmp(na[i], nb[i])) {
      FAIL("%s%s: entry %s against %s", b, rel, nb[i], na[i]);
      ok = 0;
      break;
    }
    snprintf(sub, sizeof sub, "%s/%s", rel, na[i]);
    char fa[8192], fb[8192];
    snprintf(fa, sizeof fa, "%s%s", a, sub);
    snprintf(fb, sizeof fb, "%s%s", b, sub);
    struct stat sa, sb;
    if (stat(fa, &sa) || stat(fb, &sb)) {
      ok = 0;
      break;
    }
    if (S_ISDIR(sa.st_mode)) {
      ok = S_ISDIR(sb.st_mode) && same_tree(a, b, sub);
    } else {
      size_t la = 0, lb = 0;
      char* ba = slurp(fa, &la);
      char* bb = slurp(fb, &lb);
      if (!ba || !bb || la != lb || memcmp(ba, bb, la)) {
        FAIL("%s differs from %s", fb, fa);
        ok = 0;
      }
      free(ba);
      free(bb);
    }
  }
  for (size_t i = 0; i < ca; i++) free(na[i]);
  for (size_t i = 0; i < cb; i++) free(nb[i]);
  if (!da || !db) FAIL("cannot list %s or %s", pa, pb);
  return ok;
}

static void remove_tree(const char* path) {
  DIR* d = opendir(path);
  if (d) {
    struct dirent* e;
    while ((e = readdir(d)))
      if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
        char sub[8192];
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        remove_tree(sub);
      }
    closedir(d);
    rmdir(path);
  } else {
    unlink(path);
  }
}

#define LOAD(field, name)                                                  \
  do {                                                                     \
    *(void**)(&api.field) = dlsym(lib, name);                              \
    if (!api.field) {                                                      \
      fprintf(stderr, "FAIL: %s is not exported: %s\n", name, dlerror()); \
      return 1;                                                            \
    }                                                                      \
  } while (0)

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s LIBMODAK SOURCE_DIR [THREADS] [ROUNDS]\n", argv[0]);
    return 2;
  }
  if (argc > 3) n_threads = atoi(argv[3]);
  if (argc > 4) n_rounds = atoi(argv[4]);
  if (n_threads < 1 || n_threads > MAX_THREADS || n_rounds < 1) return 2;

  void* lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    fprintf(stderr, "FAIL: dlopen %s: %s\n", argv[1], dlerror());
    return 1;
  }
  LOAD(abi_version, "modak_abi_version");
  LOAD(version, "modak_version");
  LOAD(validate, "modak_validate");
  LOAD(validate_text, "modak_validate_text");
  LOAD(preprocess, "modak_preprocess");
  LOAD(result_json, "modak_result_json");
  LOAD(result_status, "modak_result_status");
  LOAD(result_free, "modak_result_free");
  if (api.abi_version() != MODAK_ABI_VERSION) FAIL("ABI version %d, header %d", api.abi_version(), MODAK_ABI_VERSION);
  printf("libmodak %s, ABI %d\n", api.version(), api.abi_version());

  snprintf(options, sizeof options, "{\"share_dir\": \"%s/share\"}", argv[2]);

  /* Errors: no result pointer, malformed options, a missing file, a document in memory. */
  modak_result* r = NULL;
  if (api.validate("x.yaml", NULL, NULL) != MODAK_ERROR_ARGUMENT) FAIL("NULL out is not an argument error");
  if (api.validate("x.yaml", "{\"profile\": 3}", &r) != MODAK_ERROR_OPTIONS || !r ||
      !strstr(api.result_json(r), "options-error"))
    FAIL("a malformed option is not an options error");
  api.result_free(r);
  r = NULL;
  if (api.validate("/nonexistent/service.yaml", options, &r) != MODAK_ERROR_IO) FAIL("a missing file is not an I/O error");
  api.result_free(r);
  r = NULL;
  const char* doc =
      "tosca_definitions_version: tosca_simple_yaml_1_3\n"
      "topology_template:\n  node_templates:\n    web: { type: tosca.nodes.WebServer, requirements: [ host: nowhere ] }\n";
  if (api.validate_text(doc, "memory.yaml", NULL, options, &r) != MODAK_INVALID || !strstr(api.result_json(r), "memory.yaml"))
    FAIL("validate_text does not report the dangling requirement in memory.yaml");
  api.result_free(r);
  api.result_free(NULL);

  glob_t g;
  char pattern[4200];
  snprintf(pattern, sizeof pattern, "%s/blueprints/*/service.yaml", argv[2]);
  if (glob(pattern, 0, NULL, &g) != 0 || g.gl_pathc == 0) {
    fprintf(stderr, "FAIL: no blueprints match %s\n", pattern);
    return 1;
  }
  for (size_t i = 0; i < g.gl_pathc && n_blueprints < MAX_BLUEPRINTS; i++) blueprints[n_blueprints++] = g.gl_pathv[i];

  const char* tmp = getenv("TMPDIR");
  snprintf(base, sizeof base, "%s/modak-capi.XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(base)) {
    perror("mkdtemp");
    return 1;
  }

  for (size_t i = 0; i < n_blueprints; i++) {
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/single-b%zu", base, i);
    run_one(i, dir, &single[i]);
    printf("%-60s %s\n", blueprints[i], single[i].status == MODAK_OK ? "ok" : "FAILED");
    if (single[i].status != MODAK_OK) FAIL("%s: status %d\n%s", blueprints[i], single[i].status, single[i].json);
  }

  size_t total = (size_t)n_threads * (size_t)n_rounds * n_blueprints;
  multi = calloc(total, sizeof *multi);
  pthread_t threads[MAX_THREADS];
  for (int t = 0; t < n_threads; t++)
    if (pthread_create(&threads[t], NULL, worker, (void*)(size_t)t)) {
      FAIL("pthread_create");
      return 1;
    }
  for (int t = 0; t < n_threads; t++) pthread_join(threads[t], NULL);

  size_t same = 0;
  for (size_t k = 0; k < total; k++) {
    size_t bp = k % n_blueprints;
    struct outcome* o = &multi[k];
    int ok = 1;
    if (o->status != single[bp].status) {
      FAIL("%s: status %d on a thread, %d alone", blueprints[bp], o->status, single[bp].status);
      ok = 0;
    }
    if (strcmp(o->json, single[bp].json)) {
      FAIL("%s: the result JSON differs on a thread:\n--- alone\n%s\n--- thread\n%s", blueprints[bp], single[bp].json,
           o->json);
      ok = 0;
    }
    if (!same_tree(single[bp].dir, o->dir, "")) ok = 0;
    same += (size_t)ok;
  }
  printf("%zu blueprints, %d threads x %d round(s): %zu of %zu concurrent results equal the single-threaded ones\n",
         n_blueprints, n_threads, n_rounds, same, total);

  for (size_t k = 0; k < total; k++) free(multi[k].json);
  for (size_t i = 0; i < n_blueprints; i++) free(single[i].json);
  free(multi);
  globfree(&g);
  if (!getenv("MODAK_KEEP")) remove_tree(base);
  dlclose(lib);
  if (failures) {
    fprintf(stderr, "%d failure(s)\n", failures);
    return 1;
  }
  printf("ok\n");
  return 0;
}
