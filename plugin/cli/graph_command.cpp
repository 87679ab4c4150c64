// `modak graph`: the topology of a blueprint as Graphviz DOT (SVG through Graphviz's `dot` when it
// is installed), with the optimiser's choice on each application node; with --explain, the
// ranked candidates and their predicted times as an SVG bar chart modak draws itself.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>

#include "plugin/cli/commands.h"
#include "plugin/cli/pipeline.h"
#include "plugin/graph/graph.h"
#include "plugin/optimiser/report.h"
#include "tosca/io/files.h"

namespace modak::cli {

namespace fs = std::filesystem;

namespace {

struct GraphArgs : PipelineArgs {
  std::string svg;
  bool explain = false;
};

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

bool have_dot() { return std::system("command -v dot >/dev/null 2>&1") == 0; }

// Runs `dot -Tsvg` in a private temporary directory, then writes the SVG through
// io::write_file_atomic: a failure leaves the previous SVG as it was, and nothing is renamed over
// a device or a link (`--svg /dev/stdout` works).
bool dot_to_svg(const std::string& dot, const std::string& svg, std::string& error) {
  std::string dir = (fs::temp_directory_path() / "modak-graph-XXXXXX").string();
  if (!::mkdtemp(dir.data())) {
    error = "cannot create a temporary directory: " + std::string(std::strerror(errno));
    return false;
  }
  const std::string in = dir + "/graph.dot", out = dir + "/graph.svg";
  std::string content;
  bool ok = io::write_file_atomic(in, dot, error);
  if (ok) {
    int rc = std::system(("dot -Tsvg -o " + shell_quote(out) + " " + shell_quote(in)).c_str());
    ok = rc == 0;
    if (!ok) error = "dot -Tsvg failed (exit status " + std::to_string(rc) + ")";
  }
  ok = ok && io::read_file(out, content, error) && io::write_file_atomic(svg, content, error);
  std::error_code ec;
  fs::remove_all(dir, ec);
  return ok;
}

int run_graph(const GraphArgs& a) {
  Pipeline p;
  if (int rc = run_pipeline(a, Decisions::Decide, p, "graph"); rc >= 0) return rc;
  std::string title = fs::path(a.path).parent_path().filename().string();
  if (title.empty() || title == ".") title = fs::path(a.path).filename().string();
  std::string dot = graph::topology_dot(*p.ctx, p.model->service.root_unit().root, p.apps, p.decisions, title);
  std::string error;
  for (const std::string& out : {a.output, a.svg})
    if (std::string in = out.empty() || out == "-" ? std::string() : input_at(p.model->service, out); !in.empty()) {
      std::cerr << "modak graph: refusing to overwrite '" << in << "', which modak read; choose another output\n";
      return kExitUsage;
    }
  if (a.output.empty() && a.svg.empty()) std::cout << dot;
  if (!a.output.empty()) {
    if (a.output == "-") std::cout << dot;
    else if (!io::write_file_atomic(a.output, dot, error)) {
      std::cerr << "modak graph: " << error << "\n";
      return kExitUsage;
    }
  }
  if (a.explain && a.svg.empty())
    for (const auto& d : p.decisions) std::cout << opt::explain_text(d) << "\n";
  if (!a.svg.empty()) {
    if (a.explain) {
      if (!io::write_file_atomic(a.svg, graph::candidates_svg(p.decisions, title), error)) {
        std::cerr << "modak graph: " << error << "\n";
        return kExitUsage;
      }
    } else if (!have_dot()) {
      std::cerr << "modak graph: --svg needs Graphviz's `dot` for the topology (apt-get install graphviz); "
                   "write DOT with -o, or draw the candidates with --explain --svg\n";
      return kExitUsage;
    } else if (!dot_to_svg(dot, a.svg, error)) {
      std::cerr << "modak graph: " << error << "\n";
      return kExitUsage;
    }
    if (!a.quiet) std::cerr << "wrote " << a.svg << "\n";
  }
  if (!a.output.empty() && a.output != "-" && !a.quiet) std::cerr << "wrote " << a.output << "\n";
  return kExitOk;
}

}  // namespace

Command add_graph_command(CLI::App& app) {
  auto args = std::make_shared<GraphArgs>();
  CLI::App* cmd = app.add_subcommand("graph", "Draw a blueprint's topology (Graphviz DOT, SVG) with the optimiser's choices");
  cmd->footer(
      "Examples:\n"
      "  modak graph blueprints/resnet50-slurm/service.yaml | dot -Tpng -o topology.png\n"
      "  modak graph blueprints/resnet50-slurm/service.yaml -o topology.dot --svg topology.svg   (needs graphviz)\n"
      "  modak graph --explain --svg candidates.svg blueprints/resnet50-slurm/service.yaml\n\n"
      "Without -o or --svg the DOT text goes to stdout. --svg draws the topology with Graphviz's dot;\n"
      "with --explain it draws the ranked candidates' predicted times instead (no Graphviz needed).\n\n"
      "Exit status: 0 written, 1 invalid blueprint or request, 2 usage or I/O error (or no dot for --svg).");
  cmd->add_option("blueprint", args->path, "service template or CSAR")->required();
  cmd->add_option("-o,--output", args->output, "write the DOT text to this file (- for stdout)");
  cmd->add_option("--svg", args->svg, "write an SVG: the topology (via dot), or with --explain the candidates chart");
  cmd->add_flag("--explain", args->explain, "the ranked candidates: a bar chart with --svg, else text after the DOT");
  add_optimiser_options(cmd, *args);
  add_common_options(cmd, *args);
  return {cmd, [args]() { return run_graph(*args); }};
}

}  // namespace modak::cli
