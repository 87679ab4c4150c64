// modak discover's parsers on recorded outputs (tests/discover/samples): an lstopo XML recorded on
// the test machine, hand-written lstopo / nvidia-smi -q -x samples with GPUs, scontrol
// --oneliner outputs, and the target YAML assembled from them (loaded back by modak's loader).
// The live run (real lstopo + local Slurm + modak optimise) is tests/scripts/discover_test.sh.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "plugin/discover/discover.h"
#include "plugin/discover/xml.h"
#include "plugin/optimiser/knowledge.h"

using namespace modak::ops;

namespace {
std::string sample(const std::string& name) {
  std::ifstream in(std::string(MODAK_SOURCE_DIR) + "/tests/discover/samples/" + name, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), name);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}
}  // namespace

TEST_SUITE("unit") {
  TEST_CASE("discover: lstopo XML recorded on the test machine") {
    HwlocTopology t = parse_hwloc_xml(sample("lstopo-this-host.xml"));
    CHECK(t.packages == 1);
    CHECK(t.cores == 2);
    CHECK(t.pus == 2);
    CHECK(t.numa_nodes == 1);
    CHECK(t.memory_bytes == 12845273088ull);
    CHECK(t.architecture == "x86_64");
    CHECK(t.cpu_vendor == "AuthenticAMD");
    CHECK(t.cpu_model == "AMD EPYC");
    CHECK(t.hwloc_version == "2.9.0");
    REQUIRE(t.caches.count("L3"));
    CHECK(t.caches["L3"].size_bytes == 33554432);
    CHECK(t.caches["L3"].count == 1);
    CHECK(t.caches["L2"].count == 2);
    CHECK(t.caches["L1d"].size_bytes == 49152);
    CHECK(t.caches["L1i"].size_bytes == 32768);
    CHECK(t.gpus.empty());  // virtio disk and network only
  }

  TEST_CASE("discover: lstopo XML with two sockets and two NVIDIA GPUs") {
    HwlocTopology t = parse_hwloc_xml(sample("lstopo-2socket-2gpu.xml"));
    CHECK(t.packages == 2);
    CHECK(t.cores == 4);
    CHECK(t.pus == 8);
    CHECK(t.numa_nodes == 2);
    CHECK(t.memory_bytes == 2 * 201326592000ull);
    CHECK(t.cpu_vendor == "GenuineIntel");
    REQUIRE(t.gpus.size() == 2);  // the Mellanox NIC (0x15b3, class 0200) is not a GPU
    CHECK(t.gpus[0].vendor == "nvidia");
    CHECK(t.gpus[0].vendor_id == "10de");
    CHECK(t.gpus[0].device_id == "1db5");
    CHECK(t.gpus[0].model == "Tesla V100-SXM2-32GB");
    CHECK(t.gpus[0].memory_gb == doctest::Approx(32));
    CHECK(t.gpus[1].pci_busid == "0000:d8:00.0");
  }

  TEST_CASE("discover: malformed or foreign XML is a clear error, external DTDs are not fetched") {
    CHECK_THROWS_AS(parse_hwloc_xml("<topology><object type=\"PU\"></topology>"), XmlError);
    CHECK_THROWS_WITH_AS(parse_hwloc_xml("<html/>"), doctest::Contains("not <topology>"), std::runtime_error);
    CHECK_THROWS_AS(parse_nvidia_smi_xml("not xml at all"), XmlError);
    // an external entity is never resolved (its content would otherwise appear in the text)
    NvidiaSmi s = parse_nvidia_smi_xml(
        "<?xml version=\"1.0\"?><!DOCTYPE nvidia_smi_log [<!ENTITY x SYSTEM \"file:///etc/hostname\">]>"
        "<nvidia_smi_log><driver_version>1&x;</driver_version></nvidia_smi_log>");
    CHECK(s.driver_version == "1");
  }

  TEST_CASE("discover: nvidia-smi -q -x with two GPUs") {
    NvidiaSmi s = parse_nvidia_smi_xml(sample("nvidia-smi-2x-v100.xml"));
    CHECK(s.driver_version == "535.104.05");
    CHECK(s.cuda_version == "12.2");
    CHECK(s.attached_gpus == 2);
    REQUIRE(s.gpus.size() == 2);
    CHECK(s.gpus[0].product_name == "Tesla V100-SXM2-32GB");
    CHECK(s.gpus[0].architecture == "Volta");
    CHECK(s.gpus[0].memory_gb == doctest::Approx(32));
    CHECK(s.gpus[0].max_graphics_mhz == doctest::Approx(1530));
    CHECK(s.gpus[1].pci_bus_id == "00000000:D8:00.0");
    CHECK(gpu_facts(s.gpus[0].product_name).compute_capability == "7.0");
  }

  TEST_CASE("discover: scontrol --oneliner records, values with spaces, GRES") {
    auto recs = parse_scontrol_oneliner(sample("scontrol-node-gpu-cluster.txt"));
    REQUIRE(recs.size() == 3);
    CHECK(recs[0]["OS"] == "Linux 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)");
    CHECK(recs[2]["Reason"] == "maintenance window [root@2024-03-05T08:00:00]");
    CHECK(parse_gres("gpu:2").gpus == 2);
    CHECK(parse_gres("gpu:v100:4(S:0-1)").gpus == 4);
    CHECK(parse_gres("gpu:v100:4(S:0-1)").gpu_type == "v100");
    CHECK(parse_gres("gpu:a100:2,gpu:v100:1,mps:200").gpus == 3);
    CHECK(parse_gres("(null)").gpus == 0);

    SlurmInfo s = parse_slurm(sample("scontrol-partition-gpu-cluster.txt"), sample("scontrol-node-gpu-cluster.txt"));
    REQUIRE(s.partitions.size() == 2);
    CHECK(s.partitions[0].name == "cpu");
    CHECK(s.partitions[0].is_default);
    CHECK(s.partitions[0].total_nodes == 32);
    CHECK(s.partitions[1].members.size() == 2);
    const SlurmNode& g = s.nodes[s.partitions[1].members[0]];
    CHECK(g.name == "gn01");
    CHECK(g.cpus == 80);
    CHECK(g.sockets == 2);
    CHECK(g.cores_per_socket == 20);
    CHECK(g.threads_per_core == 2);
    CHECK(g.real_memory_mb == 384000);
    CHECK(g.gres.gpus == 2);

    SlurmInfo local = parse_slurm(sample("scontrol-partition-localhost.txt"), sample("scontrol-node-localhost.txt"));
    REQUIRE(local.partitions.size() == 1);
    CHECK(local.partitions[0].name == "debug");
    REQUIRE(local.nodes.size() == 1);
    CHECK(local.nodes[0].gres.gpus == 2);
    CHECK(local.nodes[0].address == "127.0.0.1");
  }

  TEST_CASE("discover: cpuinfo flags -> ISA level and microarchitecture") {
    CHECK(isa_from_flags("x86_64", {"sse4_2", "avx", "avx2", "fma", "avx512f"}).isa_level == "x86-64-v4");
    CHECK(isa_from_flags("x86_64", {"sse4_2", "avx", "avx2", "fma"}).isa_level == "x86-64-v3");
    CHECK(isa_from_flags("x86_64", {"sse4_2", "avx", "avx2", "fma"}).microarchitecture == "x86_64_v3");
    CHECK(isa_from_flags("x86_64", {"sse4_2"}).isa_level == "x86-64-v2");
    CHECK(isa_from_flags("x86_64", {"sse2"}).isa_level == "x86-64");
    CHECK(isa_from_flags("aarch64", {"fp", "asimd"}).isa_level == "armv8-a");
    CHECK(isa_from_flags("aarch64", {"asimddp", "sve"}).isa_level == "armv8.2-a");
    CpuInfo c = parse_cpuinfo(sample("cpuinfo-cascadelake.txt"));
    CHECK(c.vendor_id == "GenuineIntel");
    CHECK(c.flags.count("avx512f"));
    CHECK(cpu_vendor(c.vendor_id, "x86_64") == "intel");
    CHECK(cpu_vendor("AuthenticAMD", "x86_64") == "amd");
  }

  TEST_CASE("discover: a target from recorded outputs loads as modak knowledge") {
    DiscoverInputs in;
    in.name = "sample-gpu-cluster";
    in.hostname = "login1";
    in.when = "2024-03-05T10:00:00Z";
    in.hw = parse_hwloc_xml(sample("lstopo-2socket-2gpu.xml"));
    in.hw_source = "sample lstopo";
    in.cpu = parse_cpuinfo(sample("cpuinfo-cascadelake.txt"));
    in.cpu->arch = "x86_64";
    in.cpu_source = "sample cpuinfo";
    in.smi = parse_nvidia_smi_xml(sample("nvidia-smi-2x-v100.xml"));
    in.smi_source = "sample nvidia-smi";
    in.slurm = parse_slurm(sample("scontrol-partition-gpu-cluster.txt"), sample("scontrol-node-gpu-cluster.txt"));
    in.slurm_source = "sample scontrol";
    in.container_runtimes = {"apptainer"};
    std::string yaml = render_target_yaml(in);
    INFO(yaml);
    CHECK(yaml.find("scheduler: slurm") != std::string::npos);
    CHECK(yaml.find("default_partition: \"cpu\"") != std::string::npos);
    CHECK(yaml.find("isa_level: x86-64-v4") != std::string::npos);
    CHECK(yaml.find("base_ghz: 2.5") != std::string::npos);              // from the model name
    CHECK(yaml.find("peak_gflops_per_core: 80") != std::string::npos);   // 2.5 x 32
    CHECK(yaml.find("cuda: \"12.2\"") != std::string::npos);
    CHECK(yaml.find("compute_capability: \"7.0\"") != std::string::npos);
    CHECK(yaml.find("container_runtimes: [apptainer, none]") != std::string::npos);

    auto dir = std::filesystem::temp_directory_path() / "modak-discover-unit";
    std::filesystem::create_directories(dir);
    { std::ofstream(dir / "sample.yaml") << yaml; }
    modak::diag::Sink sink;
    modak::opt::Knowledge k;
    modak::opt::load_knowledge(std::string(MODAK_SOURCE_DIR) + "/share", {dir.string()}, k, sink);
    const modak::opt::Target* t = k.target("sample-gpu-cluster");
    REQUIRE(t != nullptr);
    CHECK(t->scheduler == "slurm");
    REQUIRE(t->partitions.size() == 2);
    const modak::opt::Partition& gpu = t->partitions[1];
    CHECK(gpu.name == "gpu");
    CHECK(gpu.nodes == 2);
    CHECK(gpu.gpus.count == 2);  // per node, from Slurm's Gres
    CHECK(gpu.gpus.model == "Tesla V100-SXM2-32GB");
    CHECK(gpu.gpus.cuda == "12.2");
    CHECK(gpu.cpu.sockets == 2);
    CHECK(gpu.cpu.cores_per_socket == 20);
    CHECK(gpu.memory_gb == doctest::Approx(375).epsilon(0.01));
    CHECK(t->partitions[0].gpus.count == 0);  // Gres=(null)
    std::filesystem::remove_all(dir);
  }
}
