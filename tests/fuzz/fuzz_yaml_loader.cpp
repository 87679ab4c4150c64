// yaml::load_yaml on arbitrary bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tosca/diag/diagnostics.h"
#include "tosca/yaml/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace modak;
  yaml::SourceTable sources;
  yaml::Arena arena;
  diag::Sink sink;
  auto id = sources.add("fuzz.yaml");
  std::string_view content(reinterpret_cast<const char*>(data), size);
  yaml::Node* root = yaml::load_yaml(content, id, sources, arena, sink);
  (void)root;
  return 0;
}
