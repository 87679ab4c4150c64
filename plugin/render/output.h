// Writing a rendered blueprint: a directory with service.yaml, the artefacts, the files it
// imports and TOSCA-Metadata/TOSCA.meta (optionally also a CSAR zip). The directory is built
// beside the target and swapped in at the end, so a failure leaves the previous output intact.
#pragma once

#include <string>
#include <vector>

#include "plugin/render/render.h"
#include "tosca/load/service.h"

namespace modak::render {

struct WriteOptions {
  std::string out_dir;
  bool csar = false;  // also write <out_dir>.csar (a zip)
};

// `service_text` is the rewritten entry file. Returns false with `error` set on failure.
bool write_output(const tosca::Service& service, const std::string& service_text, const std::vector<Artefact>& artefacts,
                  const WriteOptions& options, std::string& error);

}  // namespace modak::render
