// hwloc's XML topology (`lstopo --of xml`, hwloc 1.x and 2.x) reduced to what a target
// description needs: packages, cores, PUs, NUMA nodes and memory, caches, PCI GPUs.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace modak::ops {

struct HwlocCache {
  std::uint64_t size_bytes = 0;  // one instance
  int count = 0;                 // instances in the machine
};

struct HwlocGpu {
  std::string pci_busid;    // "0000:3b:00.0"
  std::string vendor_id;    // "10de"
  std::string device_id;    // "1db5"
  std::string vendor;       // nvidia | amd
  std::string model;        // GPUModel / PCIDevice info when hwloc had it, else ""
  double memory_gb = 0;     // from CUDAGlobalMemorySize (CUDA OS device), 0 when unknown
};

struct HwlocTopology {
  std::string hwloc_version;
  std::string hostname;
  std::string architecture;  // x86_64, aarch64, ...
  std::string cpu_vendor;    // as hwloc reports it: GenuineIntel, AuthenticAMD, ...
  std::string cpu_model;
  int packages = 0;
  int cores = 0;
  int pus = 0;
  int numa_nodes = 0;
  std::uint64_t memory_bytes = 0;  // sum of the NUMA nodes' local memory
  std::map<std::string, HwlocCache> caches;  // "L1d", "L1i", "L2", "L3", ...
  std::vector<HwlocGpu> gpus;                 // PCI display controllers of NVIDIA (0x10de) or AMD (0x1002)
};

// Throws XmlError on malformed XML, std::runtime_error when the document is not a topology.
HwlocTopology parse_hwloc_xml(std::string_view xml);

}  // namespace modak::ops
