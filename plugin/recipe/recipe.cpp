// Recipe generation: template selection, variable filling, and the two renderers.
#include "plugin/recipe/recipe.h"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <set>

#include "tosca/io/files.h"
#include "tosca/yaml/loader.h"

namespace modak::recipe {

namespace fs = std::filesystem;

namespace {

// ---- reading the data files -------------------------------------------------------------------

struct Reader {
  yaml::SourceTable sources;
  yaml::Arena arena;
  std::vector<std::string>* errors;

  std::string where(const yaml::Node* n) const {
    auto loc = yaml::location_of(sources, n->mark);
    return loc.file + ":" + std::to_string(loc.line) + ":" + std::to_string(loc.column) + ": ";
  }
  void error(const yaml::Node* n, const std::string& m) { errors->push_back(where(n) + m); }

  std::string text(const yaml::Node* map, std::string_view key, std::string fallback = "") {
    const yaml::Node* v = map && map->is_map() ? map->get(key) : nullptr;
    if (!v || v->is_null()) return fallback;
    if (!v->is_scalar()) {
      error(v, "'" + std::string(key) + "' must be a scalar");
      return fallback;
    }
    return v->text;
  }
  double number(const yaml::Node* map, std::string_view key) {
    const yaml::Node* v = map && map->is_map() ? map->get(key) : nullptr;
    if (!v) return 0;
    if (v->kind == yaml::Kind::Int) return static_cast<double>(v->num.i);
    if (v->kind == yaml::Kind::Float) return v->num.f;
    error(v, "'" + std::string(key) + "' must be a number");
    return 0;
  }
  std::vector<std::string> strings(const yaml::Node* v, std::string_view what) {
    std::vector<std::string> out;
    if (!v || v->is_null()) return out;
    if (!v->is_seq()) {
      error(v, "'" + std::string(what) + "' must be a list");
      return out;
    }
    for (const yaml::Node* i : v->children) {
      if (!i->is_scalar()) {
        error(i, "'" + std::string(what) + "' items must be strings");
        continue;
      }
      // Steps are joined with && in a Containerfile RUN: one line each, no trailing separator.
      if (i->text.find('\n') != std::string::npos) error(i, "'" + std::string(what) + "' items must be one line");
      out.push_back(i->text);
    }
    return out;
  }
  Pairs pairs(const yaml::Node* v, std::string_view what) {
    Pairs out;
    if (!v || v->is_null()) return out;
    if (!v->is_map()) {
      error(v, "'" + std::string(what) + "' must be a map");
      return out;
    }
    for (auto [k, val] : yaml::map_entries(v)) {
      if (!val->is_scalar()) error(val, "'" + std::string(what) + "." + k->text + "' must be a scalar");
      else out.emplace_back(k->text, val->text);
    }
    return out;
  }

  void part(const yaml::Node* n, Part& p) {
    if (!n || !n->is_map()) return;
    p.packages = strings(n->get("packages"), "packages");
    p.steps = strings(n->get("steps"), "steps");
    p.build_env = pairs(n->get("build_env"), "build_env");
    p.env = pairs(n->get("env"), "env");
    p.labels = pairs(n->get("labels"), "labels");
    if (const yaml::Node* f = n->get("flags"); f && f->is_map())
      for (auto [k, list] : yaml::map_entries(f)) p.flags[k->text] = strings(list, "flags." + k->text);
    p.runscript = text(n, "runscript");
    p.test = text(n, "test");
  }

  const yaml::Node* load(const fs::path& file) {
    std::string content, err;
    if (!io::read_file(file.string(), content, err)) {
      errors->push_back(err);
      return nullptr;
    }
    diag::Sink sink;
    auto id = sources.add(file.string());
    const yaml::Node* root = yaml::load_yaml(content, id, sources, arena, sink);
    for (const auto& d : sink.all())
      errors->push_back(d.where.file + ":" + std::to_string(d.where.line) + ":" + std::to_string(d.where.column) + ": " +
                        d.message);
    if (root && !root->is_map()) {
      error(root, "expected a map");
      return nullptr;
    }
    return root;
  }
};

void read_march_table(Reader& r, const yaml::Node* m, std::map<std::string, March>& out) {
  for (auto [k, v] : yaml::map_entries(m)) {
    March mm;
    mm.flag = r.text(v, "flag");
    mm.older = r.text(v, "older");
    mm.isa_level = r.text(v, "isa_level");
    mm.gcc = r.number(v, "gcc");
    if (mm.flag.empty()) r.error(v, "'" + k->text + "' needs a 'flag'");
    out[k->text] = mm;
  }
}

std::string normalise_uarch(std::string s) {
  for (char& c : s) c = c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

void append(Pairs& to, const Pairs& from) {
  for (const auto& entry : from) {  // not a structured binding: clang 14 cannot capture those
    auto it = std::find_if(to.begin(), to.end(), [&](const auto& p) { return p.first == entry.first; });
    if (it != to.end()) it->second = entry.second;
    else to.push_back(entry);
  }
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::string quote_dq(const std::string& v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string json_string(const std::string& v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string series(const std::string& version) {
  auto dot = version.find('.');
  if (dot == std::string::npos) return version;
  auto dot2 = version.find('.', dot + 1);
  return dot2 == std::string::npos ? version : version.substr(0, dot2);
}

}  // namespace

bool load_recipe_knowledge(const std::string& dir, RecipeKnowledge& out, std::vector<std::string>& errors) {
  Reader r;
  r.errors = &errors;
  std::size_t before = errors.size();
  std::error_code ec;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ".yaml") files.push_back(e.path());
  if (ec) {
    errors.push_back(dir + ": " + ec.message());
    return false;
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    const yaml::Node* root = r.load(f);
    if (!root) continue;
    out.files.push_back(f.string());
    if (root->get("modak_recipe_march")) {
      read_march_table(r, root->get("microarchitectures"), out.microarchitectures);
      read_march_table(r, root->get("isa_levels"), out.isa_levels);
    } else if (root->get("modak_recipe_mpi")) {
      for (auto [k, v] : yaml::map_entries(root->get("libraries"))) {
        MpiLibrary m;
        m.name = k->text;
        m.default_version = r.text(v, "default_version");
        r.part(v, m.part);
        out.mpi[m.name] = m;
      }
    } else if (root->get("modak_recipe")) {
      Template t;
      t.file = f.string();
      t.id = r.text(root, "id");
      t.description = r.text(root, "description");
      t.install = r.text(root, "install");
      t.uses_mpi = root->get("uses_mpi") && root->get("uses_mpi")->kind == yaml::Kind::Bool && root->get("uses_mpi")->num.b;
      for (const auto& [k, v] : r.pairs(root->get("match"), "match")) {
        if (k != "framework" && k != "parallelisation" && k != "app")
          r.error(root->get("match"), "unknown match key '" + k + "' (framework, parallelisation, app)");
        t.match[k] = v;
      }
      if (t.id.empty()) r.error(root, "a recipe template needs an 'id'");
      if (t.match.empty()) r.error(root, "a recipe template needs a 'match'");
      t.gcc = r.number(root->get("compiler"), "gcc");
      for (const auto& [k, v] : r.pairs(root->get("base"), "base")) t.base[k] = v;
      if (!t.base.count("cpu")) r.error(root, "a recipe template needs 'base: {cpu: IMAGE}'");
      t.defaults = r.pairs(root->get("defaults"), "defaults");
      r.part(root, t.main);
      for (auto [k, v] : yaml::map_entries(root->get("accelerators"))) r.part(v, t.accelerators[k->text]);
      for (auto [k, v] : yaml::map_entries(root->get("graph_compilers"))) r.part(v, t.graph_compilers[k->text]);
      if (const yaml::Node* s = root->get("smoke")) {
        r.part(s, t.smoke);
        t.has_smoke = true;
      }
      out.templates.push_back(std::move(t));
    } else {
      r.error(root, "not a recipe data file (expected modak_recipe, modak_recipe_mpi or modak_recipe_march)");
    }
  }
  return errors.size() == before;
}

std::string march_flag(const RecipeKnowledge& k, const std::string& microarchitecture, const std::string& isa_level,
                       double gcc, std::string& note) {
  // Follow `older` until the compiler knows the value; a name may live in either table.
  auto lookup = [&](const std::string& name) -> const March* {
    if (auto it = k.microarchitectures.find(name); it != k.microarchitectures.end()) return &it->second;
    if (auto it = k.isa_levels.find(name); it != k.isa_levels.end()) return &it->second;
    return nullptr;
  };
  std::string name = normalise_uarch(microarchitecture);
  const March* m = k.microarchitectures.count(name) ? &k.microarchitectures.at(name) : nullptr;
  if (!m) {
    name = isa_level.empty() ? "x86-64" : isa_level;
    m = lookup(name);
    if (!m) {
      note = "no compiler flag known for '" + microarchitecture + "' / '" + isa_level + "'; using -march=x86-64";
      return "-march=x86-64";
    }
    if (!microarchitecture.empty())
      note = "microarchitecture '" + microarchitecture + "' is not in march.yaml; using ISA level " + name;
  }
  std::string first = name;
  for (int hops = 0; m && gcc > 0 && m->gcc > gcc && !m->older.empty() && hops < 16; ++hops) {
    name = m->older;
    m = lookup(name);
  }
  if (!m) {
    note = "the fallback chain of '" + first + "' ends in an unknown name; using -march=x86-64";
    return "-march=x86-64";
  }
  if (name != first) {
    std::string g = std::to_string(gcc);
    g.erase(g.find_last_not_of('0') + 1);
    if (!g.empty() && g.back() == '.') g.pop_back();
    note = (note.empty() ? "" : note + "; ") + "'" + first + "' needs a newer GCC than the recipe's " + g + ": using " + name;
  }
  return m->flag;
}

RecipeInputs inputs_from(const opt::Decision& d, const opt::Request& r) {
  RecipeInputs in;
  in.node = d.node;
  in.target = d.target ? d.target->name : "";
  in.partition = d.partition ? d.partition->name : "";
  in.enable_opt_build = r.optimisation.boolean("enable_opt_build").value_or(false);
  if (d.partition) {
    in.microarchitecture = d.partition->cpu.microarchitecture;
    in.isa_level = d.partition->cpu.isa_level;
  }
  const opt::Candidate* c = d.chosen();
  const opt::Image* img = c ? c->image : nullptr;
  if (c) in.graph_compiler = c->compiler;
  if (img) {
    in.image_id = img->id;
    in.image_uri = img->uri;
    in.cuda = img->cuda;
    in.mpi_library = img->mpi_library;
    in.mpi_version = img->mpi_version;
  }
  in.framework = r.framework();
  if (in.framework.empty() && img) in.framework = img->framework;
  if (const opt::Fields* f = r.framework_section()) in.version = f->str("version").value_or("");
  in.parallelisation = r.parallelisation();
  if (const opt::Fields* p = r.parallelisation_section()) {
    if (in.mpi_library.empty()) in.mpi_library = p->str("library").value_or("");
    if (in.mpi_version.empty()) in.mpi_version = p->str("version").value_or("");
  }
  in.app = r.application.str("app_tag").value_or("");
  if (in.app.empty() && img) in.app = !img->app.empty() ? img->app : img->framework;
  if (in.app.empty()) in.app = in.framework.empty() ? d.node : in.framework;
  if (in.version.empty() && img && !in.framework.empty()) in.version = img->version;
  if (const opt::Fields* b = r.application.section("build")) {
    in.app_src = b->str("src").value_or("");
    in.app_build_command = b->str("build_command").value_or("");
    in.jobs = static_cast<int>(b->integer("build_parallelism").value_or(0));
  }
  if (d.resources.gpus_per_node > 0 && d.partition) {
    in.accelerator = d.partition->gpus.vendor.empty() ? "nvidia" : d.partition->gpus.vendor;
    if (in.cuda.empty()) in.cuda = d.partition->gpus.cuda;
  }
  if (d.target && !in.mpi_library.empty())
    if (auto it = d.target->modules.find(in.mpi_library); it != d.target->modules.end()) in.site_mpi_module = it->second;
  return in;
}

const Template* find_template(const RecipeKnowledge& k, const RecipeInputs& in, std::string& error) {
  for (const auto& t : k.templates) {
    bool ok = true;
    for (const auto& [key, value] : t.match) {
      const std::string& have = key == "framework" ? in.framework : key == "parallelisation" ? in.parallelisation : in.app;
      ok = ok && have == value;
    }
    if (ok) return &t;
  }
  error = "no recipe template in share/recipes matches ";
  if (!in.framework.empty()) error += "framework '" + in.framework + "'";
  else if (!in.parallelisation.empty()) error += "parallelisation '" + in.parallelisation + "' (application '" + in.app + "')";
  else error += "application '" + in.app + "'";
  return nullptr;
}

bool expand(const std::string& text, const std::map<std::string, std::string>& vars, std::string& out, std::string& error) {
  std::function<bool(const std::string&, std::string&, int)> go = [&](const std::string& in, std::string& o, int depth) {
    if (depth > 8) {
      error = "variables nest too deeply in '" + text + "'";
      return false;
    }
    std::size_t pos = 0;
    while (true) {
      std::size_t open = in.find("{{", pos);
      if (open == std::string::npos) {
        o += in.substr(pos);
        return true;
      }
      std::size_t close = in.find("}}", open + 2);
      if (close == std::string::npos) {
        error = "unclosed '{{' in '" + in + "'";
        return false;
      }
      o += in.substr(pos, open - pos);
      std::string name = in.substr(open + 2, close - open - 2);
      name.erase(0, name.find_first_not_of(' '));
      name.erase(name.find_last_not_of(' ') + 1);
      auto it = vars.find(name);
      if (it == vars.end()) {
        error = "unknown variable '{{" + name + "}}'";
        return false;
      }
      if (!go(it->second, o, depth + 1)) return false;
      pos = close + 2;
    }
  };
  out.clear();
  return go(text, out, 0);
}

bool make_spec(const RecipeKnowledge& k, const RecipeInputs& in, const RecipeOptions& o, RecipeSpec& s,
               std::string& error) {
  const Template* t = find_template(k, in, error);
  if (!t) return false;
  auto fail = [&](const std::string& m) {
    error = t->file + " (" + t->id + "): " + m;
    return false;
  };
  // The parts that apply, in order: the template, the accelerator, the graph compiler.
  std::vector<const Part*> parts{&t->main};
  if (auto it = t->accelerators.find(in.accelerator); it != t->accelerators.end()) parts.push_back(&it->second);
  else if (in.accelerator != "cpu") return fail("no '" + in.accelerator + "' accelerator overlay");
  if (in.graph_compiler != "none" && !in.graph_compiler.empty()) {
    auto it = t->graph_compilers.find(in.graph_compiler);
    if (it == t->graph_compilers.end()) return fail("no '" + in.graph_compiler + "' graph-compiler overlay");
    parts.push_back(&it->second);
  }
  const MpiLibrary* mpi = nullptr;
  std::string mpi_version = in.mpi_version;
  if (t->uses_mpi) {
    if (in.mpi_library.empty()) return fail("the template builds against MPI, but neither the image nor the request names an MPI library");
    auto it = k.mpi.find(in.mpi_library);
    if (it == k.mpi.end())
      return fail("mpi.yaml has no source build for MPI library '" + in.mpi_library + "'");
    mpi = &it->second;
    if (mpi_version.empty()) mpi_version = mpi->default_version;
    parts.insert(parts.begin(), &mpi->part);
  }

  // Variables: template defaults, then what the decision says.
  std::map<std::string, std::string> vars;
  for (const auto& [key, v] : t->defaults) vars[key] = v;
  auto set = [&](const std::string& key, const std::string& v) {
    if (!v.empty() || !vars.count(key)) vars[key] = v;
  };
  std::string march_note;
  set("march_flag", march_flag(k, in.microarchitecture, in.isa_level, t->gcc, march_note));
  set("node", in.node);
  set("framework", in.framework);
  set("version", in.version);
  set("app", in.app);
  set("cuda", in.cuda);
  set("graph_compiler", in.graph_compiler);
  set("mpi_library", in.mpi_library);
  set("mpi_version", mpi_version);
  set("mpi_series", series(mpi_version));
  set("target", in.target);
  set("microarchitecture", in.microarchitecture);
  set("isa_level", in.isa_level);
  set("app_src", in.app_src);
  set("app_build_command", in.app_build_command);
  vars["jobs"] = in.jobs > 0 ? std::to_string(in.jobs) : "$(nproc)";
  std::map<std::string, std::vector<std::string>> flags;
  for (const Part* p : parts)
    for (const auto& [name, list] : p->flags) flags[name].insert(flags[name].end(), list.begin(), list.end());
  for (const auto& [name, list] : flags) vars[name + "_flags"] = join(list, " ");

  const Part* body = o.smoke ? &t->smoke : nullptr;
  if (o.smoke && !t->has_smoke) return fail("no 'smoke' section, so --smoke cannot be used");

  auto x = [&](const std::string& text, std::string& out) {
    if (!expand(text, vars, out, error)) {
      error = t->file + " (" + t->id + "): " + error;
      return false;
    }
    return true;
  };
  auto xpairs = [&](const Pairs& from, Pairs& to) {
    Pairs e;
    for (const auto& [key, v] : from) {
      std::string val;
      if (!x(v, val)) return false;
      e.emplace_back(key, val);
    }
    append(to, e);
    return true;
  };

  s = RecipeSpec{};
  s.march_flag = vars["march_flag"];
  s.march_note = march_note;
  s.node = in.node;
  s.template_id = t->id;
  if (!x(t->description, s.description)) return false;
  std::string base_pattern = t->base.count(in.accelerator) ? t->base.at(in.accelerator) : t->base.at("cpu");
  if (!o.base.empty()) s.base = o.base;
  else if (!x(base_pattern, s.base)) return false;

  std::vector<std::string> packages, steps;
  std::string runscript, test;
  for (const Part* p : parts) {
    if (!xpairs(p->build_env, s.build_env) || !xpairs(p->env, s.env) || !xpairs(p->labels, s.labels)) return false;
    for (const auto& pkg : p->packages)
      if (std::find(packages.begin(), packages.end(), pkg) == packages.end()) packages.push_back(pkg);
    steps.insert(steps.end(), p->steps.begin(), p->steps.end());
    if (!p->runscript.empty()) runscript = p->runscript;
    if (!p->test.empty()) test = p->test;
  }
  if (body) {  // smoke: the template's environment and labels stay; the build is replaced
    packages = body->packages;
    steps = body->steps;
    if (!xpairs(body->build_env, s.build_env) || !xpairs(body->env, s.env) || !xpairs(body->labels, s.labels)) return false;
    if (!body->runscript.empty()) runscript = body->runscript;
    if (!body->test.empty()) test = body->test;
  }
  if (!packages.empty()) {
    if (t->install.empty()) return fail("packages are listed but there is no 'install' command");
    vars["packages"] = join(packages, " ");
    std::string step;
    if (!x(t->install, step)) return false;
    s.steps.push_back(step);
  }
  for (const auto& st : steps) {
    std::string e;
    if (!x(st, e)) return false;
    s.steps.push_back(e);
  }
  if (!x(runscript, s.runscript) || !x(test, s.test)) return false;

  // What the decision was, recorded in the image: runtime environment and labels.
  Pairs record = {{"MODAK_NODE", in.node},
                  {"MODAK_TARGET", in.target},
                  {"MODAK_PARTITION", in.partition},
                  {"MODAK_MICROARCHITECTURE", in.microarchitecture},
                  {"MODAK_ISA_LEVEL", in.isa_level},
                  {"MODAK_MARCH", s.march_flag},
                  {"MODAK_GRAPH_COMPILER", in.graph_compiler}};
  if (mpi) record.emplace_back("MODAK_MPI", in.mpi_library + "-" + mpi_version);
  append(s.env, record);
  Pairs labels = {{"org.modak.node", in.node},
                  {"org.modak.template", t->id},
                  {"org.modak.target", in.target},
                  {"org.modak.partition", in.partition},
                  {"org.modak.microarchitecture", in.microarchitecture},
                  {"org.modak.isa-level", in.isa_level},
                  {"org.modak.march", s.march_flag},
                  {"org.modak.graph-compiler", in.graph_compiler},
                  {"org.modak.accelerator", in.accelerator}};
  if (!in.framework.empty()) labels.emplace_back("org.modak.framework", in.framework + " " + vars["version"]);
  if (!in.app.empty()) labels.emplace_back("org.modak.app", in.app);
  if (mpi) labels.emplace_back("org.modak.mpi", in.mpi_library + " " + mpi_version);
  if (!in.site_mpi_module.empty()) labels.emplace_back("org.modak.site-mpi-module", in.site_mpi_module);
  if (!in.image_id.empty()) labels.emplace_back("org.modak.replaces-image", in.image_id + " (" + in.image_uri + ")");
  labels.emplace_back("org.modak.build", o.smoke ? "smoke" : "source");
  append(s.labels, labels);
  s.help.push_back(s.description + ".");
  s.help.push_back("Generated by modak recipe for node '" + in.node + "' on target '" + in.target + "' (partition '" +
                   in.partition + "', " + in.microarchitecture + ", " + in.isa_level + ").");
  if (!s.march_note.empty()) s.help.push_back("ISA: " + s.march_note + ".");
  if (o.smoke) s.help.push_back("Smoke recipe: the structure of the source build with the build itself replaced.");
  return true;
}

// ---- renderers: one spec, two formats ----------------------------------------------------------

std::string render_definition(const RecipeSpec& s) {
  std::string d;
  d += "Bootstrap: docker\n";
  d += "From: " + s.base + "\n\n";
  d += "%help\n";
  for (const auto& h : s.help) d += "    " + h + "\n";
  d += "\n%labels\n";
  for (const auto& [k, v] : s.labels) d += "    " + k + " " + (v.empty() ? "-" : v) + "\n";
  d += "\n%environment\n";
  for (const auto& [k, v] : s.env) d += "    export " + k + "=" + quote_dq(v) + "\n";
  d += "\n%post\n    set -e\n";
  // %environment is not in effect during %post; the build sees the same variables as the
  // Containerfile's RUN: the runtime environment, then the build-only one.
  for (const auto& [k, v] : s.env) d += "    export " + k + "=" + quote_dq(v) + "\n";
  for (const auto& [k, v] : s.build_env) d += "    export " + k + "=" + quote_dq(v) + "\n";
  for (const auto& st : s.steps) d += "    " + st + "\n";
  d += "\n%runscript\n    " + s.runscript + "\n";
  if (!s.test.empty()) d += "\n%test\n    " + s.test + "\n";
  return d;
}

std::string render_containerfile(const RecipeSpec& s) {
  std::string c;
  for (const auto& h : s.help) c += "# " + h + "\n";
  c += "FROM " + s.base + "\n";
  for (const auto& [k, v] : s.labels) c += "LABEL " + k + "=" + quote_dq(v.empty() ? "-" : v) + "\n";
  for (const auto& [k, v] : s.env) c += "ENV " + k + "=" + quote_dq(v) + "\n";
  c += "RUN set -e";
  for (const auto& [k, v] : s.build_env) c += " && \\\n    export " + k + "=" + quote_dq(v);
  for (const auto& st : s.steps) c += " && \\\n    " + st;
  c += "\n";
  if (!s.test.empty()) c += "# %test\nRUN " + s.test + "\n";
  c += "ENTRYPOINT [\"/bin/sh\", \"-c\", " + json_string(s.runscript) + ", \"--\"]\n";
  return c;
}

}  // namespace modak::recipe
