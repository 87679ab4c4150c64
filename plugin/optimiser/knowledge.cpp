#include "plugin/optimiser/knowledge.h"

#include <algorithm>
#include <filesystem>

#include "tosca/io/files.h"
#include "tosca/yaml/loader.h"

namespace modak::opt {

namespace fs = std::filesystem;
using diag::Code;

const Partition* Target::partition(const std::string& n) const {
  for (const auto& p : partitions)
    if (p.name == n) return &p;
  return nullptr;
}

const Partition* Target::default_or(const std::string& n) const {
  if (const Partition* p = partition(n)) return p;
  if (const Partition* p = partition(default_partition)) return p;
  return partitions.empty() ? nullptr : &partitions.front();
}

bool Image::offers(const std::string& compiler) const {
  return compiler == "none" || std::find(graph_compilers.begin(), graph_compilers.end(), compiler) != graph_compilers.end();
}

const Target* Knowledge::target(const std::string& name) const {
  for (const auto& t : targets)
    if (t.name == name) return &t;
  return nullptr;
}

double Knowledge::param(std::initializer_list<std::string_view> path, double fallback) const {
  const yaml::Node* n = performance;
  bool first = true;
  for (std::string_view key : path) {
    if (!n || !n->is_map()) return fallback;
    n = n->get(key);
    // Each top-level parameter is {value: X, source: ...}; step into `value`.
    if (first && n && n->is_map() && n->get("value")) n = n->get("value");
    first = false;
  }
  if (!n) return fallback;
  if (n->kind == yaml::Kind::Int) return static_cast<double>(n->num.i);
  if (n->kind == yaml::Kind::Float) return n->num.f;
  return fallback;
}

std::string Knowledge::param_source(std::string_view name) const {
  const yaml::Node* n = performance ? performance->get(name) : nullptr;
  const yaml::Node* s = n && n->is_map() ? n->get("source") : nullptr;
  return s && s->is_scalar() ? s->text : "";
}

namespace {

std::string text(const yaml::Node* map, std::string_view key, std::string fallback = "") {
  const yaml::Node* v = map && map->is_map() ? map->get(key) : nullptr;
  return v && v->is_scalar() && !v->is_null() ? v->text : fallback;
}
double number(const yaml::Node* map, std::string_view key, double fallback = 0) {
  const yaml::Node* v = map && map->is_map() ? map->get(key) : nullptr;
  if (!v) return fallback;
  if (v->kind == yaml::Kind::Int) return static_cast<double>(v->num.i);
  if (v->kind == yaml::Kind::Float) return v->num.f;
  return fallback;
}
bool flag(const yaml::Node* map, std::string_view key) {
  const yaml::Node* v = map && map->is_map() ? map->get(key) : nullptr;
  return v && v->kind == yaml::Kind::Bool && v->num.b;
}
std::vector<std::string> strings(const yaml::Node* map, std::string_view key) {
  std::vector<std::string> out;
  const yaml::Node* v = map && map->is_map() ? map->get(key) : nullptr;
  if (v && v->is_seq())
    for (const yaml::Node* i : v->children) out.push_back(i->text);
  return out;
}
std::vector<std::pair<std::string, std::string>> pairs(const yaml::Node* map, std::string_view key) {
  std::vector<std::pair<std::string, std::string>> out;
  const yaml::Node* v = map && map->is_map() ? map->get(key) : nullptr;
  for (auto [k, val] : yaml::map_entries(v && v->is_map() ? v : nullptr)) out.emplace_back(k->text, val->text);
  return out;
}

Cpu read_cpu(const yaml::Node* n) {
  Cpu c;
  c.model = text(n, "model");
  c.vendor = text(n, "vendor");
  c.microarchitecture = text(n, "microarchitecture");
  c.isa_level = text(n, "isa_level", "x86-64");
  c.sockets = static_cast<int>(number(n, "sockets", 1));
  c.cores_per_socket = static_cast<int>(number(n, "cores_per_socket", 1));
  c.threads_per_core = static_cast<int>(number(n, "threads_per_core", 1));
  c.base_ghz = number(n, "base_ghz");
  c.peak_gflops_per_core = number(n, "peak_gflops_per_core", 16);
  return c;
}

Partition read_partition(const std::string& name, const yaml::Node* n) {
  Partition p;
  p.name = name;
  p.nodes = static_cast<int>(number(n, "nodes", 1));
  p.cpu = read_cpu(n->get("cpu"));
  p.memory_gb = number(n, "memory_gb");
  p.memory_bandwidth_gbs = number(n, "memory_bandwidth_gbs");
  if (const yaml::Node* g = n->get("gpus"); g && g->is_map()) {
    p.gpus.count = static_cast<int>(number(g, "count", 1));
    p.gpus.vendor = text(g, "vendor", "nvidia");
    p.gpus.model = text(g, "model");
    p.gpus.cuda = text(g, "cuda");
    p.gpus.memory_gb = number(g, "memory_gb");
    p.gpus.peak_tflops_fp32 = number(g, "peak_tflops_fp32", 10);
    p.gpus.memory_bandwidth_gbs = number(g, "memory_bandwidth_gbs");
  }
  for (auto [k, v] : pairs(n, "labels")) p.labels[k] = v;
  return p;
}

Target read_target(const std::string& name, const yaml::Node* n) {
  Target t;
  t.name = name;
  t.kind = text(n, "kind", "hpc");
  t.description = text(n, "description");
  t.scheduler = text(n, "scheduler", t.kind == "kubernetes" ? "kubernetes" : "none");
  t.default_partition = text(n, "default_partition");
  t.source = text(n, "source");
  const yaml::Node* ic = n->get("interconnect");
  t.interconnect_name = text(ic, "name");
  t.interconnect_kind = text(ic, "kind");
  t.interconnect_gbps = number(ic, "bandwidth_gbps");
  t.interconnect_latency_us = number(ic, "latency_us");
  t.container_runtimes = strings(n, "container_runtimes");
  for (const char* section : {"partitions", "node_pools"})
    for (auto [k, v] : yaml::map_entries(n->get(section) && n->get(section)->is_map() ? n->get(section) : nullptr))
      if (v->is_map()) t.partitions.push_back(read_partition(k->text, v));
  if (const yaml::Node* st = n->get("storage"); st && st->is_seq())
    for (const yaml::Node* s : st->children)
      t.storage.push_back(Storage{text(s, "name"), text(s, "class"), text(s, "path"), text(s, "source"),
                                  number(s, "bandwidth_mbs", -1), number(s, "cost", 1), number(s, "latency_ms", -1)});
  for (auto [k, v] : pairs(n, "modules")) t.modules[k] = v;
  return t;
}

Image read_image(const yaml::Node* n) {
  Image i;
  i.id = text(n, "id");
  i.framework = text(n, "framework");
  i.app = text(n, "app");
  i.version = text(n, "version");
  i.build = text(n, "build", "official");
  i.isa_level = text(n, "isa_level", "x86-64");
  i.accelerator = text(n, "accelerator", "none");
  i.cuda = text(n, "cuda");
  i.python = text(n, "python");
  i.uri = text(n, "uri");
  i.source = text(n, "source");
  i.graph_compilers = strings(n, "graph_compilers");
  i.enable_opt_build = flag(n, "enable_opt_build");
  i.disabled = flag(n, "disabled");
  if (const yaml::Node* m = n->get("mpi"); m && m->is_map()) {
    i.mpi_library = text(m, "library");
    i.mpi_version = text(m, "version");
  }
  return i;
}

Fragment read_fragment(const yaml::Node* n) {
  Fragment f;
  f.id = text(n, "id");
  f.stage = text(n, "stage", "pre");
  f.source = text(n, "source");
  f.when = pairs(n, "when");
  f.env = pairs(n, "env");
  f.commands = strings(n, "commands");
  return f;
}

ScalingModel read_scaling(const yaml::Node* n) {
  ScalingModel s;
  s.id = text(n, "id");
  s.app = text(n, "app");
  s.mpi_library = text(n, "mpi_library");
  s.case_name = text(n, "case");
  s.model = text(n, "model", "generalised-amdahl");
  s.image = text(n, "image");
  s.source = text(n, "source");
  s.parallel_fraction = number(n, "parallel_fraction");
  s.max_ranks = static_cast<int>(number(n, "max_ranks"));
  s.max_threads = static_cast<int>(number(n, "max_threads"));
  for (auto [k, v] : yaml::map_entries(n->get("measurements") && n->get("measurements")->is_map() ? n->get("measurements") : nullptr))
    if (k->kind == yaml::Kind::Int) s.measurements.emplace_back(static_cast<int>(k->num.i), number(n->get("measurements"), k->text));
  return s;
}

template <class T, class Key>
void put(std::vector<T>& list, T item, Key key) {
  for (auto& existing : list)
    if (key(existing) == key(item)) {
      existing = std::move(item);
      return;
    }
  list.push_back(std::move(item));
}

void merge_performance(Knowledge& k, const yaml::Node* perf) {
  if (!k.performance) {
    k.performance = perf;
    return;
  }
  // Later files override single parameters: build a merged map in the knowledge arena.
  yaml::Node* merged = k.arena->make(yaml::Kind::Map, k.performance->mark);
  merged->children = k.performance->children;
  for (auto [key, val] : yaml::map_entries(perf)) {
    bool replaced = false;
    for (std::size_t i = 0; i + 1 < merged->children.size(); i += 2)
      if (merged->children[i]->text == key->text) merged->children[i + 1] = const_cast<yaml::Node*>(val), replaced = true;
    if (!replaced) merged->children.push_back(const_cast<yaml::Node*>(key)), merged->children.push_back(const_cast<yaml::Node*>(val));
  }
  k.performance = merged;
}

void load_file(const std::string& path, Knowledge& k, diag::Sink& sink) {
  std::string content, error;
  if (!io::read_file(path, content, error, 16u << 20)) {
    sink.error(Code::IoError, {path, 0, 0}, error);
    return;
  }
  auto id = k.sources->add(path);
  const yaml::Node* root = yaml::load_yaml(content, id, *k.sources, *k.arena, sink);
  if (!root) return;
  if (!root->is_map() || !root->get("modak_knowledge")) {
    sink.warning(Code::UnknownField, {path, 1, 1}, "not a modak knowledge file (no 'modak_knowledge: 1'); ignored");
    return;
  }
  k.files.push_back(path);
  if (const yaml::Node* t = root->get("targets"); t && t->is_map())
    for (auto [name, body] : yaml::map_entries(t))
      if (body->is_map()) put(k.targets, read_target(name->text, body), [](const Target& x) { return x.name; });
  if (const yaml::Node* imgs = root->get("images"); imgs && imgs->is_seq())
    for (const yaml::Node* i : imgs->children)
      if (i->is_map()) put(k.images, read_image(i), [](const Image& x) { return x.id; });
  if (const yaml::Node* fr = root->get("fragments"); fr && fr->is_seq())
    for (const yaml::Node* f : fr->children)
      if (f->is_map()) put(k.fragments, read_fragment(f), [](const Fragment& x) { return x.id; });
  if (const yaml::Node* sm = root->get("scaling_models"); sm && sm->is_seq())
    for (const yaml::Node* s : sm->children)
      if (s->is_map()) put(k.scaling, read_scaling(s), [](const ScalingModel& x) { return x.id; });
  if (const yaml::Node* perf = root->get("performance"); perf && perf->is_map()) merge_performance(k, perf);
}

void load_dir(const fs::path& dir, Knowledge& k, diag::Sink& sink) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return;
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(dir, ec))
    if (e.is_regular_file() && (e.path().extension() == ".yaml" || e.path().extension() == ".yml")) files.push_back(e.path());
  std::sort(files.begin(), files.end());  // deterministic: same inputs, same decisions
  for (const auto& f : files) load_file(f.string(), k, sink);
}

}  // namespace

bool load_knowledge(const std::string& share_dir, const std::vector<std::string>& extra_dirs, Knowledge& out,
                    diag::Sink& sink) {
  std::size_t before = sink.count(diag::Severity::Error);
  for (const char* sub : {"targets", "catalogue", "environment", "models"}) load_dir(fs::path(share_dir) / sub, out, sink);
  for (const auto& d : extra_dirs) {
    std::error_code ec;
    if (!fs::is_directory(d, ec)) {
      sink.error(Code::IoError, {d, 0, 0}, "'" + d + "' is not a directory of knowledge files");
      continue;
    }
    load_dir(d, out, sink);
  }
  return sink.count(diag::Severity::Error) == before;
}

}  // namespace modak::opt
