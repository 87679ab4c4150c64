#include "plugin/submit/process.h"

#include <boost/asio/io_context.hpp>
#include <boost/process.hpp>
#include <future>

namespace modak::ops {
namespace bp = boost::process;

bool have_program(const std::string& program) { return !bp::search_path(program).empty(); }

ProcessResult run_program(const std::string& program, const std::vector<std::string>& args, const std::string& workdir,
                          std::chrono::milliseconds limit) {
  boost::filesystem::path exe = program.find('/') != std::string::npos ? boost::filesystem::path(program) : bp::search_path(program);
  if (exe.empty() || !boost::filesystem::exists(exe)) throw MissingCommand(program);
  ProcessResult r;
  boost::asio::io_context ios;
  std::future<std::string> out, err;
  std::error_code ec;
  bp::child c = workdir.empty()
                    ? bp::child(exe, bp::args(args), bp::std_in.close(), bp::std_out > out, bp::std_err > err, ios, ec)
                    : bp::child(exe, bp::args(args), bp::std_in.close(), bp::std_out > out, bp::std_err > err, ios,
                                bp::start_dir(workdir), ec);
  if (ec) throw std::runtime_error(program + ": cannot start: " + ec.message());
  ios.run_for(limit);
  if (!ios.stopped()) {
    r.timed_out = true;
    std::error_code ignore;
    c.terminate(ignore);
    ios.stop();
    c.wait(ignore);
    return r;
  }
  c.wait();
  r.exit_code = c.exit_code();
  r.out = out.get();
  r.err = err.get();
  return r;
}

}  // namespace modak::ops
