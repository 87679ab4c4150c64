// The parts every batch script shares after its scheduler header: working directory, the
// environment the optimiser chose, knowledge-base fragments, the build (done once) and the
// launch line. User values are quoted so that no shell metacharacter in them ever executes.
#pragma once

#include <string>

#include "adapters/job.h"

namespace modak::adapters {

// `workdir_expr` is the scheduler's submit-directory expression, e.g. "${SLURM_SUBMIT_DIR:-$PWD}".
std::string batch_body(const Job& job, const std::string& workdir_expr, std::vector<std::string>& notes);

// The command that runs the application (launcher, container, executable, arguments).
std::string launch_line(const Job& job, std::vector<std::string>& notes);

// A directive value that cannot break out of its line; unsafe characters become '_'.
std::string directive_value(const std::string& value, const std::string& what, std::vector<std::string>& notes);

// HH:MM:SS with hours above 24 allowed.
std::string hms(long seconds);

}  // namespace modak::adapters
