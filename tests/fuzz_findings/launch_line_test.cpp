// Regression test for a fuzz finding (docs/fuzzing.md, fuzz_adapter_slurm, first minute): a job
// with a Singularity/Apptainer runtime but neither an image nor an executable made launch_line
// write "run" into element 1 of an empty word list (out of bounds; UBSan caught it).
#include <doctest/doctest.h>

#include "adapters/adapter.h"
#include "adapters/batch_script.h"
#include "adapters/job.h"

using namespace modak::adapters;

TEST_SUITE("unit") {
  TEST_CASE("fuzz finding: a container runtime without an image or executable renders, without a container") {
    for (const char* runtime : {"singularity", "apptainer", "podman"}) {
      CAPTURE(runtime);
      Job j;
      j.name = "empty";
      j.container_runtime = runtime;  // no image, no executable
      std::vector<std::string> notes;
      std::string line = launch_line(j, notes);
      CHECK(line.find(runtime) == std::string::npos);  // no container without an image
      CHECK_FALSE(notes.empty());                       // the missing executable is said
      for (const char* adapter : {"slurm", "pbspro", "torque", "batch"}) CHECK_FALSE(adapter_for(adapter)->render(j).content.empty());
    }
  }
}
