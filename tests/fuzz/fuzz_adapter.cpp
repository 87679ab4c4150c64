// One adapter's render() fed a Job whose every user-controlled field takes fuzzer bytes (names,
// account, queue, files, mail user, exported variables, array, dependencies, constraint, node list,
// begin, image, data path, executable, arguments, build source and command) with random counts and
// switches. Much faster than fuzz_render_* (no blueprint to load), so it reaches the adapters'
// corners. One binary per adapter (MODAK_FUZZ_ADAPTER). It aborts when:
//  - a batch script carries a directive line whose option the adapter never writes, a single-valued
//    option twice, a directive line with extra words (an injected option), or a directive line
//    after the script body began;
//  - a Kubernetes manifest does not load as YAML, or carries a name or label value that is not
//    RFC 1123.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "adapters/adapter.h"
#include "fuzz_common.h"
#include "tosca/yaml/loader.h"
#include "tosca/yaml/node.h"

#ifndef MODAK_FUZZ_ADAPTER
#error "compile with -DMODAK_FUZZ_ADAPTER=\"slurm\" (or pbspro, torque, kubernetes, batch)"
#endif

namespace {

using namespace modak;
using adapters::Job;

const adapters::Adapter& adapter() {
  static const adapters::Adapter* a = adapters::adapter_for(MODAK_FUZZ_ADAPTER);
  if (!a) std::abort();
  return *a;
}

[[noreturn]] void fail(const char* what, const std::string& content) {
  std::fprintf(stderr, "fuzz_adapter(%s): %s\n---\n%s\n---\n", MODAK_FUZZ_ADAPTER, what, content.c_str());
  std::abort();
}

bool is_directive(const std::string& line) { return line.rfind("#SBATCH", 0) == 0 || line.rfind("#PBS", 0) == 0; }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// "#SBATCH --time=1:00:00" -> "#SBATCH --time"; "#PBS -l walltime=1" -> "#PBS -l walltime".
std::string directive_key(const std::string& line) {
  std::istringstream in(line);
  std::string prefix, option, arg;
  in >> prefix >> option >> arg;
  std::string key = prefix + " " + option.substr(0, option.find('='));
  if (option == "-l" || option == "-W") key += " " + arg.substr(0, arg.find_first_of("=:"));
  return key;
}

std::size_t words(const std::string& line) {
  std::istringstream in(line);
  std::size_t n = 0;
  for (std::string w; in >> w;) ++n;
  return n;
}

// A harmless job with every option set, with the switches given.
Job harmless(bool join, bool export_all, bool exclusive, bool gpu, bool mem_per_cpu) {
  Job j;
  j.name = "job";
  j.account = "acct";
  j.queue = "q";
  j.partition = mem_per_cpu ? "" : "p";
  j.walltime_seconds = 3600;
  j.nodes = 2, j.tasks_per_node = 2, j.ranks = 4, j.threads = 2, j.gpus_per_node = gpu ? 1 : 0;
  if (mem_per_cpu) j.memory_per_cpu_mb = 100;
  else j.memory_mb = 1000;
  j.output = "o.out", j.error = "e.err", j.join_output = join;
  j.mail_events = {"begin", "end", "fail"};
  j.mail_user = "u@example.org";
  j.export_all = export_all;
  j.export_vars = {{"A", "1"}, {"B", ""}};
  j.array = "1-3";
  j.after_ok = {"1", "2"};
  j.exclusive = exclusive;
  j.constraint = "c", j.nodelist = "n1", j.begin = "now+1hour";
  j.gpu = gpu;
  return j;
}

struct Grammar {
  std::set<std::string> keys, repeatable;
};

// The directive options the adapter writes, from harmless jobs covering every switch.
const Grammar& grammar() {
  static const Grammar g = [] {
    Grammar out;
    for (int bits = 0; bits < 32; ++bits) {
      Job j = harmless(bits & 1, bits & 2, bits & 4, bits & 8, bits & 16);
      std::map<std::string, int> count;
      for (const std::string& line : lines_of(adapter().render(j).content))
        if (is_directive(line)) ++count[directive_key(line)];
      for (const auto& [k, n] : count) {
        out.keys.insert(k);
        if (n > 1) out.repeatable.insert(k);
      }
    }
    return out;
  }();
  return g;
}

void check_script(const std::string& content) {
  const Grammar& g = grammar();
  std::map<std::string, int> count;
  bool body = false;
  for (const std::string& line : lines_of(content)) {
    if (!is_directive(line)) {
      body |= !line.empty() && line[0] != '#';
      continue;
    }
    if (body) fail("a directive line after the body began", content);
    std::string key = directive_key(line);
    if (!g.keys.count(key)) fail(("a directive the adapter never writes: " + key).c_str(), content);
    if (++count[key] > 1 && !g.repeatable.count(key)) fail(("a single-valued directive twice: " + key).c_str(), content);
    std::size_t allowed = line.rfind("#SBATCH", 0) == 0 ? 2 : 3;  // "#SBATCH --opt=v", "#PBS -l v"
    if (words(line) > allowed) fail("a directive line with extra words (an injected option)", content);
  }
}

const std::regex& rfc1123() {
  static const std::regex r("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  return r;
}

void check_name(const yaml::Node* n, const std::string& content, const char* what) {
  if (!n || !n->is_scalar() || !std::regex_match(n->text, rfc1123())) fail(what, content);
}

void check_manifests(const std::string& content) {
  std::size_t start = 0;
  while (start < content.size()) {
    std::size_t sep = content.find("\n---\n", start);
    std::string doc = content.substr(start, sep == std::string::npos ? std::string::npos : sep + 1 - start);
    start = sep == std::string::npos ? content.size() : sep + 5;
    yaml::SourceTable sources;
    yaml::Arena arena;
    diag::Sink sink;
    const yaml::Node* root = yaml::load_yaml(doc, sources.add("manifest.yaml"), sources, arena, sink);
    if (!root || sink.has_errors() || !root->is_map()) fail("a manifest that does not load as YAML", content);
    const yaml::Node* meta = root->get("metadata");
    if (!meta || !meta->is_map()) fail("a manifest without metadata", content);
    check_name(meta->get("name"), content, "metadata.name is not RFC 1123");
    if (const yaml::Node* labels = meta->get("labels"); labels && labels->is_map())
      for (auto [k, v] : yaml::map_entries(labels)) check_name(v, content, "a label value is not RFC 1123");
  }
}

std::string text(FuzzedDataProvider& in) { return in.ConsumeRandomLengthString(48); }

template <class T>
T pick(FuzzedDataProvider& in, std::initializer_list<T> options) {
  return *(options.begin() + in.ConsumeIntegralInRange<std::size_t>(0, options.size() - 1));
}

Job fuzzed_job(FuzzedDataProvider& in) {
  Job j;
  j.name = text(in), j.account = text(in), j.queue = text(in), j.partition = text(in);
  if (in.ConsumeBool()) j.walltime_seconds = in.ConsumeIntegralInRange<long>(-10, 10'000'000);
  j.nodes = in.ConsumeIntegralInRange(0, 5000), j.tasks_per_node = in.ConsumeIntegralInRange(0, 256);
  j.ranks = in.ConsumeIntegralInRange(0, 100000), j.threads = in.ConsumeIntegralInRange(0, 512);
  j.gpus_per_node = in.ConsumeIntegralInRange(0, 16);
  if (in.ConsumeBool()) j.memory_mb = in.ConsumeIntegralInRange<long>(-1, 1 << 24);
  if (in.ConsumeBool()) j.memory_per_cpu_mb = in.ConsumeIntegralInRange<long>(-1, 1 << 20);
  j.output = text(in), j.error = text(in), j.join_output = in.ConsumeBool();
  for (int n = in.ConsumeIntegralInRange(0, 3); n > 0; --n) j.mail_events.insert(pick(in, {"begin", "end", "fail", "all"}));
  j.mail_user = text(in), j.export_all = in.ConsumeBool();
  for (int n = in.ConsumeIntegralInRange(0, 3); n > 0; --n) j.export_vars.emplace_back(text(in), text(in));
  j.array = text(in);
  for (int n = in.ConsumeIntegralInRange(0, 3); n > 0; --n) j.after_ok.push_back(text(in));
  j.exclusive = in.ConsumeBool(), j.constraint = text(in), j.nodelist = text(in), j.begin = text(in);
  // The body: the optimiser's environment (trusted names, values as data), the build, the run.
  for (int n = in.ConsumeIntegralInRange(0, 2); n > 0; --n) j.env.emplace_back(pick(in, {"OMP_NUM_THREADS", "TF_XLA_FLAGS"}), text(in));
  if (in.ConsumeBool()) j.build = adapters::Build{text(in), text(in), in.ConsumeIntegralInRange(1, 64)};
  j.launcher = pick(in, {"srun", "mpirun", "torchrun", "horovodrun", "none"});
  j.container_runtime = pick(in, {"singularity", "apptainer", "podman", "none"});
  j.image = text(in);
  if (in.ConsumeBool()) j.container_flags.push_back("--nv");
  if (in.ConsumeBool()) j.container_flags.push_back("-B " + text(in));
  j.data_path = text(in), j.gpu = in.ConsumeBool();
  j.executable = text(in);
  j.arguments = in.ConsumeRemainingBytesAsString();
  return j;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  adapters::Rendered r = adapter().render(fuzzed_job(in));
  if (r.kind == "manifest") check_manifests(r.content);
  else check_script(r.content);
  return 0;
}
