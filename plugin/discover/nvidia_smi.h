// `nvidia-smi -q -x` (the nvsmi_device_v*.dtd XML log): driver, CUDA version, one entry per GPU.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace modak::ops {

struct SmiGpu {
  std::string pci_bus_id;    // gpu@id, "00000000:3B:00.0"
  std::string product_name;  // "Tesla V100-SXM2-32GB"
  std::string architecture;  // product_architecture, "" on old drivers
  std::string uuid;
  double memory_gb = 0;      // fb_memory_usage/total (MiB) / 1024
  double max_graphics_mhz = 0;
};

struct NvidiaSmi {
  std::string driver_version;
  std::string cuda_version;  // "12.2": the newest CUDA the driver supports
  int attached_gpus = 0;
  std::vector<SmiGpu> gpus;
};

// Throws XmlError / std::runtime_error for malformed or foreign documents.
NvidiaSmi parse_nvidia_smi_xml(std::string_view xml);

}  // namespace modak::ops
