// Arbitrary bytes written to a temporary .csar file and validated (zip reader + CSAR handling).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "fuzz_common.h"
#include "tosca/validator.h"

namespace {
const std::string& csar_path() {
  static const std::string p = [] {
    const char* tmp = std::getenv("TMPDIR");
    return std::string(tmp && *tmp ? tmp : "/tmp") + "/modak-fuzz-csar-" + std::to_string(::getpid()) + ".csar";
  }();
  return p;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace modak;
  const std::string& path = csar_path();
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) std::abort();
    if (size && std::fwrite(data, 1, size, f) != size) std::abort();
    std::fclose(f);
  }
  tosca::ValidateOptions options;
  options.load.share_dir = fuzz::share_dir();
  tosca::Model model;
  diag::Sink sink;
  tosca::validate(path, options, model, sink);
  std::error_code ec;
  std::filesystem::remove(path, ec);
  return 0;
}
