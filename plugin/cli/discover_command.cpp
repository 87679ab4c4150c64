// `modak discover`: writes a target description (docs/knowledge.md, Targets) of the machine it
// runs on and its Slurm cluster: hwloc (lstopo --of xml), /proc/cpuinfo, nvidia-smi -q -x,
// scontrol show partition/node --oneliner. Recorded outputs can replace each live source.
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <regex>
#include <sstream>
#include <unistd.h>

#include "plugin/cli/commands.h"
#include "tosca/io/files.h"
#include "plugin/discover/discover.h"
#include "plugin/discover/xml.h"
#include "plugin/submit/process.h"

namespace modak::cli {
namespace fs = std::filesystem;

namespace {

struct DiscoverArgs {
  std::string output, name;
  std::string lstopo_xml, nvidia_smi_xml, scontrol_partitions, scontrol_nodes, cpuinfo = "/proc/cpuinfo";
  bool no_slurm = false, no_gpu = false, quiet = false;
};

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  out = s.str();
  return true;
}

// Runs a tool; "" with a note when it is missing or fails.
bool run_tool(const std::string& prog, const std::vector<std::string>& args, std::string& out, std::vector<std::string>& notes) {
  try {
    ops::ProcessResult r = ops::run_program(prog, args, "", std::chrono::seconds(60));
    if (r.timed_out) {
      notes.push_back(prog + " did not answer within 60 s");
      return false;
    }
    if (r.exit_code != 0) {
      std::string e = r.err.substr(0, r.err.find('\n'));
      notes.push_back(prog + " failed (exit " + std::to_string(r.exit_code) + (e.empty() ? "" : ": " + e) + ")");
      return false;
    }
    out = r.out;
    return true;
  } catch (const ops::MissingCommand&) {
    notes.push_back(prog + " is not installed");
    return false;
  }
}

std::string now_iso() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

int run_discover(const DiscoverArgs& a) {
  ops::DiscoverInputs in;
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  in.hostname = host;
  in.when = now_iso();
  std::string name = a.name.empty() ? "discovered-" + in.hostname : a.name;
  if (!std::regex_match(name, std::regex("[A-Za-z0-9][A-Za-z0-9_.-]*"))) {
    std::cerr << "modak discover: --name '" << name << "': use letters, digits, '.', '_' and '-'\n";
    return kExitUsage;
  }
  in.name = name;
  auto say = [&](const std::string& s) {
    if (!a.quiet) std::cerr << "modak discover: " << s << "\n";
  };
  try {
    // hardware: hwloc
    std::string xml;
    if (!a.lstopo_xml.empty()) {
      if (!read_file(a.lstopo_xml, xml)) {
        std::cerr << "modak discover: cannot read " << a.lstopo_xml << "\n";
        return kExitUsage;
      }
      in.hw_source = "lstopo XML recorded in " + a.lstopo_xml;
    } else if (run_tool("lstopo", {"--of", "xml"}, xml, in.notes)) {
      in.hw_source = "lstopo --of xml";
    }
    if (!xml.empty() || !a.lstopo_xml.empty()) {  // a file given explicitly must parse
      in.hw = ops::parse_hwloc_xml(xml);
      if (!in.hw->hwloc_version.empty()) in.hw_source += " (hwloc " + in.hw->hwloc_version + ")";
      say("hwloc: " + std::to_string(in.hw->packages) + " package(s), " + std::to_string(in.hw->cores) + " cores, " +
          std::to_string(in.hw->pus) + " PUs, " + std::to_string(in.hw->numa_nodes) + " NUMA node(s), " +
          std::to_string(in.hw->gpus.size()) + " PCI GPU(s)");
    } else {
      say("no hwloc topology (" + (in.notes.empty() ? std::string("?") : in.notes.back()) + ")");
    }
    // CPU flags
    std::string cpuinfo;
    if (read_file(a.cpuinfo, cpuinfo) && !cpuinfo.empty()) {
      in.cpu = ops::parse_cpuinfo(cpuinfo);
      in.cpu->arch = in.hw ? in.hw->architecture : "";
      if (in.cpu->arch.empty()) {
        std::string m;
        std::vector<std::string> ignore;
        if (run_tool("uname", {"-m"}, m, ignore)) in.cpu->arch = m.substr(0, m.find('\n'));
      }
      in.cpu_source = a.cpuinfo;
    } else {
      in.notes.push_back("cannot read " + a.cpuinfo);
    }
    // GPUs: nvidia-smi
    if (!a.no_gpu) {
      std::string smi;
      if (!a.nvidia_smi_xml.empty()) {
        if (!read_file(a.nvidia_smi_xml, smi)) {
          std::cerr << "modak discover: cannot read " << a.nvidia_smi_xml << "\n";
          return kExitUsage;
        }
        in.smi_source = "nvidia-smi -q -x output recorded in " + a.nvidia_smi_xml;
      } else if (run_tool("nvidia-smi", {"-q", "-x"}, smi, in.notes)) {
        in.smi_source = "nvidia-smi -q -x";
      }
      if (!smi.empty()) {
        in.smi = ops::parse_nvidia_smi_xml(smi);
        say("nvidia-smi: " + std::to_string(in.smi->gpus.size()) + " GPU(s), CUDA " + in.smi->cuda_version);
      }
    }
    // Slurm
    if (!a.no_slurm) {
      std::string parts, nodes;
      bool have = false;
      if (!a.scontrol_partitions.empty() || !a.scontrol_nodes.empty()) {
        if (!read_file(a.scontrol_partitions, parts) || !read_file(a.scontrol_nodes, nodes)) {
          std::cerr << "modak discover: --scontrol-partitions and --scontrol-nodes both need a readable file\n";
          return kExitUsage;
        }
        in.slurm_source = "scontrol output recorded in " + a.scontrol_partitions + " and " + a.scontrol_nodes;
        have = true;
      } else if (run_tool("scontrol", {"show", "partition", "--oneliner"}, parts, in.notes) &&
                 run_tool("scontrol", {"show", "node", "--oneliner"}, nodes, in.notes)) {
        in.slurm_source = "scontrol show partition/node --oneliner";
        if (const char* conf = std::getenv("SLURM_CONF")) in.slurm_source += " (SLURM_CONF=" + std::string(conf) + ")";
        have = true;
      }
      if (have) {
        in.slurm = ops::parse_slurm(parts, nodes);
        say("Slurm: " + std::to_string(in.slurm->partitions.size()) + " partition(s), " + std::to_string(in.slurm->nodes.size()) +
            " node(s)");
      } else {
        say("no Slurm cluster answered (" + (in.notes.empty() ? std::string("?") : in.notes.back()) + "): scheduler none");
      }
    }
    for (const char* rt : {"apptainer", "singularity", "podman", "docker"})
      if (ops::have_program(rt)) in.container_runtimes.push_back(rt);
    std::string text = ops::render_target_yaml(in);
    if (a.output.empty() || a.output == "-") {
      std::cout << text;
    } else {
      fs::path out = a.output;
      if (fs::is_directory(out)) out /= name + ".yaml";
      if (out.has_parent_path()) fs::create_directories(out.parent_path());
      std::string error;
      if (!io::write_file_atomic(out.string(), text, error)) {  // never a half-written target
        std::cerr << "modak discover: " << error << "\n";
        return kExitUsage;
      }
      say("wrote target '" + name + "' to " + out.string() + " (use it with modak optimise --targets " +
          (out.has_parent_path() ? out.parent_path().string() : std::string(".")) + " --target " + name + ")");
    }
  } catch (const ops::XmlError& e) {
    std::cerr << "modak discover: " << e.what() << "\n";
    return kExitInvalid;
  } catch (const std::exception& e) {
    std::cerr << "modak discover: " << e.what() << "\n";
    return kExitInvalid;
  }
  return kExitOk;
}

}  // namespace

Command add_discover_command(CLI::App& app) {
  auto args = std::make_shared<DiscoverArgs>();
  CLI::App* cmd = app.add_subcommand("discover", "Describe this machine and its Slurm cluster as a modak target (YAML)");
  cmd->footer(
      "Sources: lstopo --of xml (hwloc), /proc/cpuinfo, nvidia-smi -q -x, scontrol show partition|node --oneliner.\n"
      "Examples:\n"
      "  modak discover -o site/targets/mycluster.yaml --name mycluster\n"
      "  modak optimise --targets site/targets --target mycluster request.json\n"
      "Exit status: 0 written, 1 a source's output could not be understood, 2 usage or I/O error.");
  cmd->add_option("-o,--output", args->output, "file (or directory) to write; default: standard output");
  cmd->add_option("--name", args->name, "target name (default: discovered-<hostname>)");
  cmd->add_option("--lstopo-xml", args->lstopo_xml, "use this recorded `lstopo --of xml` output instead of running lstopo");
  cmd->add_option("--nvidia-smi-xml", args->nvidia_smi_xml, "use this recorded `nvidia-smi -q -x` output");
  cmd->add_option("--scontrol-partitions", args->scontrol_partitions, "recorded `scontrol show partition --oneliner` output");
  cmd->add_option("--scontrol-nodes", args->scontrol_nodes, "recorded `scontrol show node --oneliner` output");
  cmd->add_option("--cpuinfo", args->cpuinfo, "CPU flags file (default /proc/cpuinfo)");
  cmd->add_flag("--no-slurm", args->no_slurm, "do not ask Slurm (scheduler none, one partition 'local')");
  cmd->add_flag("--no-gpu", args->no_gpu, "do not run nvidia-smi");
  cmd->add_flag("-q,--quiet", args->quiet, "print errors only");
  return {cmd, [args]() { return run_discover(*args); }};
}

}  // namespace modak::cli
