// Slurm's `scontrol show partition --oneliner` and `scontrol show node --oneliner`: one record
// per line, Key=Value pairs (a value may contain spaces, e.g. OS=Linux 6.1.0 #1 SMP ...).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace modak::ops {

using SlurmRecord = std::map<std::string, std::string>;

// Parses every non-empty line into its Key=Value pairs.
std::vector<SlurmRecord> parse_scontrol_oneliner(std::string_view text);

struct SlurmGres {
  int gpus = 0;          // gpu count on the node (all types)
  std::string gpu_type;  // "v100" in gpu:v100:4, "" when untyped
};
// "gpu:2", "gpu:v100:4(S:0-1)", "gpu:a100:2,mps:200", "(null)"
SlurmGres parse_gres(const std::string& gres);

struct SlurmNode {
  std::string name, address, arch;
  int cpus = 0, sockets = 0, cores_per_socket = 0, threads_per_core = 0;
  long real_memory_mb = 0;
  SlurmGres gres;
  std::string state;
  std::vector<std::string> partitions;
};

struct SlurmPartition {
  std::string name;
  std::string nodes_expr;  // Nodes=node[01-04]
  int total_nodes = 0;
  int total_cpus = 0;
  bool is_default = false;
  std::string state;
  std::string max_time;
  std::vector<std::size_t> members;  // indices into SlurmInfo::nodes, filled by link()
};

struct SlurmInfo {
  std::vector<SlurmPartition> partitions;
  std::vector<SlurmNode> nodes;
  // Attaches each node to the partitions it lists (Partitions=a,b).
  void link();
};

SlurmInfo parse_slurm(std::string_view partitions_text, std::string_view nodes_text);

}  // namespace modak::ops
