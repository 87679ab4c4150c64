// An optimisation request file (JSON/YAML or AADM) the way `modak optimise REQUEST.json` reads it:
// yaml::load_yaml, then opt::read_request (or the AADM path), then opt::decide.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "fuzz_common.h"
#include "plugin/optimiser/aadm.h"
#include "plugin/optimiser/decide.h"
#include "plugin/optimiser/knowledge.h"
#include "plugin/optimiser/request.h"
#include "tosca/validator.h"
#include "tosca/yaml/loader.h"

namespace {
const modak::opt::Knowledge& knowledge() {
  static const modak::opt::Knowledge k = [] {
    modak::opt::Knowledge out;
    modak::diag::Sink sink;
    if (!modak::opt::load_knowledge(modak::fuzz::share_dir(), {}, out, sink)) std::abort();
    return out;
  }();
  return k;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace modak;
  const opt::Knowledge& k = knowledge();
  tosca::Model model;
  diag::Sink sink;
  auto id = model.service.sources.add("request.json");
  std::string_view content(reinterpret_cast<const char*>(data), size);
  const yaml::Node* root = yaml::load_yaml(content, id, model.service.sources, model.service.arena, sink);
  if (!root) return 0;
  tosca::Context ctx(model.service, model.types, sink, model.profile);
  opt::DecideOptions o;
  if (opt::is_aadm(root)) {
    for (auto& app : opt::find_aadm_requests(ctx, root, model.service.arena, model.service.sources)) {
      opt::Decision d;
      d.node = app.name;
      if (!sink.has_errors()) opt::decide(ctx, app.request, k, o, d);
    }
  } else {
    opt::Request request;
    request.origin = "request.json";
    opt::Decision d;
    if (opt::read_request(ctx, root, request)) opt::decide(ctx, request, k, o, d);
  }
  return 0;
}
