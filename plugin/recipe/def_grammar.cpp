// Definition-file grammar, as the Apptainer user guide describes it: a header of `Keyword: value`
// lines that starts with Bootstrap, then sections that start with `%name` at the start of a line.
// A later `Bootstrap:` line starts another stage (multi-stage builds). Section bodies are shell
// scripts (not checked) except %labels, %files, %arguments and %applabels, which have a line syntax.
#include "plugin/recipe/def_grammar.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <sstream>

namespace modak::recipe {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  std::istringstream in{std::string(s)};
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// Bootstrap agents and the header keywords each one needs.
struct Agent {
  std::vector<std::string> required;
  std::vector<std::string> allowed;  // besides Bootstrap and Stage
};

const std::map<std::string, Agent>& agents() {
  static const std::map<std::string, Agent> a = {
      {"library", {{"from"}, {"from", "library", "fingerprints"}}},
      {"docker", {{"from"}, {"from", "registry", "namespace", "includecmd"}}},
      {"docker-daemon", {{"from"}, {"from", "includecmd"}}},
      {"docker-archive", {{"from"}, {"from", "includecmd"}}},
      {"oci", {{"from"}, {"from"}}},
      {"oci-archive", {{"from"}, {"from"}}},
      {"shub", {{"from"}, {"from"}}},
      {"oras", {{"from"}, {"from"}}},
      {"localimage", {{"from"}, {"from"}}},
      {"debootstrap", {{"osversion", "mirrorurl"}, {"osversion", "mirrorurl", "include"}}},
      {"yum", {{"mirrorurl"}, {"osversion", "mirrorurl", "include", "updateurl"}}},
      {"dnf", {{"mirrorurl"}, {"osversion", "mirrorurl", "include", "updateurl"}}},
      {"zypper", {{"mirrorurl"}, {"osversion", "mirrorurl", "include", "updateurl"}}},
      {"busybox", {{"mirrorurl"}, {"mirrorurl"}}},
      {"arch", {{}, {"mirrorurl", "include"}}},
      {"scratch", {{}, {}}},
  };
  return a;
}

const std::set<std::string>& app_sections() {
  static const std::set<std::string> s = {"appinstall", "appfiles", "appenv", "apphelp",
                                          "applabels",  "apprun",   "appstart", "apptest"};
  return s;
}

// Sections whose body is a script and which take an interpreter: `%post -c /bin/bash`.
const std::set<std::string>& script_sections() {
  static const std::set<std::string> s = {"setup", "post", "runscript", "startscript", "test",
                                          "appinstall", "apprun", "appstart", "apptest"};
  return s;
}

std::string canonical_keyword(const std::string& k) {
  for (const auto& kw : header_keywords())
    if (lower(kw) == k) return kw;
  return k;
}

class Checker {
 public:
  DefCheck run(std::string_view text) {
    std::uint32_t line_no = 0;
    std::size_t pos = 0;
    while (pos <= text.size()) {
      std::size_t end = text.find('\n', pos);
      if (end == std::string_view::npos) end = text.size();
      ++line_no;
      line(line_no, text.substr(pos, end - pos));
      if (end == text.size()) break;
      pos = end + 1;
    }
    finish_stage(line_no);
    if (stage_count_ == 0) error(1, 1, "no header: a definition file starts with 'Bootstrap: <agent>'");
    if (stage_count_ > 1)
      for (std::size_t i = 0; i < out_.stages.size(); ++i)
        if (out_.stages[i].empty())
          warning(stage_lines_[i], 1, "stage " + std::to_string(i + 1) + " of a multi-stage build has no 'Stage:' name");
    return std::move(out_);
  }

 private:
  enum class Where { Preamble, Header, Section };

  void error(std::uint32_t l, std::uint32_t c, std::string m) { out_.problems.push_back({DefProblem::Severity::Error, l, c, std::move(m)}); }
  void warning(std::uint32_t l, std::uint32_t c, std::string m) {
    out_.problems.push_back({DefProblem::Severity::Warning, l, c, std::move(m)});
  }

  void line(std::uint32_t n, std::string_view raw) {
    std::string_view t = trim(raw);
    std::uint32_t col = static_cast<std::uint32_t>(raw.find_first_not_of(" \t") + 1);
    if (where_ != Where::Section && (t.empty() || t.front() == '#')) return;
    // A Bootstrap line at the start of a line opens a (new) stage, even after sections.
    if (!raw.empty() && raw.front() != ' ' && raw.front() != '\t' && lower(t).rfind("bootstrap", 0) == 0 &&
        trim(t.substr(9)).rfind(':', 0) == 0) {
      if (where_ != Where::Preamble) finish_stage(n - 1);
      start_stage(n);
      header_line(n, col, t);
      return;
    }
    if (!t.empty() && t.front() == '%' && t.size() > 1 && std::isalpha(static_cast<unsigned char>(t[1]))) {
      section_line(n, col, t);
      return;
    }
    switch (where_) {
      case Where::Preamble:
        if (t.find(':') != std::string_view::npos) {
          start_stage(n);
          header_line(n, col, t);  // reports "Bootstrap must come first"
        } else {
          error(n, col, "text before the header; a definition file starts with 'Bootstrap: <agent>'");
        }
        return;
      case Where::Header:
        header_line(n, col, t);
        return;
      case Where::Section:
        body_line(n, col, t);
        return;
    }
  }

  void start_stage(std::uint32_t n) {
    where_ = Where::Header;
    ++stage_count_;
    keys_.clear();
    sections_seen_.clear();
    stage_line_ = n;
    bootstrap_.clear();
    out_.stages.emplace_back();
    stage_lines_.push_back(n);
  }

  void header_line(std::uint32_t n, std::uint32_t col, std::string_view t) {
    std::size_t colon = t.find(':');
    if (colon == std::string_view::npos) {
      error(n, col, "expected 'Keyword: value' in the header, found '" + std::string(t) + "'");
      return;
    }
    std::string key = lower(trim(t.substr(0, colon)));
    std::string value(trim(t.substr(colon + 1)));
    std::uint32_t value_col = col + static_cast<std::uint32_t>(t.size() - trim(t.substr(colon + 1)).size());
    const auto& kws = header_keywords();
    bool known = std::any_of(kws.begin(), kws.end(), [&](const std::string& k) { return lower(k) == key; });
    if (!known) {
      error(n, col, "unknown header keyword '" + std::string(trim(t.substr(0, colon))) + "' (known: Bootstrap, From, Stage, " +
                        "IncludeCmd, MirrorURL, OSVersion, Include, Library, Registry, Namespace, Fingerprints, UpdateURL)");
      return;
    }
    if (keys_.empty() && key != "bootstrap") error(n, col, "the header must start with 'Bootstrap:', not '" + canonical_keyword(key) + ":'");
    if (keys_.count(key)) {
      error(n, col, "'" + canonical_keyword(key) + "' given twice in this header (first on line " + std::to_string(keys_[key]) + ")");
      return;
    }
    keys_[key] = n;
    if (value.empty()) {
      error(n, value_col, "'" + canonical_keyword(key) + ":' needs a value");
      return;
    }
    if (key == "bootstrap") {
      bootstrap_ = lower(value);
      if (!agents().count(bootstrap_))
        error(n, value_col, "unknown bootstrap agent '" + value +
                                "' (known: library, docker, docker-daemon, docker-archive, oci, oci-archive, shub, oras, "
                                "localimage, debootstrap, yum, dnf, zypper, busybox, arch, scratch)");
    } else if (key == "stage") {
      if (value.find_first_of(" \t") != std::string::npos) error(n, value_col, "a stage name is one word");
      for (std::size_t i = 0; i + 1 < out_.stages.size(); ++i)
        if (out_.stages[i] == value) error(n, value_col, "stage '" + value + "' is defined twice");
      out_.stages.back() = value;
    } else if (key == "from" && bootstrap_ == "docker" && value.find("://") != std::string::npos) {
      error(n, value_col, "'From:' for the docker agent is an image reference without a scheme (got '" + value + "')");
    }
  }

  // Required keywords of the stage's agent, and keywords the agent does not read.
  void finish_stage(std::uint32_t last_line) {
    (void)last_line;
    if (stage_count_ == 0 || bootstrap_.empty() || !agents().count(bootstrap_)) return;
    const Agent& a = agents().at(bootstrap_);
    for (const auto& req : a.required)
      if (!keys_.count(req))
        error(stage_line_, 1, "'Bootstrap: " + bootstrap_ + "' needs '" + canonical_keyword(req) + ":' in its header");
    for (const auto& [k, line_no] : keys_) {
      if (k == "bootstrap" || k == "stage") continue;
      if (std::find(a.allowed.begin(), a.allowed.end(), k) == a.allowed.end())
        warning(line_no, 1, "'" + canonical_keyword(k) + ":' is not read by the " + bootstrap_ + " bootstrap agent");
    }
  }

  void section_line(std::uint32_t n, std::uint32_t col, std::string_view t) {
    if (where_ == Where::Preamble) {
      error(n, col, "section before the header; a definition file starts with 'Bootstrap: <agent>'");
      start_stage(n);
    }
    where_ = Where::Section;
    auto w = words(t.substr(1));
    std::string name = lower(w.empty() ? "" : w[0]);
    std::vector<std::string> args(w.begin() + (w.empty() ? 0 : 1), w.end());
    section_ = name;
    const auto& names = section_names();
    bool app = app_sections().count(name) > 0;
    if (!app && std::find(names.begin(), names.end(), name) == names.end()) {
      error(n, col, "unknown section '%" + (w.empty() ? std::string() : w[0]) +
                        "' (known: %setup %files %environment %post %runscript %startscript %test %labels %help "
                        "%arguments and %app* sections)");
      section_.clear();
      return;
    }
    std::string key = name;
    if (app) {
      if (args.empty()) {
        error(n, col, "'%" + name + "' needs an app name: '%" + name + " NAME'");
      } else {
        key += " " + args[0];
        if (args.size() > 1 && !(script_sections().count(name) && args.size() == 3 && args[1] == "-c"))
          error(n, col, "'%" + name + "' takes one app name, found '" + std::string(trim(t.substr(1 + w[0].size()))) + "'");
      }
    } else if (name == "files") {
      // %files [from STAGE]
      if (!args.empty()) {
        if (args.size() != 2 || lower(args[0]) != "from") {
          error(n, col, "'%files' takes nothing or 'from STAGE'");
        } else {
          bool found = std::find(out_.stages.begin(), out_.stages.end() - 1, args[1]) != out_.stages.end() - 1;
          if (!found) error(n, col, "'%files from " + args[1] + "': no earlier stage is named '" + args[1] + "'");
          key += " from " + args[1];
        }
      }
    } else if (script_sections().count(name)) {
      if (!args.empty() && !(args.size() == 2 && args[0] == "-c"))
        error(n, col, "'%" + name + "' takes nothing or '-c SHELL', found '" + std::string(trim(t.substr(1 + w[0].size()))) + "'");
    } else if (!args.empty()) {
      error(n, col, "'%" + name + "' takes no arguments");
    }
    if (sections_seen_.count(key))
      warning(n, col, "section '%" + key + "' appears twice in this stage (first on line " + std::to_string(sections_seen_[key]) +
                          "); the bodies are concatenated");
    else
      sections_seen_[key] = n;
    out_.sections.push_back(key);
  }

  void body_line(std::uint32_t n, std::uint32_t col, std::string_view t) {
    if (t.empty() || t.front() == '#') return;
    if (section_ == "labels" || section_ == "applabels") {
      auto w = words(t);
      if (w.size() < 2) error(n, col, "a label is 'NAME VALUE'; '" + std::string(t) + "' has no value");
    } else if (section_ == "files" || section_ == "appfiles") {
      if (t.find_first_of("'\"") == std::string_view::npos && words(t).size() > 2)
        error(n, col, "a %files line is 'SOURCE [DESTINATION]'; quote paths that contain spaces");
    } else if (section_ == "arguments") {
      std::size_t eq = t.find('=');
      std::string_view name = eq == std::string_view::npos ? t : t.substr(0, eq);
      bool ident = !name.empty() && !std::isdigit(static_cast<unsigned char>(name.front())) &&
                   std::all_of(name.begin(), name.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
      if (eq == std::string_view::npos || !ident) error(n, col, "an %arguments line is 'NAME=default'");
    }
  }

  DefCheck out_;
  Where where_ = Where::Preamble;
  int stage_count_ = 0;
  std::map<std::string, std::uint32_t> keys_;
  std::map<std::string, std::uint32_t> sections_seen_;
  std::uint32_t stage_line_ = 0;
  std::vector<std::uint32_t> stage_lines_;
  std::string bootstrap_;
  std::string section_;
};

}  // namespace

bool DefCheck::ok() const {
  return std::none_of(problems.begin(), problems.end(),
                      [](const DefProblem& p) { return p.severity == DefProblem::Severity::Error; });
}

const std::vector<std::string>& header_keywords() {
  static const std::vector<std::string> k = {"Bootstrap", "From",    "Stage",    "IncludeCmd", "MirrorURL", "OSVersion",
                                             "Include",   "Library", "Registry", "Namespace",  "Fingerprints", "UpdateURL"};
  return k;
}

const std::vector<std::string>& section_names() {
  static const std::vector<std::string> s = {"setup", "files",  "environment", "post",      "runscript",
                                             "startscript", "test", "labels", "help", "arguments",
                                             "appinstall", "appfiles", "appenv", "apphelp", "applabels",
                                             "apprun", "appstart", "apptest"};
  return s;
}

DefCheck check_definition(std::string_view text) { return Checker().run(text); }

std::string render_problems(const std::string& file, const DefCheck& check) {
  std::vector<DefProblem> sorted = check.problems;
  std::stable_sort(sorted.begin(), sorted.end(), [](const DefProblem& a, const DefProblem& b) {
    return a.line != b.line ? a.line < b.line : a.column < b.column;
  });
  std::string out;
  for (const auto& p : sorted)
    out += file + ":" + std::to_string(p.line) + ":" + std::to_string(p.column) + ": " +
           (p.severity == DefProblem::Severity::Error ? "error" : "warning") + ": " + p.message + "\n";
  return out;
}

}  // namespace modak::recipe
