#include "tosca/validator.h"

#include "tosca/check/checks.h"

namespace modak::tosca {

using diag::Code;

namespace {

// A blueprint is SODALITE's when its entry file uses sodalite.* types or imports the library.
bool uses_sodalite(const Service& svc) {
  const yaml::Node* root = svc.root_unit().root;
  if (!root || !root->is_map()) return false;
  const yaml::Node* tt = root->get("topology_template");
  const yaml::Node* nodes = tt && tt->is_map() ? tt->get("node_templates") : nullptr;
  if (nodes && nodes->is_map())
    for (auto [k, v] : yaml::map_entries(nodes))
      if (v->is_map())
        if (const yaml::Node* t = v->get("type"); t && t->text.find("sodalite.") != std::string::npos) return true;
  if (const yaml::Node* types = root->get("node_types"); types && types->is_map())
    for (auto [k, v] : yaml::map_entries(types))
      if (k->text.rfind("sodalite.", 0) == 0) return true;
  return false;
}

void choose_profile(const ValidateOptions& o, Model& m, diag::Sink& sink) {
  m.profile.kind = o.profile;
  if (o.auto_profile && o.profile == ProfileKind::Strict && uses_sodalite(m.service)) {
    m.profile = Profile{ProfileKind::Sodalite, true};
    sink.note(Code::ProfileSelected, m.service.where(m.service.root_unit().root),
              "using the sodalite profile because the blueprint uses sodalite.* types (choose with --profile)");
  }
}

void report_import_cycles(Context& ctx) {
  for (const auto& c : ctx.svc.import_cycles) {
    std::string msg = "import cycle: '" + ctx.svc.units[static_cast<std::size_t>(c.target)].origin.display() +
                      "' is already being imported further up this chain";
    if (!ctx.tolerate(Code::QuirkImportCycle, c.site, msg + "; loaded once")) ctx.error(Code::ImportCycle, c.site, msg);
  }
}

bool run_checks(const ValidateOptions& options, Model& model, diag::Sink& sink, bool loaded) {
  if (loaded && model.service.root >= 0 && model.service.root_unit().root) {
    choose_profile(options, model, sink);
    Context ctx{model.service, model.types, sink, model.profile};
    report_import_cycles(ctx);
    check_units(ctx);
    model.minor_version = ctx.minor_version;
    build_types(ctx);
    check_topology(ctx);
  }
  sink.sort();
  return !sink.has_errors();
}

}  // namespace

bool validate(const std::string& path, const ValidateOptions& options, Model& model, diag::Sink& sink) {
  bool loaded = load_service(path, options.load, model.service, sink);
  return run_checks(options, model, sink, loaded) && loaded;
}

bool validate_text(std::string content, const std::string& display_name, const std::string& base_dir,
                   const ValidateOptions& options, Model& model, diag::Sink& sink) {
  bool loaded = load_service_text(std::move(content), display_name, base_dir, options.load, model.service, sink);
  return run_checks(options, model, sink, loaded) && loaded;
}

}  // namespace modak::tosca
