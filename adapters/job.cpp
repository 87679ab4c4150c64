#include "adapters/job.h"

#include <algorithm>
#include <cctype>
#include <regex>

namespace modak::adapters {

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string_view::npos ? "" : std::string(s.substr(b, e - b + 1));
}

}  // namespace

std::optional<long> parse_walltime(std::string_view raw) {
  std::string text = trim(raw);
  static const std::regex re(R"(^(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?$)");
  std::smatch m;
  if (text.size() > 32 || !std::regex_match(text, m, re)) return std::nullopt;
  long days = m[1].matched ? std::stol(m[1]) : 0;
  long a = std::stol(m[2]);
  bool b_ = m[3].matched, c_ = m[4].matched;
  long b = b_ ? std::stol(m[3]) : 0, c = c_ ? std::stol(m[4]) : 0;
  long seconds;
  if (m[1].matched) seconds = a * 3600 + b * 60 + c;  // D-HH[:MM[:SS]]
  else if (c_) seconds = a * 3600 + b * 60 + c;      // HH:MM:SS
  else if (b_) seconds = a * 60 + b;                 // MM:SS
  else seconds = a * 60;                             // minutes
  if ((b_ && b >= 60) || (c_ && c >= 60)) return std::nullopt;
  return days * 86400 + seconds;
}

std::optional<long> parse_memory_mb(std::string_view raw) {
  std::string text = lower(trim(raw));
  static const std::regex re(R"(^(\d+(?:\.\d+)?)\s*([kmgt]i?b?|b)?$)");
  std::smatch m;
  if (!std::regex_match(text, m, re)) return std::nullopt;
  double v = std::stod(m[1]);
  std::string unit = m[2].matched ? m[2].str() : "m";
  char u = unit[0];
  double mb = u == 'k' ? v / 1024 : u == 'g' ? v * 1024 : u == 't' ? v * 1024 * 1024 : u == 'b' ? v / 1048576 : v;
  return static_cast<long>(std::max(1.0, mb + 0.5));
}

std::set<std::string> parse_mail_events(std::string_view raw) {
  std::set<std::string> out;
  std::string text = lower(trim(raw));
  if (text.empty() || text == "n" || text == "none") return out;
  if (text.find_first_of(",_") != std::string::npos || text.size() > 3 || text == "all" || text == "end") {
    std::string word;
    for (char c : text + ",") {
      if (c != ',') {
        word += c;
        continue;
      }
      if (word == "begin") out.insert("begin");
      else if (word == "end") out.insert("end");
      else if (word == "fail" || word == "abort" || word == "requeue") out.insert("fail");
      else if (word == "all") out.insert({"begin", "end", "fail"});
      word.clear();
    }
    return out;
  }
  for (char c : text) {
    if (c == 'a') out.insert("fail");
    else if (c == 'b') out.insert("begin");
    else if (c == 'e') out.insert("end");
  }
  return out;
}

Job make_job(const opt::Request& r, const opt::Decision& d, const std::string& fallback_name) {
  Job j;
  const opt::Fields& jo = r.job_options;
  const opt::Fields& app = r.application;
  j.name = jo.str("job_name").value_or(fallback_name);
  j.account = jo.str("account").value_or("");
  j.queue = jo.str("queue").value_or("");
  j.partition = jo.str("partition").value_or("");
  if (auto w = jo.str("wall_time_limit")) {
    j.walltime_seconds = parse_walltime(*w);
    if (!j.walltime_seconds) j.notes.push_back("wall_time_limit '" + *w + "' is not a duration; left out");
  }
  j.nodes = d.resources.nodes;
  j.tasks_per_node = d.resources.tasks_per_node;
  j.ranks = d.resources.ranks;
  j.threads = d.resources.threads;
  j.gpus_per_node = d.resources.gpus_per_node;
  if (auto m = jo.str("memory_limit")) j.memory_mb = parse_memory_mb(*m);
  if (auto m = jo.str("minimum_memory_per_processor")) j.memory_per_cpu_mb = parse_memory_mb(*m);
  j.output = jo.str("standard_output_file").value_or("");
  j.error = jo.str("standard_error_file").value_or("");
  j.join_output = jo.boolean("combine_stdout_stderr").value_or(false);
  if (auto n = jo.str("request_event_notification")) j.mail_events = parse_mail_events(*n);
  j.mail_user = jo.str("email_address").value_or("");
  j.export_all = jo.boolean("copy_environment").value_or(false);
  if (auto vars = jo.str("copy_environment_variable")) {
    std::string item;
    for (char c : *vars + ",") {
      if (c != ',') {
        item += c;
        continue;
      }
      std::string t = trim(item);
      item.clear();
      if (t.empty()) continue;
      auto eq = t.find('=');
      j.export_vars.emplace_back(eq == std::string::npos ? t : t.substr(0, eq), eq == std::string::npos ? "" : t.substr(eq + 1));
    }
  }
  j.array = jo.str("job_array").value_or("");
  if (auto dep = jo.str("job_dependency")) {
    std::string id;
    for (char c : *dep + ":") {
      if (c == ':' || c == ',') {
        if (!id.empty() && id != "afterok") j.after_ok.push_back(id);
        id.clear();
      } else if (c != ' ') {
        id += c;
      }
    }
  }
  j.exclusive = jo.boolean("node_exclusive").value_or(false);
  j.constraint = jo.str("architecture_constraint").value_or("");
  j.nodelist = jo.str("request_specific_nodes").value_or("");
  j.begin = jo.str("defer_job").value_or("");

  j.env = d.env;
  j.pre_commands = d.pre_commands;
  j.post_commands = d.post_commands;
  if (const opt::Fields* b = app.section("build"))
    if (auto src = b->str("src"))
      j.build = Build{*src, b->str("build_command").value_or(""), static_cast<int>(b->integer("build_parallelism").value_or(1))};
  j.launcher = d.launcher;
  j.container_runtime = d.container_runtime;
  j.image = d.image_uri();
  j.container_flags = d.container_flags;
  if (d.storage) j.data_path = d.storage->path;
  j.executable = app.str("executable").value_or("");
  j.arguments = app.str("arguments").value_or("");
  const opt::Candidate* c = d.chosen();
  j.gpu = (c && c->image->accelerator != "none") || j.gpus_per_node > 0 ||
          std::find(d.container_flags.begin(), d.container_flags.end(), "--nv") != d.container_flags.end();
  return j;
}

}  // namespace modak::adapters
