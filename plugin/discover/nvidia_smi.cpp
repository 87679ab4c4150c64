#include "plugin/discover/nvidia_smi.h"

#include <cstdlib>
#include <stdexcept>

#include "plugin/discover/xml.h"

namespace modak::ops {
namespace {

// "32768 MiB" -> 32768 (MiB); "16 GiB" -> 16384; "N/A" -> 0
double mib(const std::string& s) {
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str()) return 0;
  std::string unit = end;
  unit.erase(0, unit.find_first_not_of(' '));
  if (unit.rfind("GiB", 0) == 0 || unit.rfind("GB", 0) == 0) return v * 1024;
  if (unit.rfind("KiB", 0) == 0) return v / 1024;
  return v;
}

}  // namespace

NvidiaSmi parse_nvidia_smi_xml(std::string_view xml) {
  XmlElement root = parse_xml(xml, "nvidia-smi XML");
  if (root.name != "nvidia_smi_log")
    throw std::runtime_error("nvidia-smi XML: the document element is <" + root.name + ">, not <nvidia_smi_log>");
  NvidiaSmi s;
  s.driver_version = root.path_text("driver_version");
  s.cuda_version = root.path_text("cuda_version");
  s.attached_gpus = std::atoi(root.path_text("attached_gpus").c_str());
  for (const XmlElement* g : root.all("gpu")) {
    SmiGpu gpu;
    gpu.pci_bus_id = g->attr("id");
    gpu.product_name = g->path_text("product_name");
    gpu.architecture = g->path_text("product_architecture");
    gpu.uuid = g->path_text("uuid");
    gpu.memory_gb = mib(g->path_text("fb_memory_usage/total")) / 1024.0;
    gpu.max_graphics_mhz = mib(g->path_text("max_clocks/graphics_clock"));  // "1530 MHz": the number
    s.gpus.push_back(gpu);
  }
  if (s.attached_gpus == 0) s.attached_gpus = static_cast<int>(s.gpus.size());
  return s;
}

}  // namespace modak::ops
