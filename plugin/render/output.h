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
  bool csar = false;   // also write <out_dir>.csar (a zip)
  bool force = false;  // replace <out_dir> even when it is a non-empty directory modak did not write
  // Test seam, never set by the CLI or the C API: called after each file is complete in the
  // temporary directory (its path there); returning false makes the write fail at that point,
  // as a full disk would.
  std::function<bool(const std::string& written)> after_file;
  // Test seam, never set by the CLI or the C API: called before each rename of the swap, named
  // "exchange", "exchange back", "move aside", "move in", "csar", "move out" or "move back";
  // a non-zero errno makes that rename fail with it (EINVAL on "exchange": a file system without
  // RENAME_EXCHANGE).
  std::function<int(const std::string& step)> swap_fault;
};

// `service_text` is the rewritten entry file. Returns false with `error` set on failure, after
// removing every temporary file. `*unchanged` (when given) then tells whether the previous output
// — or its absence — is exactly as it was; it is false only when a swap step failed and putting
// the previous output back failed too, and `error` then says where the previous output is (that
// directory is never deleted). Files the copy leaves out on purpose (symbolic links, files over
// 64 MiB) are described in `notes` when given.
bool write_output(const tosca::Service& service, const std::string& service_text, const std::vector<Artefact>& artefacts,
                  const WriteOptions& options, std::string& error, std::vector<std::string>* notes = nullptr,
                  bool* unchanged = nullptr);

// True when `dir` holds TOSCA-Metadata/TOSCA.meta with the line "Created-By: modak", which
// write_output writes: a directory modak may replace without --force.
bool is_modak_output(const std::string& dir);

}  // namespace modak::render
