// Running scheduler and hardware tools with Boost.Process: an argument vector, never a shell;
// the program is looked up on PATH; output captured; a time limit per call.
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace modak::ops {

struct ProcessResult {
  int exit_code = -1;
  std::string out, err;
  bool timed_out = false;
};

// The program was not found on PATH.
struct MissingCommand : std::runtime_error {
  std::string program;
  explicit MissingCommand(const std::string& p)
      : std::runtime_error(p + ": command not found on PATH"), program(p) {}
};

// Runs `program args...` in `workdir` ("" = the current directory) with the inherited
// environment. Throws MissingCommand when `program` is not on PATH; a run over `limit` is
// killed and reported with timed_out.
ProcessResult run_program(const std::string& program, const std::vector<std::string>& args,
                          const std::string& workdir = "", std::chrono::milliseconds limit = std::chrono::seconds(60));

bool have_program(const std::string& program);

}  // namespace modak::ops
