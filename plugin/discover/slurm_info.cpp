#include "plugin/discover/slurm_info.h"

#include <cctype>
#include <cstdlib>
#include <sstream>

namespace modak::ops {
namespace {

bool is_key(std::string_view token, std::size_t eq) {
  if (eq == 0 || eq == std::string_view::npos) return false;
  if (!std::isupper(static_cast<unsigned char>(token[0]))) return false;  // Slurm keys are CamelCase
  for (std::size_t i = 0; i < eq; ++i) {
    char c = token[i];
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '/' || c == ':' || c == '.')) return false;
  }
  return true;
}

int to_int(const SlurmRecord& r, const char* k) {
  auto it = r.find(k);
  return it == r.end() ? 0 : std::atoi(it->second.c_str());
}
std::string get(const SlurmRecord& r, const char* k) {
  auto it = r.find(k);
  return it == r.end() ? std::string{} : it->second;
}
std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(s);
  while (std::getline(in, item, sep))
    if (!item.empty()) out.push_back(item);
  return out;
}

}  // namespace

std::vector<SlurmRecord> parse_scontrol_oneliner(std::string_view text) {
  std::vector<SlurmRecord> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    SlurmRecord rec;
    std::string last;
    std::size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
      std::size_t j = i;
      while (j < line.size() && !std::isspace(static_cast<unsigned char>(line[j]))) ++j;
      if (j == i) break;
      std::string_view tok = line.substr(i, j - i);
      std::size_t eq = tok.find('=');
      if (is_key(tok, eq)) {
        last = std::string(tok.substr(0, eq));
        rec[last] = std::string(tok.substr(eq + 1));
      } else if (!last.empty()) {
        rec[last] += " " + std::string(tok);  // a value with spaces (OS=, Reason=)
      }
      i = j;
    }
    if (!rec.empty()) out.push_back(std::move(rec));
  }
  return out;
}

SlurmGres parse_gres(const std::string& gres) {
  SlurmGres g;
  for (const std::string& item : split(gres, ',')) {
    std::string s = item.substr(0, item.find('('));  // drop (S:0-1) / (IDX:...)
    auto parts = split(s, ':');
    if (parts.empty() || parts[0] != "gpu") continue;
    if (parts.size() == 2) {
      g.gpus += std::atoi(parts[1].c_str());
    } else if (parts.size() >= 3) {
      g.gpu_type = parts[1];
      g.gpus += std::atoi(parts[2].c_str());
    } else {
      g.gpus += 1;
    }
  }
  return g;
}

void SlurmInfo::link() {
  for (SlurmPartition& p : partitions) p.members.clear();
  for (std::size_t i = 0; i < nodes.size(); ++i)
    for (const std::string& pn : nodes[i].partitions)
      for (SlurmPartition& p : partitions)
        if (p.name == pn) p.members.push_back(i);
}

SlurmInfo parse_slurm(std::string_view partitions_text, std::string_view nodes_text) {
  SlurmInfo info;
  for (const SlurmRecord& r : parse_scontrol_oneliner(nodes_text)) {
    if (!r.count("NodeName")) continue;
    SlurmNode n;
    n.name = get(r, "NodeName");
    n.address = get(r, "NodeAddr");
    n.arch = get(r, "Arch");
    n.cpus = to_int(r, "CPUTot");
    n.sockets = to_int(r, "Sockets");
    n.cores_per_socket = to_int(r, "CoresPerSocket");
    n.threads_per_core = to_int(r, "ThreadsPerCore");
    n.real_memory_mb = std::atol(get(r, "RealMemory").c_str());
    n.gres = parse_gres(get(r, "Gres"));
    n.state = get(r, "State");
    n.partitions = split(get(r, "Partitions"), ',');
    info.nodes.push_back(n);
  }
  for (const SlurmRecord& r : parse_scontrol_oneliner(partitions_text)) {
    if (!r.count("PartitionName")) continue;
    SlurmPartition p;
    p.name = get(r, "PartitionName");
    p.nodes_expr = get(r, "Nodes");
    p.total_nodes = to_int(r, "TotalNodes");
    p.total_cpus = to_int(r, "TotalCPUs");
    p.is_default = get(r, "Default") == "YES";
    p.state = get(r, "State");
    p.max_time = get(r, "MaxTime");
    info.partitions.push_back(p);
  }
  info.link();
  return info;
}

}  // namespace modak::ops
