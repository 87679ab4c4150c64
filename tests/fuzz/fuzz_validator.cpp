// tosca::validate_text on arbitrary bytes, default options.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_common.h"
#include "tosca/validator.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace modak;
  tosca::ValidateOptions options;
  options.load.share_dir = fuzz::share_dir();
  tosca::Model model;
  diag::Sink sink;
  std::string content(reinterpret_cast<const char*>(data), size);
  tosca::validate_text(std::move(content), "fuzz.yaml", "/nonexistent-modak-fuzz", options, model, sink);
  return 0;
}
