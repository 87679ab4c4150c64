// `modak discover`: a target description (docs/knowledge.md, section Targets; the format of
// share/targets/*.yaml) assembled from the machine it runs on and its scheduler. Every fact
// names where it came from in the `source:` fields; what no tool reports is a documented prior.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "plugin/discover/hwloc_xml.h"
#include "plugin/discover/nvidia_smi.h"
#include "plugin/discover/slurm_info.h"

namespace modak::ops {

struct CpuInfo {
  std::string arch;        // from the caller (uname -m / hwloc), "" = unknown
  std::string vendor_id;   // GenuineIntel, AuthenticAMD, ...
  std::string model_name;  // "Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz"
  double mhz = 0;          // current clock of the first CPU
  std::set<std::string> flags;
};
// /proc/cpuinfo (first processor's block).
CpuInfo parse_cpuinfo(std::string_view text);

struct IsaGuess {
  std::string isa_level;          // x86-64 .. x86-64-v4, armv8-a, ...
  std::string microarchitecture;  // archspec generic name: x86_64_v3, ...
  int fp64_flops_per_cycle = 4;
  std::string why;
};
// avx512f -> x86-64-v4, avx2 (+fma) -> v3, sse4_2 -> v2, else x86-64; aarch64 -> armv8-a
// (armv8.2-a with asimddp/sve); ppc64le -> power9.
IsaGuess isa_from_flags(const std::string& arch, const std::set<std::string>& flags);

// CPU vendor in the targets' vocabulary (intel | amd | arm | ibm | generic).
std::string cpu_vendor(const std::string& vendor_id, const std::string& arch);

// Known GPU models: peak FP32 TFLOPS, memory bandwidth, compute capability (vendor datasheets).
struct GpuFacts {
  double peak_tflops_fp32 = 0;
  double memory_bandwidth_gbs = 0;
  std::string compute_capability;
  bool known = false;
};
GpuFacts gpu_facts(const std::string& model);

struct DiscoverInputs {
  std::string name;      // target name
  std::string hostname;  // this host
  std::optional<HwlocTopology> hw;
  std::string hw_source;  // "lstopo --of xml (hwloc 2.9.0)" or "file X"
  std::optional<CpuInfo> cpu;
  std::string cpu_source;
  std::optional<NvidiaSmi> smi;
  std::string smi_source;
  std::optional<SlurmInfo> slurm;
  std::string slurm_source;
  std::vector<std::string> container_runtimes;  // found on PATH, preferred first
  std::string when;                             // timestamp for the description
  std::vector<std::string> notes;               // why a source is missing (printed by the CLI too)
};

// The YAML text of a knowledge file with one target. Throws std::runtime_error when nothing
// describes a CPU (neither hwloc nor /proc/cpuinfo).
std::string render_target_yaml(const DiscoverInputs& in);

}  // namespace modak::ops
