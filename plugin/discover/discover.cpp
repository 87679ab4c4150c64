#include "plugin/discover/discover.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

namespace modak::ops {
namespace {

std::string trim(std::string s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}
std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
// A YAML double-quoted scalar (JSON string syntax is valid YAML).
std::string q(const std::string& s) { return nlohmann::json(s).dump(); }
std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.10g", std::round(v * 10) / 10);
  std::string s = buf;
  return s;
}
std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

}  // namespace

CpuInfo parse_cpuinfo(std::string_view text) {
  CpuInfo c;
  std::istringstream in{std::string(text)};
  std::string line;
  int blocks = 0;
  while (std::getline(in, line)) {
    if (trim(line).empty()) {
      if (blocks > 0 || !c.flags.empty() || !c.model_name.empty()) break;  // first processor only
      continue;
    }
    ++blocks;
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = trim(line.substr(0, colon)), value = trim(line.substr(colon + 1));
    if (key == "vendor_id" || key == "CPU implementer") c.vendor_id = key == "vendor_id" ? value : "ARM:" + value;
    else if (key == "model name" || key == "cpu") { if (c.model_name.empty()) c.model_name = value; }
    else if (key == "cpu MHz") c.mhz = std::atof(value.c_str());
    else if (key == "flags" || key == "Features") {
      std::istringstream f(value);
      std::string flag;
      while (f >> flag) c.flags.insert(flag);
    }
  }
  return c;
}

IsaGuess isa_from_flags(const std::string& arch, const std::set<std::string>& flags) {
  auto has = [&](const char* f) { return flags.count(f) > 0; };
  IsaGuess g;
  if (arch == "aarch64" || arch == "arm64") {
    bool v82 = has("asimddp") || has("sve") || (has("atomics") && has("fphp"));
    g.isa_level = v82 ? "armv8.2-a" : "armv8-a";
    g.microarchitecture = v82 ? "armv8.2a" : "aarch64";
    g.fp64_flops_per_cycle = has("sve") ? 16 : 8;
    g.why = v82 ? "cpuinfo Features list asimddp/sve (ARMv8.2-A)" : "aarch64 without ARMv8.2-A features";
    return g;
  }
  if (arch == "ppc64le" || arch == "ppc64") {
    g.isa_level = "power9";
    g.microarchitecture = "power9le";
    g.fp64_flops_per_cycle = 8;
    g.why = "POWER host (assumed POWER9)";
    return g;
  }
  if (has("avx512f")) {
    g = {"x86-64-v4", "x86_64_v4", 32, "cpuinfo flags list avx512f (AVX-512: x86-64-v4)"};
  } else if (has("avx2") && has("fma")) {
    g = {"x86-64-v3", "x86_64_v3", 16, "cpuinfo flags list avx2 and fma (x86-64-v3)"};
  } else if (has("avx2")) {
    g = {"x86-64-v3", "x86_64_v3", 16, "cpuinfo flags list avx2 (x86-64-v3)"};
  } else if (has("sse4_2")) {
    g = {"x86-64-v2", "x86_64_v2", 8, "cpuinfo flags list sse4_2 (x86-64-v2)"};
  } else {
    g = {"x86-64", "x86_64", 4, flags.empty() ? "no cpuinfo flags known (baseline x86-64)" : "no sse4_2 in cpuinfo flags (baseline x86-64)"};
  }
  return g;
}

std::string cpu_vendor(const std::string& vendor_id, const std::string& arch) {
  std::string v = lower(vendor_id);
  if (v.find("intel") != std::string::npos) return "intel";
  if (v.find("amd") != std::string::npos || v.find("hygon") != std::string::npos) return "amd";
  if (v.rfind("arm:", 0) == 0 || arch == "aarch64") return "arm";
  if (arch.rfind("ppc", 0) == 0) return "ibm";
  return "generic";
}

GpuFacts gpu_facts(const std::string& model) {
  // Vendor datasheet figures (NVIDIA product pages); boost-clock FP32, memory bandwidth, SM version.
  struct Row { const char* key; double tflops, bw; const char* cc; };
  static const Row rows[] = {
      {"h100 pcie", 51.2, 2000, "9.0"}, {"h100", 67.0, 3350, "9.0"},   {"a100-sxm4-80gb", 19.5, 2039, "8.0"},
      {"a100 80gb", 19.5, 1935, "8.0"}, {"a100", 19.5, 1555, "8.0"},   {"a30", 10.3, 933, "8.0"},
      {"a40", 37.4, 696, "8.6"},        {"a10", 31.2, 600, "8.6"},     {"l40s", 91.6, 864, "8.9"},
      {"l40", 90.5, 864, "8.9"},        {"l4", 30.3, 300, "8.9"},      {"rtx a6000", 38.7, 768, "8.6"},
      {"v100", 15.7, 900, "7.0"},       {"t4", 8.1, 320, "7.5"},       {"p100", 10.6, 732, "6.0"},
      {"1080 ti", 11.3, 484, "6.1"},    {"rtx 3090", 35.6, 936, "8.6"}, {"rtx 4090", 82.6, 1008, "8.9"},
  };
  std::string m = lower(model);
  for (const Row& r : rows)
    if (m.find(r.key) != std::string::npos) return {r.tflops, r.bw, r.cc, true};
  return {};
}

namespace {

struct Shape {
  int sockets = 1, cores_per_socket = 1, threads_per_core = 1;
  double memory_gb = 0;
  std::string why;
};

struct Gpus {
  int count = 0;
  std::string vendor = "nvidia", model, cuda;
  double memory_gb = 0;
  std::string why;
};

// What the host itself has (nvidia-smi first, then hwloc's PCI list).
Gpus local_gpus(const DiscoverInputs& in) {
  Gpus g;
  if (in.smi && !in.smi->gpus.empty()) {
    const SmiGpu& first = in.smi->gpus.front();
    g.count = static_cast<int>(in.smi->gpus.size());
    g.model = first.product_name;
    g.memory_gb = first.memory_gb;
    g.cuda = in.smi->cuda_version;
    std::set<std::string> models;
    for (const auto& s : in.smi->gpus) models.insert(s.product_name);
    g.why = std::to_string(g.count) + " x " + g.model + ", " + num(g.memory_gb) + " GiB, CUDA " + g.cuda + " (driver " +
            in.smi->driver_version + ") from " + in.smi_source;
    if (models.size() > 1) g.why += "; the GPUs differ (" + join({models.begin(), models.end()}, ", ") + "): the first is described";
    return g;
  }
  if (in.hw && !in.hw->gpus.empty()) {
    const HwlocGpu& first = in.hw->gpus.front();
    g.count = static_cast<int>(in.hw->gpus.size());
    g.vendor = first.vendor;
    g.model = first.model.empty() ? "PCI " + first.vendor_id + ":" + first.device_id : first.model;
    g.memory_gb = first.memory_gb;
    g.why = std::to_string(g.count) + " PCI display controller(s) of vendor 0x" + first.vendor_id + " (" + g.model + ") in " +
            in.hw_source;
  }
  return g;
}

void emit_gpus(std::ostream& o, const Gpus& g, const std::string& ind, std::vector<std::string>& why) {
  GpuFacts f = gpu_facts(g.model);
  o << ind << "gpus:\n";
  o << ind << "  count: " << g.count << "\n";
  o << ind << "  vendor: " << g.vendor << "\n";
  o << ind << "  model: " << q(g.model) << "\n";
  double mem = g.memory_gb > 0 ? g.memory_gb : 16;
  o << ind << "  memory_gb: " << num(mem) << "\n";
  o << ind << "  peak_tflops_fp32: " << num(f.known ? f.peak_tflops_fp32 : 10) << "\n";
  o << ind << "  memory_bandwidth_gbs: " << num(f.known ? f.memory_bandwidth_gbs : 500) << "\n";
  if (!f.compute_capability.empty()) o << ind << "  compute_capability: " << q(f.compute_capability) << "\n";
  if (!g.cuda.empty()) o << ind << "  cuda: " << q(g.cuda) << "\n";
  why.push_back("GPUs: " + g.why);
  if (g.memory_gb <= 0) why.push_back("GPU memory_gb 16 is a modak prior (no tool reported it)");
  why.push_back(f.known ? "GPU peak FP32, memory bandwidth and compute capability: vendor datasheet figures for '" + g.model +
                              "' (modak's table)"
                        : "GPU peak_tflops_fp32 10 and memory_bandwidth_gbs 500 are modak priors (model '" + g.model +
                              "' is not in modak's table)");
  if (g.cuda.empty() && g.vendor == "nvidia") why.push_back("CUDA version unknown (no nvidia-smi output)");
}

}  // namespace

std::string render_target_yaml(const DiscoverInputs& in) {
  if (!in.hw && !in.cpu) throw std::runtime_error("nothing describes the CPU: neither lstopo XML nor /proc/cpuinfo was read");
  // ---- the host's CPU ----------------------------------------------------------------------
  std::string arch = in.hw && !in.hw->architecture.empty() ? in.hw->architecture : (in.cpu ? in.cpu->arch : "");
  std::string model = in.cpu && !in.cpu->model_name.empty() ? in.cpu->model_name : (in.hw ? in.hw->cpu_model : "");
  if (model.empty()) model = "unknown " + (arch.empty() ? std::string("CPU") : arch + " CPU");
  std::string vendor_id = in.cpu && !in.cpu->vendor_id.empty() ? in.cpu->vendor_id : (in.hw ? in.hw->cpu_vendor : "");
  std::string vendor = cpu_vendor(vendor_id, arch);
  IsaGuess isa = isa_from_flags(arch.empty() ? "x86_64" : arch, in.cpu ? in.cpu->flags : std::set<std::string>{});
  double ghz = 0;
  std::string ghz_why;
  if (auto at = model.find(" @ "); at != std::string::npos && model.find("GHz", at) != std::string::npos) {
    ghz = std::atof(model.c_str() + at + 3);
    ghz_why = "base_ghz from the model name";
  }
  if (ghz <= 0 && in.cpu && in.cpu->mhz > 0) {
    ghz = in.cpu->mhz / 1000.0;
    ghz_why = "base_ghz = the current clock in /proc/cpuinfo (cpu MHz; the nominal clock is not reported)";
  }
  if (ghz <= 0) {
    ghz = 2.5;
    ghz_why = "base_ghz 2.5 is a modak prior (no clock reported)";
  }
  ghz = std::round(ghz * 100) / 100;
  double peak = ghz * isa.fp64_flops_per_cycle;

  Shape host;
  if (in.hw) {
    host.sockets = std::max(1, in.hw->packages);
    host.cores_per_socket = std::max(1, in.hw->cores / host.sockets);
    host.threads_per_core = std::max(1, in.hw->pus / std::max(1, in.hw->cores));
    host.memory_gb = static_cast<double>(in.hw->memory_bytes) / 1e9;
    host.why = std::to_string(in.hw->packages) + " package(s), " + std::to_string(in.hw->cores) + " cores, " +
               std::to_string(in.hw->pus) + " PUs, " + std::to_string(in.hw->numa_nodes) + " NUMA node(s), " +
               num(host.memory_gb) + " GB from " + in.hw_source;
    std::vector<std::string> caches;
    for (const auto& [k, c] : in.hw->caches)
      caches.push_back(k + " " + std::to_string(c.size_bytes / 1024) + " KiB x " + std::to_string(c.count));
    if (!caches.empty()) host.why += "; caches " + join(caches, ", ");
  } else {
    host.why = "no hwloc topology: 1 socket x 1 core assumed";
  }
  Gpus host_gpus = local_gpus(in);

  auto is_local = [&](const SlurmNode& n) {
    std::string shortname = in.hostname.substr(0, in.hostname.find('.'));
    return n.name == "localhost" || n.name == in.hostname || n.name == shortname || n.address == "127.0.0.1" ||
           n.address == "localhost" || n.address == in.hostname;
  };

  std::ostringstream o;
  o << "# modak knowledge: infrastructure target(s). Format: docs/knowledge.md, section 'Targets'.\n";
  o << "# Written by `modak discover` on " << (in.hostname.empty() ? "this host" : in.hostname) << " at " << in.when
    << "; every 'source:' says where a fact came from.\n";
  o << "modak_knowledge: 1\ntargets:\n";
  o << "  " << in.name << ":\n";
  o << "    kind: hpc\n";
  bool slurm = in.slurm && !in.slurm->partitions.empty();
  std::string desc = "Discovered by modak discover on host '" + in.hostname + "' at " + in.when + ": " +
                     (slurm ? "Slurm cluster with " + std::to_string(in.slurm->partitions.size()) + " partition(s)"
                            : "this host alone (no scheduler found)") +
                     ", " + model + ".";
  o << "    description: " << q(desc) << "\n";
  o << "    scheduler: " << (slurm ? "slurm" : "none") << "\n";

  struct Part {
    std::string name;
    int nodes = 1;
    Shape shape;
    Gpus gpus;
    std::vector<std::string> why;
  };
  std::vector<Part> parts;
  std::string default_partition;
  if (slurm) {
    for (const SlurmPartition& sp : in.slurm->partitions) {
      Part p;
      p.name = sp.name;
      p.nodes = sp.total_nodes > 0 ? sp.total_nodes : std::max<int>(1, static_cast<int>(sp.members.size()));
      const SlurmNode* rep = nullptr;  // the smallest member node describes the partition
      std::set<std::string> shapes;
      for (std::size_t i : sp.members) {
        const SlurmNode& n = in.slurm->nodes[i];
        shapes.insert(std::to_string(n.cpus) + "/" + std::to_string(n.real_memory_mb) + "/" + std::to_string(n.gres.gpus));
        if (!rep || n.cpus < rep->cpus || (n.cpus == rep->cpus && n.real_memory_mb < rep->real_memory_mb)) rep = &n;
      }
      p.why.push_back("Slurm partition '" + sp.name + "': " + std::to_string(p.nodes) + " node(s) (Nodes=" + sp.nodes_expr +
                      ", State=" + sp.state + ") from " + in.slurm_source);
      if (shapes.size() > 1) p.why.push_back("the nodes differ; the smallest (" + rep->name + ") is described");
      if (rep && is_local(*rep) && in.hw) {
        p.shape = host;
        p.why.push_back("node " + rep->name + " is this host: " + host.why);
        if (rep->sockets * rep->cores_per_socket * rep->threads_per_core != in.hw->pus &&
            rep->sockets * rep->cores_per_socket != in.hw->cores)
          p.why.push_back("Slurm configures " + std::to_string(rep->cpus) + " CPUs (" + std::to_string(rep->sockets) + " x " +
                          std::to_string(rep->cores_per_socket) + " x " + std::to_string(rep->threads_per_core) +
                          "), hwloc's topology is used");
      } else if (rep) {
        p.shape.sockets = std::max(1, rep->sockets);
        p.shape.cores_per_socket = std::max(1, rep->cores_per_socket);
        p.shape.threads_per_core = std::max(1, rep->threads_per_core);
        p.why.push_back("node shape of " + rep->name + " from Slurm (Sockets=" + std::to_string(rep->sockets) +
                        " CoresPerSocket=" + std::to_string(rep->cores_per_socket) +
                        " ThreadsPerCore=" + std::to_string(rep->threads_per_core) +
                        "); CPU model and ISA assumed identical to this host's");
      } else {
        p.shape = host;
        p.why.push_back("no node of the partition was listed: this host's shape is assumed (" + host.why + ")");
      }
      if (rep && rep->real_memory_mb > 0) {
        p.shape.memory_gb = static_cast<double>(rep->real_memory_mb) / 1024.0;
        p.why.push_back("memory_gb from Slurm RealMemory=" + std::to_string(rep->real_memory_mb) + " MB (what jobs may use)");
        if (is_local(*rep) && in.hw && host.memory_gb > 0 && host.memory_gb < p.shape.memory_gb) {
          p.shape.memory_gb = host.memory_gb;
          p.why.push_back("but hwloc sees only " + num(host.memory_gb) + " GB on this host, which is used");
        }
      }
      if (rep && rep->gres.gpus > 0) {
        if (host_gpus.count > 0) {
          p.gpus = host_gpus;
          p.gpus.count = rep->gres.gpus;
          p.why.push_back("Slurm Gres gpu count " + std::to_string(rep->gres.gpus) + (rep->gres.gpu_type.empty() ? "" : " (type " + rep->gres.gpu_type + ")") +
                          " per node; the model is the one seen on this host");
        } else {
          p.why.push_back("Slurm reports Gres=gpu:" + std::to_string(rep->gres.gpus) +
                          " but no GPU hardware was seen (no nvidia-smi, no NVIDIA/AMD PCI display device in hwloc): "
                          "gpus not described");
        }
      }
      if (sp.is_default && default_partition.empty()) default_partition = sp.name;
      parts.push_back(std::move(p));
    }
    if (default_partition.empty()) default_partition = parts.front().name;
  } else {
    Part p;
    p.name = "local";
    p.shape = host;
    p.gpus = host_gpus;
    p.why.push_back("this host only (no Slurm answered): " + host.why);
    parts.push_back(std::move(p));
    default_partition = "local";
  }
  if (host.memory_gb <= 0 && in.hw == std::nullopt) host.memory_gb = 1;

  o << "    default_partition: " << q(default_partition) << "\n";
  std::vector<std::string> rts = in.container_runtimes;
  if (std::find(rts.begin(), rts.end(), "none") == rts.end()) rts.push_back("none");
  o << "    container_runtimes: [" << join(rts, ", ") << "]\n";
  o << "    partitions:\n";
  for (Part& p : parts) {
    o << "      " << q(p.name) << ":\n";
    o << "        nodes: " << p.nodes << "\n";
    o << "        cpu:\n";
    o << "          model: " << q(model) << "\n";
    o << "          vendor: " << vendor << "\n";
    o << "          microarchitecture: " << isa.microarchitecture << "\n";
    o << "          isa_level: " << isa.isa_level << "\n";
    o << "          sockets: " << p.shape.sockets << "\n";
    o << "          cores_per_socket: " << p.shape.cores_per_socket << "\n";
    o << "          threads_per_core: " << p.shape.threads_per_core << "\n";
    o << "          base_ghz: " << ghz << "\n";
    o << "          peak_gflops_per_core: " << num(peak) << "\n";
    double mem = p.shape.memory_gb > 0 ? p.shape.memory_gb : 1;
    o << "        memory_gb: " << num(std::max(0.1, mem)) << "\n";
    int cores = p.shape.sockets * p.shape.cores_per_socket;
    double bw = std::min(10.0 * cores, 100.0 * p.shape.sockets);
    o << "        memory_bandwidth_gbs: " << num(bw) << "\n";
    std::vector<std::string> why = p.why;
    why.push_back("CPU model '" + model + "' and vendor from " + (in.cpu ? in.cpu_source : in.hw_source) + "; " + isa.why +
                  " -> microarchitecture " + isa.microarchitecture);
    why.push_back(ghz_why + "; peak_gflops_per_core = base_ghz x " + std::to_string(isa.fp64_flops_per_cycle) +
                  " FP64 flop/cycle for " + isa.isa_level);
    why.push_back("memory_bandwidth_gbs is a modak prior: min(10 GB/s per core, 100 GB/s per socket), not measured");
    if (p.gpus.count > 0) emit_gpus(o, p.gpus, "        ", why);
    o << "        source: " << q(join(why, ". ")) << "\n";
  }
  o << "    storage:\n";
  o << "      - name: tmp\n        class: default-common\n        path: /tmp\n        bandwidth_mbs: 500\n"
       "        latency_ms: 0.005\n        cost: 1\n";
  o << "        source: " << q("modak prior for a local disk (docs/knowledge.md); /tmp exists on every Linux host, nothing was measured") << "\n";
  std::vector<std::string> src;
  if (in.hw) src.push_back("hardware: " + in.hw_source);
  if (in.cpu) src.push_back("CPU flags: " + in.cpu_source);
  if (in.smi) src.push_back("GPUs: " + in.smi_source);
  if (slurm) src.push_back("partitions and nodes: " + in.slurm_source);
  src.push_back("container runtimes: " + (in.container_runtimes.empty() ? std::string("none found on PATH") : "found on PATH: " + join(in.container_runtimes, ", ")));
  for (const auto& n : in.notes) src.push_back(n);
  o << "    source: " << q("modak discover on " + in.hostname + " at " + in.when + ". " + join(src, "; ")) << "\n";
  return o.str();
}

}  // namespace modak::ops
