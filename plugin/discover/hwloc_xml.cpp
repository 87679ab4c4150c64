#include "plugin/discover/hwloc_xml.h"

#include <cstdlib>
#include <stdexcept>

#include "plugin/discover/xml.h"

namespace modak::ops {
namespace {

std::string info(const XmlElement& o, std::string_view name) {
  for (const XmlElement* i : o.all("info"))
    if (i->attr("name") == name) return i->attr("value");
  return {};
}

std::uint64_t number(const std::string& s) { return s.empty() ? 0 : std::strtoull(s.c_str(), nullptr, 10); }

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// pci_type="0302 [10de:1db5] [10de:1249] a1": class, [vendor:device], [subvendor:subdevice], rev
bool pci_ids(const std::string& t, std::string& cls, std::string& vendor, std::string& device) {
  auto lb = t.find('[');
  auto colon = t.find(':', lb);
  auto rb = t.find(']', lb);
  if (lb == std::string::npos || colon == std::string::npos || rb == std::string::npos || colon > rb) return false;
  cls = t.substr(0, t.find(' '));
  vendor = lower(t.substr(lb + 1, colon - lb - 1));
  device = lower(t.substr(colon + 1, rb - colon - 1));
  return true;
}

void pci_gpu(const XmlElement& o, HwlocTopology& t) {
  std::string cls, vendor, device;
  if (!pci_ids(o.attr("pci_type"), cls, vendor, device)) return;
  if (cls.size() < 2 || cls.substr(0, 2) != "03") return;  // PCI class 03xx: display controller
  if (vendor != "10de" && vendor != "1002") return;
  HwlocGpu g;
  g.pci_busid = o.attr("pci_busid");
  g.vendor_id = vendor;
  g.device_id = device;
  g.vendor = vendor == "10de" ? "nvidia" : "amd";
  g.model = info(o, "PCIDevice");
  for (const XmlElement* os : o.all("object")) {
    if (os->attr("type") != "OSDev") continue;
    if (std::string m = info(*os, "GPUModel"); !m.empty()) g.model = m;
    if (std::string kb = info(*os, "CUDAGlobalMemorySize"); !kb.empty())
      g.memory_gb = static_cast<double>(number(kb)) / (1024.0 * 1024.0);
    if (std::string b = info(*os, "RSMIMemoryTotal"); !b.empty() && g.memory_gb == 0)  // ROCm SMI, bytes? KiB in hwloc docs
      g.memory_gb = static_cast<double>(number(b)) / (1024.0 * 1024.0);
  }
  t.gpus.push_back(g);
}

void walk(const XmlElement& e, HwlocTopology& t, std::uint64_t& machine_memory) {
  for (const XmlElement& o : e.children) {
    if (o.name != "object") continue;
    const std::string type = o.attr("type");
    if (type == "Machine") {
      if (t.hostname.empty()) t.hostname = info(o, "HostName");
      if (t.architecture.empty()) t.architecture = info(o, "Architecture");
      if (t.hwloc_version.empty()) t.hwloc_version = info(o, "hwlocVersion");
      if (t.cpu_model.empty()) t.cpu_model = info(o, "CPUModel");  // some platforms put it here
      if (t.cpu_vendor.empty()) t.cpu_vendor = info(o, "CPUVendor");
      machine_memory += number(o.attr("local_memory"));  // hwloc 1.x without NUMA nodes
    } else if (type == "Package" || type == "Socket") {
      ++t.packages;
      if (std::string m = info(o, "CPUModel"); !m.empty()) t.cpu_model = m;
      if (std::string v = info(o, "CPUVendor"); !v.empty()) t.cpu_vendor = v;
    } else if (type == "Core") {
      ++t.cores;
    } else if (type == "PU") {
      ++t.pus;
    } else if (type == "NUMANode") {
      ++t.numa_nodes;
      t.memory_bytes += number(o.attr("local_memory"));
    } else if (type == "PCIDev") {
      pci_gpu(o, t);
    } else {
      // hwloc 2.x: L1Cache, L1iCache, L2Cache, ...; hwloc 1.x: Cache with depth and cache_type
      std::string key;
      if (type.size() > 6 && type[0] == 'L' && type.find("Cache") != std::string::npos) {
        key = type.substr(0, type.find("Cache"));  // "L1", "L1i", "L2"
        if (key == "L1") key = "L1d";
      } else if (type == "Cache") {
        key = "L" + o.attr("depth");
        std::string ct = o.attr("cache_type");
        if (key == "L1") key += ct == "2" ? "i" : "d";
        else if (ct == "2") key += "i";
      }
      if (!key.empty()) {
        HwlocCache& c = t.caches[key];
        c.size_bytes = number(o.attr("cache_size"));
        ++c.count;
      }
    }
    walk(o, t, machine_memory);
  }
}

}  // namespace

HwlocTopology parse_hwloc_xml(std::string_view xml) {
  XmlElement root = parse_xml(xml, "lstopo XML");
  if (root.name != "topology") throw std::runtime_error("lstopo XML: the document element is <" + root.name + ">, not <topology>");
  HwlocTopology t;
  std::uint64_t machine_memory = 0;
  walk(root, t, machine_memory);
  if (t.memory_bytes == 0) t.memory_bytes = machine_memory;
  if (t.pus == 0) throw std::runtime_error("lstopo XML: the topology lists no processing unit (PU)");
  if (t.cores == 0) t.cores = t.pus;  // some virtual machines report PUs only
  if (t.packages == 0) t.packages = 1;
  return t;
}

}  // namespace modak::ops
