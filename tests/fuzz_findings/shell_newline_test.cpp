// Regression tests for fuzz findings (docs/fuzzing.md). fuzz_render_slurm and fuzz_render_batch,
// first campaign: an executable holding a newline was single-quoted with the newline kept, so the
// rendered script had a line starting "#PBS" / "#SBATCH" taken from user data (inside a quoted
// string, but a line a scheduler's directive reader or a careless grep may still see). Values with
// control characters are now written as bash $'...' with escapes: still one line, same value.
#include <doctest/doctest.h>

#include <cstdio>
#include <string>

#include "adapters/shell.h"

using namespace modak::adapters;

namespace {

// What bash makes of a quoted word: printf '%s' WORD, captured.
std::string bash_value(const std::string& word) {
  std::string cmd = "/bin/bash -c \"printf '%s' " ;
  for (char c : word) {  // the word goes inside the double-quoted -c argument
    if (c == '"' || c == '\\' || c == '$' || c == '`') cmd += '\\';
    cmd += c;
  }
  cmd += "\"";
  std::string out;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[256];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    pclose(p);
  }
  return out;
}

}  // namespace

TEST_SUITE("unit") {
  TEST_CASE("fuzz finding: a newline in a value never starts a script line of its own") {
    const std::string values[] = {
        "a\n\"SBATCH --x\\\nb\n#PBS\"-l x\\\nj\n#SBATCH --y",  // the fuzz_render_slurm crash input's executable
        "a\n#SBATCH -'x",                                     // fuzz_render_batch
        "tab\there", "cr\rlf\n", "bell\x07", "del\x7f", "quote ' and \\ backslash\n",
    };
    for (const std::string& v : values) {
      CAPTURE(v);
      std::string q = single_quote(v);
      CHECK(q.find('\n') == std::string::npos);
      CHECK(q.find('\r') == std::string::npos);
      CHECK(bash_value(q) == v);  // bash reads back exactly the value
    }
    CHECK(single_quote("a\nb") == "$'a\\nb'");
    CHECK(single_quote("plain") == "'plain'");  // values without control characters look as before
  }
}
