#include "plugin/optimiser/perf_model.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "plugin/optimiser/scaling.h"

namespace modak::opt {

namespace {

// "%.*g" without snprintf's cost (it is called for every line of every candidate's explanation):
// std::to_chars with a precision writes exactly what printf writes in the C locale.
std::string fmt(double v, int digits = 3) {
  char buf[64];
  auto end = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, digits).ptr;
  return std::string(buf, end);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// ISA levels in order, per family; an image runs on a CPU of its family at or above its level.
int isa_rank(const std::string& level, std::string& family) {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> families = {
      {"x86", {"x86-64", "x86-64-v2", "x86-64-v3", "x86-64-v4"}},
      {"arm", {"armv8-a", "armv8.2-a", "armv9-a"}},
      {"power", {"power8", "power9", "power10"}}};
  for (const auto& [fam, levels] : families)
    for (std::size_t i = 0; i < levels.size(); ++i)
      if (levels[i] == level) {
        family = fam;
        return static_cast<int>(i);
      }
  family = "x86";
  return 0;
}

std::string dataset_key(const Request& r) {
  const Fields* d = r.data();
  std::string base = d ? lower(d->str("basedata").value_or("")) : "";
  for (const char* known : {"imagenet", "cifar", "mnist"})
    if (base.find(known) != std::string::npos) return known;
  return "default";
}

double prior(const Knowledge& k, std::string_view name, const std::string& key, double fallback) {
  double v = k.param({name, key}, -1);
  return v >= 0 ? v : k.param({name, "default"}, fallback);
}


// The reference model of docs/knowledge.md ("Performance parameters"), calibrated on the Snow runs.
void predict_training(const Situation& s, Candidate& c) {
  const Knowledge& k = s.knowledge;
  const Image& img = *c.image;
  const Request& r = s.request;
  const std::string key = dataset_key(r);
  const Fields* ai = r.optimisation.section("app_type-ai_training");
  const Fields* config = ai ? ai->section("config") : nullptr;
  const Fields* data = r.data();
  double params = config && config->integer("parameters") ? static_cast<double>(*config->integer("parameters"))
                                                         : prior(k, "default_parameters", key, 5e6);
  double samples = data && data->integer("count") ? static_cast<double>(*data->integer("count"))
                                                  : prior(k, "default_samples", key, 1e5);
  double sample_bytes = data && data->number("size") && samples > 0 ? *data->number("size") * 1e6 / samples  // `size` in MB
                                                                    : prior(k, "default_sample_bytes", key, 1e5);
  const double flops = k.param({"flops_per_sample_per_parameter"}, 6) * params * samples;
  const std::string size = network_size_class(s);

  double rate = 0;  // FLOP/s
  std::string device;
  int workers = 1;
  if (img.accelerator != "none") {
    if (s.partition.gpus.count <= 0) {
      c.rejected = "needs an " + img.accelerator + " GPU; partition '" + s.partition.name + "' has none";
      return;
    }
    if (!s.partition.gpus.vendor.empty() && s.partition.gpus.vendor != img.accelerator) {
      c.rejected = "built for " + img.accelerator + " GPUs; the partition has " + s.partition.gpus.vendor;
      return;
    }
    workers = std::max(1, s.resources.gpus_per_node) * s.resources.nodes;
    double eff = k.param({"gpu_build_efficiency", img.build}, 0.35);
    rate = workers * s.partition.gpus.peak_tflops_fp32 * 1e12 * eff;
    device = "gpu";
    c.breakdown.push_back(std::to_string(workers) + " x " + (s.partition.gpus.model.empty() ? "GPU" : s.partition.gpus.model) +
                          " at " + fmt(s.partition.gpus.peak_tflops_fp32) + " TFLOPS FP32, " + img.build +
                          " build efficiency " + fmt(eff));
  } else {
    double isa = isa_factor(k, img.isa_level, s.partition.cpu.isa_level);
    if (isa <= 0) {
      c.rejected = "built for " + img.isa_level + "; the CPU (" + s.partition.cpu.microarchitecture + ", " +
                   s.partition.cpu.isa_level + ") cannot run it";
      return;
    }
    // A training process uses its node's cores (intra-op threads); ranks spread over nodes.
    int cores = s.partition.cpu.cores() * s.resources.nodes;
    double eff = k.param({"build_efficiency", img.build}, 0.55);
    rate = cores * s.partition.cpu.peak_gflops_per_core * 1e9 * k.param({"cpu_fp32_per_fp64"}, 2.0) * eff * isa;
    device = "cpu";
    workers = s.resources.nodes;
    c.breakdown.push_back(std::to_string(cores) + " cores of " + s.partition.cpu.microarchitecture + " at " +
                          fmt(s.partition.cpu.peak_gflops_per_core) + " GFLOPS FP64, " + img.build + " build efficiency " +
                          fmt(eff) + ", ISA " + img.isa_level + " on " + s.partition.cpu.isa_level + " x" + fmt(isa));
    if (s.partition.gpus.count > 0) c.breakdown.push_back("CPU-only image: the partition's GPUs stay idle");
  }
  double gcs = c.compiler == "none" ? 1.0 : k.param({"graph_compiler_speedup", c.compiler, device, size}, 1.0);
  rate *= gcs;
  if (c.compiler != "none") c.breakdown.push_back(c.compiler + " on " + device + " for a " + size + " network: x" + fmt(gcs));
  const double batch = config && config->integer("batch_size") && *config->integer("batch_size") > 0
                          ? static_cast<double>(*config->integer("batch_size"))
                          : k.param({"default_batch_size", device}, device == "gpu" ? 96 : 128);
  const double steps = std::ceil(samples / batch);
  double compute = flops / rate + steps * k.param({"step_overhead_ms", device}, device == "gpu" ? 6.0 : 2.0) / 1000;
  if (workers > 1) {  // data-parallel gradient exchange: a ring all-reduce per step
    double n = workers;
    bool across_nodes = s.resources.nodes > 1;
    double gbps = across_nodes ? (s.target.interconnect_gbps > 0 ? s.target.interconnect_gbps
                                                                 : k.param({"interconnect_message_cost", "default_bandwidth_gbps"}, 10)) / 8
                               : k.param({"interconnect_message_cost", "intra_node_bandwidth_gbs"}, 12);
    double latency_us = across_nodes && s.target.interconnect_latency_us > 0 ? s.target.interconnect_latency_us
                                                                              : k.param({"interconnect_message_cost", "default_latency_us"}, 50);
    double bytes = k.param({"interconnect_message_cost", "allreduce_factor"}, 2.0) * (n - 1) / n * params *
                   k.param({"interconnect_message_cost", "bytes_per_parameter"}, 4);
    double comm = steps * (bytes / (gbps * 1e9) + 2 * (n - 1) * latency_us / 1e6);
    compute += comm;
    c.breakdown.push_back("gradient all-reduce over " + std::to_string(workers) + " workers: " + fmt(comm) + " s");
  }
  double io = 0;
  const Fields* etl = data ? data->section("etl") : nullptr;
  // prefetch: true, or a buffer size (the IDE grammar's form): any positive count prefetches.
  const bool prefetch = etl && (etl->boolean("prefetch").value_or(false) || etl->integer("prefetch").value_or(0) > 0);
  const bool data_described = data && (data->has("location") || data->has("size") || data->has("count") ||
                                         data->has("basedata"));
  if (!data_described) c.breakdown.push_back("no data described: I/O not modelled");
  if (s.storage && data_described) {
    double bw = s.storage->bandwidth_mbs > 0 ? s.storage->bandwidth_mbs : k.param({"default_storage", "bandwidth_mbs"}, 200);
    double lat = s.storage->latency_ms >= 0 ? s.storage->latency_ms : k.param({"default_storage", "latency_ms"}, 0.07);
    io = samples * (sample_bytes / (bw * 1e6) + lat / 1000);
    if (prefetch) io /= k.param({"prefetch_io_speedup"}, 1.4);
    c.breakdown.push_back("reading " + fmt(samples * sample_bytes / 1e6) + " MB from " + s.storage->name + " (" +
                          s.storage->cls + ", " + fmt(bw) + " MB/s, " + fmt(lat) + " ms per file): " + fmt(io) + " s");
  }
  double overlap = k.param({"io_overlap", prefetch ? "prefetch" : "none"}, prefetch ? 0.9 : 0.0);
  double epoch = std::max(compute, io) + (1 - overlap) * std::min(compute, io);
  c.seconds = epoch * k.param({"container_overhead", s.container_runtime.empty() ? "none" : s.container_runtime}, 1.0);
  c.breakdown.push_back(fmt(flops / 1e12) + " TFLOP per epoch (" + fmt(params) + " parameters x " + fmt(samples) +
                        " samples, " + fmt(steps) + " steps): compute " + fmt(compute) + " s" +
                        (prefetch ? ", input prefetched" : ""));
}

// MPI/OpenMP: a fitted scaling model when the catalogue has measurements for this application,
// else Amdahl's law with the prior parallel fraction (times then are relative to one rank).
void predict_hpc(const Situation& s, Candidate& c, std::string& unit) {
  const Knowledge& k = s.knowledge;
  const Image& img = *c.image;
  double isa = isa_factor(k, img.isa_level, s.partition.cpu.isa_level);
  if (isa <= 0) {
    c.rejected = "built for " + img.isa_level + "; the CPU (" + s.partition.cpu.microarchitecture + ", " +
                 s.partition.cpu.isa_level + ") cannot run it";
    return;
  }
  if (img.accelerator != "none" && s.partition.gpus.count <= 0)
    c.breakdown.push_back("image carries " + img.accelerator + " GPU support the partition cannot use");
  const std::string app = s.request.application.str("app_tag").value_or(img.app);
  const ScalingModel* model = nullptr;
  for (const auto& m : k.scaling)
    if ((m.image == img.id) || (!m.app.empty() && (m.app == app || m.app == img.app) &&
                                (m.mpi_library.empty() || m.mpi_library == img.mpi_library)))
      if (!model || m.measurements.size() > model->measurements.size()) model = &m;
  ScalingFit fit;
  if (model && model->measurements.size() >= 3) {
    fit = fit_generalised_amdahl(model->measurements);
    unit = "s";
    c.breakdown.push_back("scaling model '" + model->id + "': t(n) = " + fmt(fit.serial) + " + " + fmt(fit.parallel) +
                          " n^-" + fmt(fit.alpha));
  } else {
    double f = k.param({"mpi_efficiency_prior", "parallel_fraction"}, 0.95);
    if (model && model->model == "amdahl" && model->parallel_fraction > 0) f = model->parallel_fraction;
    fit = amdahl(f);
    unit = "relative";
    c.breakdown.push_back("Amdahl's law, parallel fraction " + fmt(f) + " (no measurements for '" + app + "')");
  }
  double t = fit.predict(s.resources.ranks);
  // OpenMP threads inside each rank share the parallel part.
  if (s.resources.threads > 1) {
    double omp = k.param({"omp_efficiency"}, 0.85);
    double speed = 1 + (s.resources.threads - 1) * omp;
    t = fit.serial + (t - fit.serial) / speed;
    c.breakdown.push_back(std::to_string(s.resources.threads) + " OpenMP threads per rank at efficiency " + fmt(omp));
  }
  double build = k.param({"build_efficiency", img.build}, 0.55) / k.param({"build_efficiency", "official"}, 0.55);
  double ref = isa_factor(k, "x86-64-v3", s.partition.cpu.isa_level);  // measurements came from AVX2 builds
  double speed = build * (ref > 0 ? isa / ref : 1);
  c.seconds = t / speed;
  c.breakdown.push_back(std::to_string(s.resources.ranks) + " ranks: " + fmt(t) + (unit == "s" ? " s" : "") +
                        "; " + img.build + " build on " + s.partition.cpu.isa_level + " x" + fmt(speed));
}

}  // namespace

double isa_factor(const Knowledge& k, const std::string& image_level, const std::string& cpu_level) {
  std::string fi, fc;
  int ri = isa_rank(image_level, fi), rc = isa_rank(cpu_level, fc);
  if (fi != fc || ri > rc) return 0;
  double img = k.param({"isa_speedup", image_level}, 1.0 + 0.3 * ri);
  double cpu = k.param({"isa_speedup", cpu_level}, 1.0 + 0.3 * rc);
  return cpu > 0 ? img / cpu : 1;
}

std::string network_size_class(const Situation& s) {
  const Fields* ai = s.request.optimisation.section("app_type-ai_training");
  const Fields* config = ai ? ai->section("config") : nullptr;
  double params = config && config->integer("parameters")
                      ? static_cast<double>(*config->integer("parameters"))
                      : prior(s.knowledge, "default_parameters", dataset_key(s.request), 5e6);
  return params < s.knowledge.param({"graph_compiler_speedup", "size_threshold_parameters"}, 1e6) ? "small" : "large";
}

void predict(const Situation& s, Candidate& c, std::string& unit) {
  if (s.request.app_type() == "ai_training") {
    unit = "s";
    predict_training(s, c);
  } else {
    predict_hpc(s, c, unit);
  }
}

}  // namespace modak::opt
