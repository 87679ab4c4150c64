// libmodak: the C ABI over the same libraries the `modak` command drives (validate, optimise,
// preprocess). Every call builds its own model, knowledge base and diagnostics sink, so calls on
// different threads share nothing but read-only data; options and results are JSON.
#include "plugin/capi/modak.h"

#include <algorithm>
#include <exception>
#include <filesystem>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "plugin/optimiser/annotate.h"
#include "plugin/optimiser/blueprint.h"
#include "plugin/optimiser/decide.h"
#include "plugin/optimiser/knowledge.h"
#include "plugin/optimiser/report.h"
#include "plugin/render/output.h"
#include "plugin/render/render.h"
#include "tosca/load/limits.h"
#include "tosca/validator.h"
#include "tosca/yaml/emit.h"

#ifndef MODAK_VERSION
#define MODAK_VERSION "unknown"
#endif

struct modak_result {
  modak_status status = MODAK_OK;
  std::string json;
};

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace modak;

struct Options {
  tosca::ValidateOptions validate;
  std::string share_dir;
  std::vector<std::string> extra_dirs;  // targets_dirs + catalogue_dirs
  std::string target, container_runtime, adapter;
  bool csar = false;
  bool force = false;  // replace a non-empty out_dir modak did not write
};

struct OptionsError {
  std::string message;
};

std::string string_option(const json& j, const char* key) {
  if (!j.is_string()) throw OptionsError{std::string("option '") + key + "' must be a string"};
  return j.get<std::string>();
}

std::vector<std::string> strings_option(const json& j, const char* key) {
  std::vector<std::string> out;
  if (j.is_string()) return {j.get<std::string>()};
  if (!j.is_array()) throw OptionsError{std::string("option '") + key + "' must be a list of strings"};
  for (const auto& e : j) out.push_back(string_option(e, key));
  return out;
}

bool one_of(const std::string& v, std::initializer_list<const char*> allowed) {
  return std::any_of(allowed.begin(), allowed.end(), [&](const char* a) { return v == a; });
}

// Reads options_json (NULL or "" = defaults). Throws OptionsError.
Options parse_options(const char* text) {
  Options o;
  json j = json::object();
  if (text && *text) {
    j = json::parse(text, nullptr, false);
    if (j.is_discarded()) throw OptionsError{"options are not valid JSON"};
    if (!j.is_object()) throw OptionsError{"options must be a JSON object"};
  }
  std::string profile = "auto";
  for (const auto& [key, v] : j.items()) {
    if (key == "profile") {
      profile = string_option(v, "profile");
    } else if (key == "import_paths") {
      std::vector<std::pair<std::string, std::string>> roots;
      if (v.is_object()) {
        for (const auto& [name, dir] : v.items()) roots.emplace_back(name, string_option(dir, "import_paths"));
      } else {
        for (const auto& ip : strings_option(v, "import_paths")) {
          auto eq = ip.find('=');
          if (eq == std::string::npos || eq == 0 || eq + 1 == ip.size())
            throw OptionsError{"import_paths entries take NAME=DIR, got '" + ip + "'"};
          roots.emplace_back(ip.substr(0, eq), ip.substr(eq + 1));
        }
      }
      for (auto& r : roots)
        if (r.first.empty() || r.second.empty()) throw OptionsError{"import_paths: empty NAME or DIR"};
      o.validate.load.import_roots = std::move(roots);
    } else if (key == "allowed_hosts") {
      o.validate.load.allowed_hosts = strings_option(v, "allowed_hosts");
    } else if (key == "allow_http") {
      if (!v.is_boolean()) throw OptionsError{"option 'allow_http' must be true or false"};
      o.validate.load.allow_http = v.get<bool>();
    } else if (key == "ca_file") {
      o.validate.load.ca_file = string_option(v, "ca_file");
    } else if (key == "share_dir") {
      o.share_dir = string_option(v, "share_dir");
    } else if (key == "target") {
      o.target = string_option(v, "target");
    } else if (key == "targets_dirs" || key == "catalogue_dirs") {
      for (auto& d : strings_option(v, key.c_str())) o.extra_dirs.push_back(std::move(d));
    } else if (key == "container_runtime") {
      o.container_runtime = string_option(v, "container_runtime");
      if (!o.container_runtime.empty() && !one_of(o.container_runtime, {"singularity", "apptainer", "podman", "none"}))
        throw OptionsError{"container_runtime must be singularity, apptainer, podman or none"};
    } else if (key == "adapter") {
      o.adapter = string_option(v, "adapter");
      if (!o.adapter.empty() && !one_of(o.adapter, {"slurm", "pbspro", "pbs", "torque", "kubernetes", "batch"}))
        throw OptionsError{"adapter must be slurm, pbspro, torque, kubernetes or batch"};
    } else if (key == "csar") {
      if (!v.is_boolean()) throw OptionsError{"option 'csar' must be true or false"};
      o.csar = v.get<bool>();
    } else if (key == "force") {
      if (!v.is_boolean()) throw OptionsError{"option 'force' must be true or false"};
      o.force = v.get<bool>();
    } else if (const tosca::LimitSpec* limit = tosca::find_limit(key)) {
      // A limit (docs/limits.md): a whole number in the limit's unit (bytes, milliseconds, a
      // count), or a string with a unit as on the command line ("64KiB", "500ms").
      std::string given, error;
      if (v.is_number_unsigned()) given = std::to_string(v.get<std::uint64_t>()) + (limit->unit == tosca::LimitUnit::Milliseconds ? "ms" : "");
      else if (v.is_string()) given = v.get<std::string>();
      else throw OptionsError{"option '" + key + "' must be a whole number or a string such as \"64KiB\""};
      std::uint64_t value = 0;
      if (!tosca::parse_limit_value(*limit, given, value, error)) throw OptionsError{"option '" + key + "': " + error};
      limit->set(o.validate.load.limits, value);
    } else {
      throw OptionsError{"unknown option '" + key + "'"};
    }
  }
  if (!tosca::parse_profile_name(profile, o.validate.profile, o.validate.auto_profile))
    throw OptionsError{"unknown profile '" + profile + "' (strict, sodalite or auto)"};
  if (profile != "auto") o.validate.auto_profile = false;
  o.validate.load.share_dir = o.share_dir;
  return o;
}

// What one call produces, turned into the result JSON at the end.
struct Run {
  const char* operation;
  std::string input;
  modak_status status = MODAK_OK;
  bool valid = false;
  std::string error;
  json diagnostics = json::array();
  json decisions = json::array();
  json extra = json::object();

  // Starts over with only an error (exceptions thrown halfway through a call).
  void fail(modak_status s, std::string message) {
    status = s;
    valid = false;
    error = std::move(message);
    diagnostics = json::array();
    decisions = json::array();
    extra = json::object();
  }

  void add_diagnostics(const diag::Sink& sink) {
    json d = json::parse(diag::render_json(sink.all()), nullptr, false);
    if (d.is_array())
      for (auto& e : d) diagnostics.push_back(std::move(e));
  }
};

modak_result* make_result(const Run& r) {
  auto* res = new modak_result;
  res->status = r.status;
  json j = {{"abi_version", MODAK_ABI_VERSION},
            {"modak_version", MODAK_VERSION},
            {"operation", r.operation},
            {"input", r.input},
            {"status", modak_status_name(r.status)},
            {"code", static_cast<int>(r.status)},
            {"valid", r.valid},
            {"error", r.error},
            {"diagnostics", r.diagnostics},
            {"decisions", r.decisions}};
  for (const auto& [k, v] : r.extra.items()) j[k] = v;
  res->json = j.dump(2);
  return res;
}

// The shared steps: knowledge, validation, requests, decisions (as the CLI's pipeline.cpp).
struct Pipeline {
  std::unique_ptr<tosca::Model> model = std::make_unique<tosca::Model>();
  opt::Knowledge knowledge;
  yaml::Arena arena;
  diag::Sink sink;
  std::unique_ptr<tosca::Context> ctx;
  std::vector<opt::AppNode> apps;
  std::vector<opt::Decision> decisions;
};

struct Text {
  std::string content, display_name, base_dir;
};

// Validates (from a path, or `text` when given). Returns false with r.status set when the run stops.
bool validate_into(const Options& o, const std::string& path, const Text* text, Pipeline& p, Run& r) {
  if (text && text->content.size() > o.validate.load.limits.max_file_bytes) {
    // A document handed over in memory is one file: the same bound as a file read from disk.
    std::string message = "'" + text->display_name + "' has " + std::to_string(text->content.size()) +
                          " bytes, more than the limit of " + std::to_string(o.validate.load.limits.max_file_bytes) +
                          " bytes " + tosca::limit_hint("max_file_bytes");
    p.sink.error(diag::Code::Limit, {text->display_name, 1, 1}, message);
    r.add_diagnostics(p.sink);
    r.status = MODAK_ERROR_IO;
    r.error = message;
    return false;
  }
  bool ok = text ? tosca::validate_text(text->content, text->display_name, text->base_dir, o.validate, *p.model, p.sink)
                 : tosca::validate(path, o.validate, *p.model, p.sink);
  r.valid = ok;
  r.extra["profile"] = std::string(tosca::profile_name(p.model->profile.kind));
  if (p.model->service.root < 0 || !p.model->service.root_unit().root) {
    r.add_diagnostics(p.sink);
    r.status = MODAK_ERROR_IO;
    r.error = "nothing could be read from '" + r.input + "'";
    for (const auto& d : p.sink.all())
      if (d.severity == diag::Severity::Error) {
        r.error = d.message;
        break;
      }
    return false;
  }
  if (!ok) {
    r.add_diagnostics(p.sink);
    r.status = MODAK_INVALID;
    return false;
  }
  return true;
}

bool optimise_into(const Options& o, const std::string& path, const Text* text, Pipeline& p, Run& r) {
  diag::Sink ksink;
  bool loaded = opt::load_knowledge(o.share_dir.empty() ? tosca::default_share_dir() : o.share_dir, o.extra_dirs,
                                    p.knowledge, ksink);
  if (!loaded) {
    r.add_diagnostics(ksink);
    r.status = MODAK_ERROR_IO;
    r.error = "the knowledge base could not be loaded (share_dir, targets_dirs, catalogue_dirs)";
    return false;
  }
  if (!validate_into(o, path, text, p, r)) return false;
  r.add_diagnostics(p.sink);
  p.sink = diag::Sink();
  p.ctx = std::make_unique<tosca::Context>(p.model->service, p.model->types, p.sink, p.model->profile);
  p.apps = opt::find_requests(*p.ctx, *p.model, p.arena);
  p.decisions.resize(p.apps.size());
  bool ok = !p.sink.has_errors();
  for (std::size_t i = 0; i < p.apps.size() && ok; ++i) {
    p.decisions[i].node = p.apps[i].name;
    ok = opt::decide(*p.ctx, p.apps[i].request, p.knowledge, opt::DecideOptions{o.target, o.container_runtime},
                     p.decisions[i]);
  }
  r.add_diagnostics(p.sink);
  if (!ok) {
    r.status = MODAK_INVALID;
    return false;
  }
  for (const auto& d : p.decisions) r.decisions.push_back(opt::decision_json(d));
  return true;
}

std::vector<std::string> list_files(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file(ec)) files.push_back(fs::relative(it->path(), dir, ec).generic_string());
  std::sort(files.begin(), files.end());
  return files;
}

template <class F>
modak_status guarded(modak_result** out, const char* operation, const char* input, F&& body) {
  if (!out) return MODAK_ERROR_ARGUMENT;
  *out = nullptr;
  Run r;
  r.operation = operation;
  try {
    if (!input) {
      r.status = MODAK_ERROR_ARGUMENT;
      r.error = "no input given (NULL)";
    } else {
      r.input = input;
      body(r);
    }
  } catch (const OptionsError& e) {
    r.fail(MODAK_ERROR_OPTIONS, e.message);
  } catch (const std::bad_alloc&) {
    return MODAK_ERROR_MEMORY;
  } catch (const std::exception& e) {
    r.fail(MODAK_ERROR_INTERNAL, std::string("internal error: ") + e.what());
  } catch (...) {
    r.fail(MODAK_ERROR_INTERNAL, "internal error");
  }
  try {
    *out = make_result(r);
  } catch (...) {
    return MODAK_ERROR_MEMORY;
  }
  return r.status;
}

Text make_text(const char* text, const char* display_name, const char* base_dir) {
  return Text{text, display_name && *display_name ? display_name : "<memory>",
              base_dir && *base_dir ? base_dir : fs::current_path().string()};
}

void do_validate(Run& r, const char* options_json, const Text* text) {
  Options o = parse_options(options_json);
  Pipeline p;
  if (!validate_into(o, r.input, text, p, r)) return;
  r.add_diagnostics(p.sink);
  r.status = MODAK_OK;
}

void do_optimise(Run& r, const char* options_json, const Text* text) {
  Options o = parse_options(options_json);
  Pipeline p;
  if (!optimise_into(o, r.input, text, p, r)) return;
  opt::Annotated annotated = opt::annotate(*p.ctx, p.model->service.root_unit().root, p.apps, p.decisions, p.arena);
  r.extra["blueprint"] = yaml::emit_yaml(annotated.root);
  r.extra["changes"] = annotated.changes;
  r.status = MODAK_OK;
}

}  // namespace

extern "C" {

int modak_abi_version(void) { return MODAK_ABI_VERSION; }

const char* modak_version(void) { return MODAK_VERSION; }

const char* modak_status_name(int status) {
  switch (status) {
    case MODAK_OK: return "ok";
    case MODAK_INVALID: return "invalid";
    case MODAK_ERROR_IO: return "io-error";
    case MODAK_ERROR_OPTIONS: return "options-error";
    case MODAK_ERROR_ARGUMENT: return "argument-error";
    case MODAK_ERROR_INTERNAL: return "internal-error";
    case MODAK_ERROR_MEMORY: return "memory-error";
    default: return "unknown";
  }
}

modak_status modak_validate(const char* path, const char* options_json, modak_result** out) {
  return guarded(out, "validate", path, [&](Run& r) { do_validate(r, options_json, nullptr); });
}

modak_status modak_validate_text(const char* text, const char* display_name, const char* base_dir,
                                 const char* options_json, modak_result** out) {
  const char* name = display_name && *display_name ? display_name : "<memory>";
  return guarded(out, "validate", text ? name : nullptr, [&](Run& r) {
    Text t = make_text(text, display_name, base_dir);
    do_validate(r, options_json, &t);
  });
}

modak_status modak_optimise(const char* path, const char* options_json, modak_result** out) {
  return guarded(out, "optimise", path, [&](Run& r) { do_optimise(r, options_json, nullptr); });
}

modak_status modak_optimise_text(const char* text, const char* display_name, const char* base_dir,
                                 const char* options_json, modak_result** out) {
  const char* name = display_name && *display_name ? display_name : "<memory>";
  return guarded(out, "optimise", text ? name : nullptr, [&](Run& r) {
    Text t = make_text(text, display_name, base_dir);
    do_optimise(r, options_json, &t);
  });
}

modak_status modak_preprocess(const char* path, const char* out_dir, const char* options_json, modak_result** out) {
  return guarded(out, "preprocess", path, [&](Run& r) {
    if (!out_dir || !*out_dir) {
      r.status = MODAK_ERROR_ARGUMENT;
      r.error = "no output directory given";
      return;
    }
    Options o = parse_options(options_json);
    Pipeline p;
    if (!optimise_into(o, r.input, nullptr, p, r)) return;
    render::Output rendered;
    diag::Sink& sink = p.sink;
    std::size_t before = sink.all().size();
    bool ok = render::render(*p.ctx, p.model->service.root_unit().root, p.apps, p.decisions, render::Options{o.adapter},
                             p.arena, rendered);
    diag::Sink fresh;  // only the problems rendering added
    for (std::size_t i = before; i < sink.all().size(); ++i) {
      const auto& d = sink.all()[i];
      fresh.report(d.severity, d.code, d.where, d.message).notes = d.notes;
    }
    r.add_diagnostics(fresh);
    r.extra["changes"] = rendered.changes;
    r.extra["notes"] = rendered.notes;
    if (!ok) {
      r.status = MODAK_INVALID;
      return;
    }
    std::string error;
    std::vector<std::string> write_notes;
    render::WriteOptions wo;
    wo.out_dir = out_dir;
    wo.csar = o.csar;
    wo.force = o.force;
    bool written =
        render::write_output(p.model->service, yaml::emit_yaml(rendered.service), rendered.artefacts, wo, error, &write_notes);
    for (auto& n : write_notes) r.extra["notes"].push_back(std::move(n));
    if (!written) {
      r.status = MODAK_ERROR_IO;
      r.error = error;
      return;
    }
    json output = {{"dir", out_dir}, {"files", list_files(out_dir)}, {"csar", nullptr}};
    if (o.csar) output["csar"] = std::string(out_dir) + ".csar";
    r.extra["output"] = output;
    // The written blueprint must validate too, as the CLI checks.
    tosca::Model check;
    diag::Sink check_sink;
    if (!tosca::validate((fs::path(out_dir) / "service.yaml").string(), o.validate, check, check_sink)) {
      r.add_diagnostics(check_sink);
      r.status = MODAK_ERROR_INTERNAL;
      r.error = "the rendered blueprint does not validate (a bug in modak)";
      return;
    }
    r.status = MODAK_OK;
  });
}

const char* modak_result_json(const modak_result* result) { return result ? result->json.c_str() : nullptr; }

modak_status modak_result_status(const modak_result* result) { return result ? result->status : MODAK_ERROR_ARGUMENT; }

void modak_result_free(modak_result* result) { delete result; }

}  // extern "C"
