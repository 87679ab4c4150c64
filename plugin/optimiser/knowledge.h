// What the optimiser knows, read from data files (share/targets, share/catalogue,
// share/environment, share/models, plus --targets / --catalogue directories): sites and their
// hardware, the image catalogue, environment fragments, performance and scaling models.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tosca/diag/diagnostics.h"
#include "tosca/yaml/node.h"

namespace modak::opt {

struct Cpu {
  std::string model, vendor, microarchitecture, isa_level = "x86-64";
  int sockets = 1, cores_per_socket = 1, threads_per_core = 1;
  double base_ghz = 0, peak_gflops_per_core = 0;
  int cores() const { return sockets * cores_per_socket; }
};

struct Gpu {
  int count = 0;
  std::string vendor, model, cuda;
  double memory_gb = 0, peak_tflops_fp32 = 0, memory_bandwidth_gbs = 0;
};

struct Partition {
  std::string name;
  int nodes = 1;
  Cpu cpu;
  double memory_gb = 0, memory_bandwidth_gbs = 0;
  Gpu gpus;
  std::map<std::string, std::string> labels;
};

struct Storage {
  std::string name, cls, path, source;
  double bandwidth_mbs = 0, cost = 0;
  double latency_ms = -1;  // per-file access cost; -1: the default_storage prior
};

struct Target {
  std::string name, kind = "hpc", description, scheduler = "none", default_partition, source;
  std::string interconnect_name, interconnect_kind;
  double interconnect_gbps = 0, interconnect_latency_us = 0;
  std::vector<std::string> container_runtimes;
  std::vector<Partition> partitions;  // HPC partitions or Kubernetes node pools
  std::vector<Storage> storage;
  std::map<std::string, std::string> modules;
  bool synthetic = false;  // made up from the request's opt_build (no named site)

  const Partition* partition(const std::string& name) const;
  const Partition* default_or(const std::string& name) const;  // the named one, else the default, else the first
};

struct Image {
  std::string id, framework, app, version, build, isa_level = "x86-64", accelerator = "none", cuda, python, uri, source;
  std::vector<std::string> graph_compilers;
  std::string mpi_library, mpi_version;
  bool enable_opt_build = false;
  bool disabled = false;  // kept for the record (MODAK's row), never selected
  bool offers(const std::string& compiler) const;
};

struct Fragment {
  std::string id, stage = "pre", source;
  std::vector<std::pair<std::string, std::string>> when, env;
  std::vector<std::string> commands;
};

struct ScalingModel {
  std::string id, app, mpi_library, case_name, model, image, source;
  std::vector<std::pair<int, double>> measurements;  // ranks -> seconds
  double parallel_fraction = 0;
  int max_ranks = 0, max_threads = 0;
};

struct Knowledge {
  std::vector<Target> targets;
  std::vector<Image> images;
  std::vector<Fragment> fragments;
  std::vector<ScalingModel> scaling;
  std::vector<std::string> files;  // what was loaded, in order

  // Performance parameters: `param({"build_efficiency", "pip"}, 0.5)`.
  double param(std::initializer_list<std::string_view> path, double fallback) const;
  std::string param_source(std::string_view name) const;
  const yaml::Node* performance = nullptr;

  const Target* target(const std::string& name) const;

  // Owns the parsed files the fields above were read from.
  std::shared_ptr<yaml::Arena> arena = std::make_shared<yaml::Arena>();
  std::shared_ptr<yaml::SourceTable> sources = std::make_shared<yaml::SourceTable>();
};

// Loads every *.yaml of share/{targets,catalogue,environment,models} and then of each extra
// directory (later files replace entries with the same id or name). Problems go to `sink`.
bool load_knowledge(const std::string& share_dir, const std::vector<std::string>& extra_dirs, Knowledge& out,
                    diag::Sink& sink);

}  // namespace modak::opt
