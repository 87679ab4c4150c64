// Writing a rendered blueprint: a directory with service.yaml, the artefacts, the files it
// imports and TOSCA-Metadata/TOSCA.meta (optionally also a CSAR zip). Everything is built in a
// fresh temporary directory beside the target and swapped in at the end with one rename, so a
// failure anywhere (a full disk, a file that cannot be copied) leaves the previous output intact
// and removes what was written. modak never writes over a file it read. docs/outputs.md.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "plugin/render/render.h"
#include "tosca/load/service.h"

namespace modak::render {

struct WriteOptions {
  std::string out_dir;
  bool csar = false;  // also write <out_dir>.csar (a zip)
  // Test seam, never set by the CLI or the C API: called after each file is complete in the
  // temporary directory (its path there); returning false makes the write fail at that point,
  // as a full disk would.
  std::function<bool(const std::string& written)> after_file;
};

// `service_text` is the rewritten entry file. Returns false with `error` set on failure, after
// removing every temporary file; the previous output, if any, is then untouched. Files the copy
// leaves out on purpose (symbolic links, files over 64 MiB) are described in `notes` when given.
bool write_output(const tosca::Service& service, const std::string& service_text, const std::vector<Artefact>& artefacts,
                  const WriteOptions& options, std::string& error, std::vector<std::string>* notes = nullptr);

}  // namespace modak::render
