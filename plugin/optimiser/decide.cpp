#include "plugin/optimiser/decide.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <string_view>

#include "plugin/optimiser/perf_model.h"
#include "plugin/optimiser/scaling.h"

namespace modak::opt {

using diag::Code;

std::string Decision::image_uri() const {
  if (const Candidate* c = chosen()) return c->image->uri;
  return kept_user_image;
}

namespace {

std::string fmt(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

// "2.10" -> {2, 10}; {} when a part is empty, not all digits or too large ("2..1", "2.x").
// A trailing dot adds no part ("2." -> {2}). Called for every catalogue image of every request,
// hence no string stream.
std::vector<long> version_parts(std::string_view v) {
  std::vector<long> out;
  for (std::size_t i = 0; i < v.size();) {
    std::size_t end = std::min(v.find('.', i), v.size());
    std::string_view part = v.substr(i, end - i);
    long n = 0;
    if (part.empty() || part.find_first_not_of("0123456789") != std::string_view::npos ||
        std::from_chars(part.data(), part.data() + part.size(), n).ec != std::errc())
      return {};
    out.push_back(n);
    i = end + 1;
  }
  return out;
}

// --- target and partition -------------------------------------------------------------------

// A target made from what the request says of the hardware, when it names no known site.
Target synthetic_target(const Request& r, const Knowledge& k) {
  const Fields* ob = r.optimisation.section("opt_build");
  std::string cpu = ob ? ob->str("cpu_type").value_or("x86") : "x86";
  std::string acc = ob ? ob->str("acc_type").value_or("none") : "none";
  std::string name = "generic-" + std::string(cpu == "amd" ? "x86" : cpu) + (acc == "nvidia" || acc == "amd" ? "-" + acc : "");
  Target t;
  if (const Target* known = k.target(name)) t = *known;
  else {
    t.name = name;
    Partition p;
    p.name = "default";
    p.nodes = 1024;
    p.cpu.isa_level = cpu == "arm" ? "armv8-a" : cpu == "power" ? "power9" : "x86-64-v3";
    p.cpu.microarchitecture = "unknown " + cpu;
    p.cpu.cores_per_socket = 40;  // MODAK's testbed default (ppn=40)
    p.cpu.peak_gflops_per_core = 32;
    if (acc == "nvidia" || acc == "amd") {
      p.gpus.count = 1;
      p.gpus.vendor = acc;
      p.gpus.peak_tflops_fp32 = 11.3;
    }
    t.partitions.push_back(p);
    t.storage.push_back(Storage{"default", "default-common", "/data", "modak prior", -1, 1, -1});
  }
  t.synthetic = true;
  std::string scheduler = r.target.str("job_scheduler_type").value_or(r.target.str("queue_type").value_or(""));
  if (!scheduler.empty()) t.scheduler = scheduler == "pbs" ? "pbspro" : scheduler;
  return t;
}

// --- resources ------------------------------------------------------------------------------

struct Shape {
  const yaml::Node* ranks_at = nullptr;
  const yaml::Node* nodes_at = nullptr;
  const yaml::Node* ppn_at = nullptr;
};

constexpr std::int64_t kMaxRanks = 10'000'000;

// The counts the arithmetic below multiplies and divides by, refused outside what any machine
// has: a node_count of 0 divided by zero (fuzz finding, docs/fuzzing.md), huge ones overflowed.
bool counts_in_range(tosca::Context& ctx, const Fields& app, const Fields& jo, const Fields* omp) {
  struct Count {
    const Fields* fields;
    const char* name;
    std::int64_t min, max;
  };
  const Count counts[] = {{&app, "mpi_ranks", 1, kMaxRanks},       {&app, "threads", 1, 4096},
                          {&jo, "node_count", 1, 1'000'000},        {&jo, "process_count_per_node", 1, 4096},
                          {&jo, "request_gpus", 0, 1024},           {omp, "number_of_threads", 1, 4096}};
  bool ok = true;
  for (const Count& c : counts) {
    auto v = c.fields ? c.fields->integer(c.name) : std::nullopt;
    if (!v || (*v >= c.min && *v <= c.max)) continue;
    ctx.error(Code::InvalidValue, c.fields->node(c.name),
              std::string(c.name) + " " + std::to_string(*v) + " is outside " + std::to_string(c.min) + ".." +
                  std::to_string(c.max));
    ok = false;
  }
  return ok;
}

bool shape_resources(tosca::Context& ctx, const Request& r, const Knowledge& k, const Partition& p, bool hardware_known,
                     Decision& d) {
  Resources& res = d.resources;
  const Fields& app = r.application;
  const Fields& jo = r.job_options;
  Shape at{app.node("mpi_ranks"), jo.node("node_count"), jo.node("process_count_per_node")};
  const Fields* omp = r.optimisation.section("app_type-hpc") ? r.optimisation.section("app_type-hpc")->section("parallelisation-openmp") : nullptr;
  if (!counts_in_range(ctx, app, jo, omp)) return false;
  res.threads = static_cast<int>(app.integer("threads").value_or(omp ? omp->integer("number_of_threads").value_or(1) : 1));
  res.ranks = static_cast<int>(app.integer("mpi_ranks").value_or(1));
  if (!at.ranks_at && jo.integer("node_count") && jo.integer("process_count_per_node") && r.app_type() == "hpc") {
    const std::int64_t ranks = *jo.integer("node_count") * *jo.integer("process_count_per_node");  // both range-checked
    if (ranks > kMaxRanks) {
      ctx.error(Code::InvalidValue, at.nodes_at,
                "node_count x process_count_per_node = " + std::to_string(ranks) + " ranks, more than " +
                    std::to_string(kMaxRanks));
      return false;
    }
    res.ranks = static_cast<int>(ranks);
  }
  res.gpus_per_node = static_cast<int>(jo.integer("request_gpus").value_or(0));
  res.threads = std::max(1, res.threads);
  res.ranks = std::max(1, res.ranks);

  // MODAK's scaler: cap ranks where the Amdahl efficiency falls below the requested minimum.
  if (auto eff = app.number("minimal_efficiency"); eff && *eff > 0) {
    const std::string tag = app.str("app_tag").value_or("");
    for (const auto& m : k.scaling) {
      if (tag.empty() || m.app != tag) continue;
      int capped = res.ranks;
      if (m.model == "amdahl" && m.parallel_fraction > 0) capped = amdahl_max_ranks(m.parallel_fraction, *eff, res.ranks);
      else if (m.measurements.size() >= 3) {
        ScalingFit fit = fit_generalised_amdahl(m.measurements);
        while (capped > 1 && fit.efficiency(capped) < *eff) --capped;
      } else if (m.model == "max" && m.max_ranks > 0) capped = std::min(capped, m.max_ranks);
      if (capped < res.ranks) {
        d.why.push_back("ranks lowered from " + std::to_string(res.ranks) + " to " + std::to_string(capped) +
                        ": beyond that the parallel efficiency of '" + m.id + "' falls below " + fmt(*eff));
        res.ranks = capped;
      }
      break;
    }
  }

  // Slots per node: hardware threads, as Torque's ppn and Slurm's CPUs count them.
  const int cores = p.cpu.cores() * std::max(1, p.cpu.threads_per_core);
  const int subscription = 1;
  auto nodes = jo.integer("node_count");
  auto ppn = jo.integer("process_count_per_node");
  if (nodes && *nodes > p.nodes && hardware_known) {
    ctx.error(Code::ResourceConflict, at.nodes_at,
              "node_count " + std::to_string(*nodes) + " exceeds the " + std::to_string(p.nodes) +
                  " nodes of partition '" + p.name + "'");
    return false;
  }
  if (nodes && ppn) {
    if (res.ranks > *nodes * *ppn) {
      ctx.error(Code::ResourceConflict, at.ranks_at ? at.ranks_at : at.nodes_at,
                std::to_string(res.ranks) + " ranks do not fit " + std::to_string(*nodes) + " nodes x " +
                    std::to_string(*ppn) + " tasks per node; raise node_count or process_count_per_node, or lower mpi_ranks");
      return false;
    }
    res.nodes = static_cast<int>(*nodes);
    res.tasks_per_node = static_cast<int>(std::min<std::int64_t>(*ppn, (res.ranks + *nodes - 1) / *nodes));
  } else if (nodes) {
    res.nodes = static_cast<int>(*nodes);
    res.tasks_per_node = (res.ranks + res.nodes - 1) / res.nodes;
    d.why.push_back("process_count_per_node completed: " + std::to_string(res.tasks_per_node));
  } else {
    int per_node = ppn ? static_cast<int>(*ppn) : std::max(1, std::min(res.ranks, cores * subscription / res.threads));
    res.tasks_per_node = std::min(per_node, res.ranks);
    res.nodes = (res.ranks + res.tasks_per_node - 1) / res.tasks_per_node;
    d.why.push_back("node_count completed: " + std::to_string(res.ranks) + " ranks at " +
                    std::to_string(res.tasks_per_node) + " per node need " + std::to_string(res.nodes) + " node(s)");
    if (res.nodes > p.nodes && hardware_known) {
      ctx.error(Code::ResourceConflict, at.ranks_at ? at.ranks_at : r.application.where,
                std::to_string(res.ranks) + " ranks x " + std::to_string(res.threads) + " threads need " +
                    std::to_string(res.nodes) + " nodes; partition '" + p.name + "' has " + std::to_string(p.nodes));
      return false;
    }
  }
  // A training process uses its node's cores through intra-op threads unless the request says otherwise.
  if (r.app_type() == "ai_training" && !app.node("threads") && hardware_known)
    res.threads = std::max(1, p.cpu.cores() / std::max(1, res.tasks_per_node));
  if (hardware_known && res.tasks_per_node * res.threads > cores * subscription) {
    const yaml::Node* where = app.node("threads") ? app.node("threads") : at.ppn_at ? at.ppn_at : at.ranks_at;
    if (ppn || app.node("threads")) {
      ctx.error(Code::ResourceConflict, where ? where : r.application.where,
                std::to_string(res.tasks_per_node) + " tasks x " + std::to_string(res.threads) +
                    " threads per node exceed the " + std::to_string(cores) + " hardware threads of a '" + p.name + "' node");
      return false;
    }
  }
  if (hardware_known && res.gpus_per_node > p.gpus.count) {
    ctx.error(Code::ResourceConflict, jo.node("request_gpus"),
              "request_gpus " + std::to_string(res.gpus_per_node) + " exceeds the " + std::to_string(p.gpus.count) +
                  " GPU(s) per node of partition '" + p.name + "'");
    return false;
  }
  return true;
}

// --- storage --------------------------------------------------------------------------------

const Storage* choose_storage(const Request& r, const Target& t, Decision& d) {
  std::string pref = r.application.str("storage_class_pref").value_or("");
  const Storage* best = nullptr;
  for (const auto& s : t.storage)
    if (!pref.empty() && s.cls == pref) {
      d.why.push_back("storage '" + s.name + "' (" + s.path + "): the requested class " + pref);
      return &s;
    }
  for (const auto& s : t.storage)
    if (!best || s.cost < best->cost) best = &s;
  if (best)
    d.why.push_back("storage '" + best->name + "' (" + best->path + "): " +
                    (pref.empty() ? "no class requested, the cheapest (" + best->cls + ")"
                                  : "no '" + pref + "' storage here, the cheapest (" + best->cls + ")"));
  return best;
}

// --- candidates -----------------------------------------------------------------------------

std::string cpu_family(const Request& r) {
  const Fields* ob = r.optimisation.section("opt_build");
  std::string cpu = ob ? ob->str("cpu_type").value_or("") : "";
  return cpu == "arm" ? "arm" : cpu == "power" ? "power" : cpu.empty() ? "" : "x86";
}

std::string image_family(const Image& i) {
  if (i.isa_level.rfind("arm", 0) == 0) return "arm";
  if (i.isa_level.rfind("power", 0) == 0) return "power";
  return "x86";
}

// Why `img` does not fit the request, or "" when it does.
std::string mismatch(const Request& r, const Image& img) {
  const bool ai = r.app_type() == "ai_training";
  if (ai) {
    if (img.framework != r.framework()) return "framework";
    const Fields* fw = r.framework_section();
    std::string v = fw ? fw->str("version").value_or("") : "";
    if (!v.empty() && !version_matches(v, img.version)) return "version " + img.version + " is not " + v;
  } else {
    const Fields* mpi = r.parallelisation_section();
    std::string tag = r.application.str("app_tag").value_or("");
    std::string lib = mpi ? mpi->str("library").value_or("") : "";
    bool app_image = !tag.empty() && img.app == tag;
    if (!app_image && (lib.empty() || img.app != lib) && !(lib.empty() && img.app == tag)) return "application";
    if (!lib.empty() && !img.mpi_library.empty() && img.mpi_library != lib) return "MPI library " + img.mpi_library + " is not " + lib;
    std::string v = mpi ? mpi->str("version").value_or("") : "";
    const std::string& have = img.mpi_version.empty() ? img.version : img.mpi_version;
    if (!v.empty() && !app_image && !version_matches(v, have)) return "MPI version " + have + " is not " + v;
  }
  std::string fam = cpu_family(r);
  if (!fam.empty() && fam != image_family(img)) return "built for " + image_family(img) + ", the request says " + fam;
  const Fields* ob = r.optimisation.section("opt_build");
  std::string acc = ob ? ob->str("acc_type").value_or("") : "";
  if ((acc.empty() || acc == "none") && img.accelerator != "none" && ai)
    return "a " + img.accelerator + " GPU image, and the request asks for no accelerator";
  bool opt_build = r.optimisation.boolean("enable_opt_build").value_or(false);
  if (!opt_build && img.enable_opt_build) return "an optimised build, and enable_opt_build is false";
  return "";
}

// Graph compilers the request allows for this image: an explicit `xla: false` rules XLA out.
std::vector<std::string> compilers_for(const Request& r, const Image& img) {
  std::vector<std::string> out{"none"};
  const Fields* fw = r.framework_section();
  for (const auto& c : img.graph_compilers) {
    if (fw && fw->boolean(c) == std::optional<bool>(false)) continue;
    out.push_back(c);
  }
  return out;
}

void rank_candidates(const Request& r, const Knowledge& k, const Target& t, const Partition& p, Decision& d) {
  for (const Image& img : k.images) {
    if (img.disabled) continue;
    std::string why = mismatch(r, img);
    if (!why.empty()) {
      if (why != "framework" && why != "application") {
        Candidate c;
        c.image = &img;
        c.rejected = why;
        d.rejected.push_back(c);
      }
      continue;
    }
    for (const auto& compiler : compilers_for(r, img)) {
      Candidate c;
      c.image = &img;
      c.compiler = compiler;
      Situation s{r, k, t, p, d.resources, d.storage, d.container_runtime};
      predict(s, c, d.time_unit);
      (c.rejected.empty() ? d.ranked : d.rejected).push_back(std::move(c));
    }
  }
  std::stable_sort(d.ranked.begin(), d.ranked.end(), [](const Candidate& a, const Candidate& b) {
    if (std::fabs(a.seconds - b.seconds) > 1e-9 * std::max(a.seconds, b.seconds)) return a.seconds < b.seconds;
    if (a.image->id != b.image->id) return a.image->id < b.image->id;  // deterministic ties
    return a.compiler < b.compiler;
  });
}

// --- launcher, container, environment -------------------------------------------------------

bool fragment_applies(const Fragment& f, const std::map<std::string, std::string>& facts) {
  for (const auto& [key, value] : f.when) {
    auto it = facts.find(key);
    if (it == facts.end() || it->second != value) return false;
  }
  return true;
}

void runtime_and_environment(const Request& r, const Knowledge& k, const Target& t, Decision& d) {
  const Candidate* c = d.chosen();
  const Image* img = c ? c->image : nullptr;
  const bool ai = r.app_type() == "ai_training";
  const bool mpi = !ai && (r.parallelisation() == "mpi" || r.application.str("app_type") == std::optional<std::string>("mpi") ||
                           d.resources.ranks > 1);
  if (d.image_uri().empty()) d.container_runtime = "none";
  if (img && img->accelerator == "nvidia" && (d.resources.gpus_per_node > 0 || d.partition->gpus.count > 0) &&
      (d.container_runtime == "singularity" || d.container_runtime == "apptainer"))
    d.container_flags.push_back("--nv");
  if (d.storage && !d.storage->path.empty() && d.container_runtime != "none" && d.container_runtime != "kubernetes")
    d.container_flags.push_back("-B " + d.storage->path);

  // Launcher.
  const Fields* ai_section = r.optimisation.section("app_type-ai_training");
  const Fields* config = ai_section ? ai_section->section("config") : nullptr;
  bool distributed = config && config->boolean("distributed_training").value_or(false);
  if (mpi) d.launcher = t.scheduler == "slurm" ? "srun" : "mpirun";
  else if (ai && distributed && (d.resources.nodes > 1 || d.resources.gpus_per_node > 1 || d.resources.ranks > 1))
    d.launcher = r.framework() == "pytorch" ? "torchrun" : "horovodrun";
  if (!d.launcher.empty() && d.launcher != "none") d.why.push_back("launcher " + d.launcher + (mpi ? " for " + std::to_string(d.resources.ranks) + " MPI ranks" : " for distributed training"));

  // Threads and affinity.
  d.env.emplace_back("OMP_NUM_THREADS", std::to_string(d.resources.threads));
  const Fields* omp = r.optimisation.section("app_type-hpc") ? r.optimisation.section("app_type-hpc")->section("parallelisation-openmp") : nullptr;
  std::string affinity = omp ? omp->str("affinity").value_or("") : "";
  if (affinity == "compact" || affinity == "scatter") d.env.emplace_back("KMP_AFFINITY", "granularity=fine," + affinity);
  else {
    d.env.emplace_back("OMP_PLACES", "cores");
    d.env.emplace_back("OMP_PROC_BIND", affinity == "spread" || affinity == "cyclic" ? "spread" : "close");
  }
  if (ai && (r.framework() == "tensorflow" || r.framework() == "keras")) {
    int per_rank = std::max(1, d.partition->cpu.cores() / std::max(1, d.resources.tasks_per_node));
    d.env.emplace_back("TF_NUM_INTRAOP_THREADS", std::to_string(std::max(d.resources.threads, per_rank)));
    d.env.emplace_back("TF_NUM_INTEROP_THREADS", "2");
  }

  // Fragments whose conditions hold.
  std::map<std::string, std::string> facts{{"target", t.name}, {"scheduler", t.scheduler}};
  if (img) {
    if (!img->framework.empty()) facts["framework"] = img->framework;
    if (!img->app.empty()) facts["app"] = img->app;
    if (!img->mpi_library.empty()) facts["mpi_library"] = img->mpi_library;
    facts["accelerator"] = img->accelerator;
    facts["graph_compiler"] = c->compiler;
  } else if (const Fields* m = r.parallelisation_section()) {
    if (auto lib = m->str("library")) facts["mpi_library"] = *lib;
  }
  if (d.storage) facts["storage_class"] = d.storage->cls;
  if (d.resources.gpus_per_node * d.resources.nodes > 1) facts["multi_gpu"] = "true";
  if (!t.interconnect_kind.empty()) facts["interconnect"] = t.interconnect_kind;
  for (const auto& f : k.fragments) {
    if (!fragment_applies(f, facts)) continue;
    d.fragments.push_back(f.id);
    for (const auto& e : f.env) d.env.push_back(e);
    auto& into = f.stage == "post" ? d.post_commands : d.pre_commands;
    into.insert(into.end(), f.commands.begin(), f.commands.end());
  }
  if (auto mod = t.modules.find(facts.count("mpi_library") ? facts["mpi_library"] : ""); mod != t.modules.end() && mpi) {
    std::string line = "module load " + mod->second;
    if (std::find(d.pre_commands.begin(), d.pre_commands.end(), line) == d.pre_commands.end())
      d.pre_commands.insert(d.pre_commands.begin(), line);
  }
}

// For I/O-bound training the storage class dominates: say what the other storages would give.
void explain_storage(const Request& r, const Knowledge& k, const Target& t, Decision& d) {
  const Candidate* c = d.chosen();
  if (!c || r.app_type() != "ai_training" || t.storage.size() < 2) return;
  for (const auto& s : t.storage) {
    if (&s == d.storage) continue;
    Candidate alt = *c;
    alt.breakdown.clear();
    Situation sit{r, k, t, *d.partition, d.resources, &s, d.container_runtime};
    std::string unit;
    predict(sit, alt, unit);
    if (alt.rejected.empty() && alt.seconds < c->seconds * 0.9)
      d.why.push_back("with data on '" + s.name + "' (" + s.cls + ", " + s.path + ") the prediction is " + fmt(alt.seconds) +
                      " s instead of " + fmt(c->seconds) + " s: request storage_class_pref: " + s.cls);
  }
}

void explain_choice(Decision& d) {
  const Candidate* c = d.chosen();
  if (!c) return;
  std::string unit = d.time_unit == "s" ? " s" : " (relative)";
  std::string line = "chose " + c->image->id + (c->compiler == "none" ? "" : " with " + c->compiler) + ": predicted " +
                     fmt(c->seconds) + unit;
  if (d.ranked.size() > 1) {
    const Candidate& second = d.ranked[1];
    line += ", " + fmt(second.seconds / std::max(c->seconds, 1e-12)) + "x faster than the next, " + second.image->id +
            (second.compiler == "none" ? "" : " with " + second.compiler);
  } else {
    line += ", the only candidate that fits";
  }
  d.why.insert(d.why.begin(), line);
}

// When the request names no partition (or node pool) of the site, the one where the fastest
// candidate runs; the default partition when none fits or all tie.
const Partition* best_partition(tosca::Context& ctx, const Request& r, const Knowledge& k, const Target& t,
                                const DecideOptions& o) {
  const Partition* fallback = t.default_or("");
  if (t.partitions.size() < 2) return fallback;
  const Partition* best = nullptr;
  double best_seconds = 0;
  for (const Partition& p : t.partitions) {
    diag::Sink quiet;  // trial runs: their problems are not the user's
    tosca::Context trial_ctx(ctx.svc, ctx.types, quiet, ctx.profile);
    Decision trial;
    trial.partition = &p;
    if (!shape_resources(trial_ctx, r, k, p, !t.synthetic, trial)) continue;
    trial.storage = choose_storage(r, t, trial);
    trial.container_runtime = o.container_runtime.empty() ? "singularity" : o.container_runtime;
    rank_candidates(r, k, t, p, trial);
    if (trial.ranked.empty()) continue;
    double s = trial.ranked.front().seconds;
    if (!best || s < best_seconds * 0.999 || (p.name == t.default_partition && s <= best_seconds)) best = &p, best_seconds = s;
  }
  return best ? best : fallback;
}

}  // namespace

bool version_matches(const std::string& wanted, const std::string& have) {
  if (wanted == have) return true;
  auto w = version_parts(wanted), h = version_parts(have);
  if (w.empty() || h.size() < w.size()) return false;
  return std::equal(w.begin(), w.end(), h.begin());
}

bool decide(tosca::Context& ctx, const Request& r, const Knowledge& k, const DecideOptions& o, Decision& d) {
  std::string name = !o.target_override.empty() ? o.target_override : r.target.str("name").value_or("");
  const Target* t = name.empty() ? nullptr : k.target(name);
  if (!t) {
    if (!name.empty())
      ctx.warning(Code::UnknownTarget, r.target.node("name") ? r.target.node("name") : r.target.where,
                  "target '" + name + "' is not in the knowledge base (share/targets, --targets); using a generic target from opt_build");
    d.generic_target = std::make_shared<const Target>(synthetic_target(r, k));
    t = d.generic_target.get();
    d.why.push_back("target: " + t->name + " (generic, from opt_build: no hardware facts of a named site)");
  } else {
    d.why.push_back("target: " + t->name + (t->description.empty() ? "" : " (" + t->description + ")"));
  }
  d.target = t;
  std::string wanted_partition = r.job_options.str("partition").value_or(r.job_options.str("queue").value_or(""));
  d.partition = t->partition(wanted_partition) ? t->partition(wanted_partition) : best_partition(ctx, r, k, *t, o);
  if (!d.partition) d.partition = t->default_or(wanted_partition);
  if (!d.partition) {
    ctx.error(Code::UnknownTarget, r.target.where, "target '" + t->name + "' describes no partition or node pool");
    return false;
  }
  if (!wanted_partition.empty() && d.partition->name != wanted_partition)
    d.why.push_back("partition '" + wanted_partition + "' is not described for " + t->name + "; sized against '" + d.partition->name + "'");
  if (!shape_resources(ctx, r, k, *d.partition, !t->synthetic, d)) return false;
  d.storage = choose_storage(r, *t, d);
  // Container runtime: the option, else the site's first, else singularity on HPC sites.
  d.container_runtime = o.container_runtime;
  if (d.container_runtime.empty())
    d.container_runtime = t->kind == "kubernetes" ? "kubernetes"
                          : !t->container_runtimes.empty() ? t->container_runtimes.front() : "singularity";
  rank_candidates(r, k, *t, *d.partition, d);
  if (d.ranked.empty()) {
    d.kept_user_image = r.application.str("container_runtime").value_or("");
    std::string msg = "no catalogue image fits this request on " + t->name +
                      (d.kept_user_image.empty() ? "" : "; keeping the request's container '" + d.kept_user_image + "'");
    ctx.warning(Code::NoCandidate, r.optimisation.where ? r.optimisation.where : r.application.where, msg);
    d.why.push_back(msg);
  }
  // A GPU image gets the node's GPUs when the request did not say how many.
  if (const Candidate* c = d.chosen();
      c && r.app_type() == "ai_training" && c->image->accelerator != "none" && d.resources.gpus_per_node == 0) {
    d.resources.gpus_per_node = std::max(1, d.partition->gpus.count);
    d.why.push_back("request_gpus completed: " + std::to_string(d.resources.gpus_per_node) + " per node for a GPU image");
  }
  runtime_and_environment(r, k, *t, d);
  explain_storage(r, k, *t, d);
  explain_choice(d);
  return true;
}

}  // namespace modak::opt
