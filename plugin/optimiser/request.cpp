#include "plugin/optimiser/request.h"

#include <regex>

namespace modak::opt {

using diag::Code;

namespace {

enum class Kind { String, Int, Number, Bool, BoolOrInt, Duration, Map, Any };

struct Section;
struct FieldSpec {
  std::string_view name;
  Kind kind;
  std::vector<std::string_view> documented = {};  // a value outside is a warning
  const Section* sub = nullptr;
};
struct Section {
  std::string_view name;
  std::vector<FieldSpec> fields;
  // Fields named "<prefix><anything>" (app_type-hpc, ai_framework-tensorflow) and their section.
  std::vector<std::pair<std::string_view, const Section*>> prefixed = {};
};

// The DSL as MODAK, the SODALITE IDE grammar and iac-modules' datatypes define it (modak.md §b).
// The IDE grammar takes a buffer size where MODAK's docs say true/false: accept both.
const Section kEtl{"etl", {{"prefetch", Kind::BoolOrInt}, {"cache", Kind::BoolOrInt}}};
const Section kData{"data",
                    {{"location", Kind::String},
                     {"basedata", Kind::String, {"IMAGE", "RESTART", "imagenet", "cifar", "mnist"}},
                     {"size", Kind::Number},
                     {"count", Kind::Int},
                     {"etl", Kind::Map, {}, &kEtl}}};
const Section kAiConfig{"config",
                        {{"ai_framework", Kind::String, {"tensorflow", "pytorch", "keras", "cntk", "mxnet"}},
                         {"type", Kind::String,
                          {"image_classification", "object_detection", "recommendation", "language_modelling",
                           "reinforcement_learning"}},
                         {"config_type", Kind::String},
                         {"distributed_training", Kind::Bool},
                         {"layers", Kind::Int},
                         {"parameters", Kind::Int},
                         {"batch_size", Kind::Int}}};  // modak's extension: samples per step
const Section kFramework{"ai_framework",
                         {{"version", Kind::String},
                          {"xla", Kind::Bool},
                          {"glow", Kind::Bool},
                          {"ngraph", Kind::Bool},
                          {"tvm", Kind::Bool},
                          {"backend", Kind::String, {"tensorflow", "theano", "cntk", "mxnet"}}}};
const Section kAiTraining{"app_type-ai_training",
                          {{"config", Kind::Map, {}, &kAiConfig}, {"data", Kind::Map, {}, &kData}},
                          {{"ai_framework-", &kFramework}}};
const Section kHpcConfig{"config", {{"parallelisation", Kind::String, {"mpi", "openmp", "opencc", "openacc", "opencl"}}}};
const Section kMpi{"parallelisation-mpi",
                   {{"library", Kind::String, {"openmpi", "mpich", "mvapich", "intel-mpi", "mvapch", "opnmpi"}},
                    {"version", Kind::String},
                    {"scaling_efficiency", Kind::Number},
                    {"core_subscription", Kind::Int},
                    {"message_size", Kind::String, {"small", "medium", "large"}}}};
const Section kOpenmp{"parallelisation-openmp",
                      {{"number_of_threads", Kind::Int},
                       {"scaling_efficiency", Kind::Number},
                       {"affinity", Kind::String, {"block", "cyclic", "close", "spread", "master", "compact", "scatter"}}}};
const Section kAccel{"parallelisation-openacc",
                     {{"compiler", Kind::String, {"pgi", "cray", "gcc", "nvhpc"}},
                      {"version", Kind::String},
                      {"number_of_acc", Kind::Int}}};
const Section kHpc{"app_type-hpc",
                   {{"config", Kind::Map, {}, &kHpcConfig}, {"data", Kind::Map, {}, &kData}},
                   {{"parallelisation-mpi", &kMpi},
                    {"parallelisation-openmp", &kOpenmp},
                    {"parallelisation-openacc", &kAccel},
                    {"parallelisation-opencc", &kAccel},
                    {"parallelisation-opencl", &kAccel}}};
const Section kOptBuild{"opt_build",
                        {{"cpu_type", Kind::String, {"x86", "arm", "amd", "power"}},
                         {"acc_type", Kind::String, {"nvidia", "amd", "fpga", "none"}}}};
const Section kAutotuning{"autotuning", {{"tuner", Kind::String, {"cresta", "autotune"}}, {"input", Kind::String}}};
const Section kOptimisation{"optimisation",
                            {{"enable_opt_build", Kind::Bool},
                             {"enable_autotuning", Kind::Bool},
                             {"app_type", Kind::String, {"ai_training", "hpc", "big_data", "ai_inference"}},
                             {"opt_build", Kind::Map, {}, &kOptBuild},
                             {"autotuning", Kind::Map, {}, &kAutotuning},
                             {"app_type-ai_training", Kind::Map, {}, &kAiTraining},
                             {"app_type-hpc", Kind::Map, {}, &kHpc},
                             {"app_type-big_data", Kind::Any},
                             {"app_type-ai_inference", Kind::Any}}};
const Section kBuild{"build", {{"src", Kind::String}, {"build_command", Kind::String}, {"build_parallelism", Kind::Int}}};
const Section kApplication{"application",
                           {{"app_tag", Kind::String},
                            {"container_runtime", Kind::String},
                            {"app_type", Kind::String, {"mpi", "hpc", "python", "ai_training", "ai_inference"}},
                            {"executable", Kind::String},
                            {"arguments", Kind::String},
                            {"mpi_ranks", Kind::Int},
                            {"threads", Kind::Int},
                            {"minimal_efficiency", Kind::Number},
                            {"storage_class_pref", Kind::String,
                             {"default-common", "default-high", "default-ssd", "default-ultra_high"}},
                            {"build", Kind::Map, {}, &kBuild}}};
const Section kTarget{"target",
                      {{"name", Kind::String},
                       {"job_scheduler_type", Kind::String, {"slurm", "torque", "pbs", "pbspro", "none", "batch"}},
                       {"queue_type", Kind::String, {"slurm", "torque", "pbs", "pbspro", "none", "batch"}}}};
const Section kJobOptions{"job_options",
                          {{"job_name", Kind::String},
                           {"account", Kind::String},
                           {"queue", Kind::String},
                           {"partition", Kind::String},
                           {"wall_time_limit", Kind::Duration},
                           {"node_count", Kind::Int},
                           {"core_count", Kind::Int},
                           {"process_count_per_node", Kind::Int},
                           {"core_count_per_process", Kind::Int},
                           {"memory_limit", Kind::String},
                           {"minimum_memory_per_processor", Kind::String},
                           {"request_gpus", Kind::Int},
                           {"request_specific_nodes", Kind::String},
                           {"job_array", Kind::String},
                           {"standard_output_file", Kind::String},
                           {"standard_error_file", Kind::String},
                           {"combine_stdout_stderr", Kind::Bool},
                           {"architecture_constraint", Kind::String},
                           {"copy_environment", Kind::Bool},
                           {"copy_environment_variable", Kind::String},
                           {"job_dependency", Kind::String},
                           {"request_event_notification", Kind::String},
                           {"email_address", Kind::String},
                           {"defer_job", Kind::String},
                           {"node_exclusive", Kind::Bool}}};

const Section* top_section(std::string_view name) {
  if (name == "job_options") return &kJobOptions;
  if (name == "application") return &kApplication;
  if (name == "target") return &kTarget;
  if (name == "optimisation" || name == "optimization") return &kOptimisation;
  return nullptr;
}

std::string_view kind_word(Kind k) {
  switch (k) {
    case Kind::String: return "a string";
    case Kind::Int: return "an integer";
    case Kind::Number: return "a number";
    case Kind::Bool: return "true or false";
    case Kind::BoolOrInt: return "true, false or a count";
    case Kind::Duration: return "a duration [D-]HH:MM:SS";
    case Kind::Map: return "a map";
    case Kind::Any: return "a value";
  }
  return "a value";
}

bool is_duration(std::string_view text) {
  static const std::regex re(R"(^([0-9]+-)?([0-9]+:)?([0-9]+:)?[0-9]+$)");
  return text.size() < 32 && std::regex_match(std::string(text), re);
}

std::string trimmed(const std::string& s) {
  auto b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

bool fits(const yaml::Node* v, Kind k) {
  using K = yaml::Kind;
  switch (k) {
    case Kind::String: return v->is_scalar() && !v->is_null();  // versions written as 2.1 stay text
    case Kind::Int: return v->kind == K::Int && v->num.i >= 0;
    case Kind::Number: return v->kind == K::Int || v->kind == K::Float;
    case Kind::Bool: return v->kind == K::Bool;
    case Kind::BoolOrInt: return v->kind == K::Bool || (v->kind == K::Int && v->num.i >= 0);
    case Kind::Duration: return is_duration(v->text) && v->is_scalar() && !v->is_null();
    case Kind::Map: return v->is_map();
    case Kind::Any: return true;
  }
  return false;
}

void read(tosca::Context& ctx, const Section& spec, const yaml::Node* map, Fields& out, const std::string& path) {
  out.where = map;
  if (!map->is_map()) {
    ctx.error(Code::WrongKind, map, "optimisation request: '" + path + "' must be a map");
    return;
  }
  for (auto [k, v] : yaml::map_entries(map)) {
    const FieldSpec* f = nullptr;
    for (const auto& candidate : spec.fields)
      if (candidate.name == k->text) f = &candidate;
    const Section* prefixed = nullptr;
    for (const auto& [prefix, sub] : spec.prefixed) {
      bool open_prefix = prefix.back() == '-';  // "ai_framework-<any>" vs an exact "parallelisation-mpi"
      if (open_prefix ? (k->text.rfind(prefix, 0) == 0 && k->text.size() > prefix.size()) : k->text == prefix) prefixed = sub;
    }
    const std::string here = path + "." + k->text;
    if (!f && !prefixed) {
      ctx.error(Code::UnknownField, k, "optimisation request: unknown field '" + here + "'");
      continue;
    }
    if (prefixed || (f && f->sub)) {
      if (v->is_null() || (v->is_map() && v->size() == 0)) {  // "data": {} is common
        out.sections.emplace_back(k->text, std::make_shared<Fields>());
        out.sections.back().second->where = v;
        continue;
      }
      out.sections.emplace_back(k->text, std::make_shared<Fields>());
      read(ctx, prefixed ? *prefixed : *f->sub, v, *out.sections.back().second, here);
      continue;
    }
    if (v->is_null()) continue;  // unset
    if (f->kind == Kind::Duration && v->is_scalar() && !fits(v, f->kind) && is_duration(trimmed(v->text))) {
      ctx.warning(Code::InvalidValue, v, "optimisation request: '" + here + "' has spaces around '" + trimmed(v->text) +
                                             "'; read without them");
      out.values.emplace_back(k->text, v);  // readers trim durations
      continue;
    }
    if (!fits(v, f->kind)) {
      ctx.error(Code::TypeMismatch, v,
                "optimisation request: '" + here + "' must be " + std::string(kind_word(f->kind)) + ", not '" +
                    (v->is_scalar() ? v->text : std::string(yaml::kind_name(v->kind))) + "'");
      continue;
    }
    if (!f->documented.empty() && v->is_scalar()) {
      bool known = false;
      for (std::string_view d : f->documented) known |= d == v->text;
      if (!known) {
        std::string list;
        for (std::string_view d : f->documented) list += (list.empty() ? "" : ", ") + std::string(d);
        ctx.warning(Code::InvalidValue, v,
                    "optimisation request: '" + here + "' is '" + v->text + "', outside the documented values (" +
                        list + ")");
      }
    }
    out.values.emplace_back(k->text, v);
  }
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

const yaml::Node* Fields::node(std::string_view name) const {
  for (const auto& [n, v] : values)
    if (n == name) return v;
  return nullptr;
}
std::optional<std::string> Fields::str(std::string_view name) const {
  const yaml::Node* v = node(name);
  if (!v || !v->is_scalar()) return std::nullopt;
  return v->text;
}
std::optional<std::int64_t> Fields::integer(std::string_view name) const {
  const yaml::Node* v = node(name);
  if (!v || v->kind != yaml::Kind::Int) return std::nullopt;
  return v->num.i;
}
std::optional<double> Fields::number(std::string_view name) const {
  const yaml::Node* v = node(name);
  if (!v) return std::nullopt;
  if (v->kind == yaml::Kind::Int) return static_cast<double>(v->num.i);
  if (v->kind == yaml::Kind::Float) return v->num.f;
  return std::nullopt;
}
std::optional<bool> Fields::boolean(std::string_view name) const {
  const yaml::Node* v = node(name);
  if (!v || v->kind != yaml::Kind::Bool) return std::nullopt;
  return v->num.b;
}
const Fields* Fields::section(std::string_view name) const {
  for (const auto& [n, f] : sections)
    if (n == name) return f.get();
  return nullptr;
}

std::string Request::app_type() const { return optimisation.str("app_type").value_or(""); }

std::string Request::framework() const {
  const Fields* ai = optimisation.section("app_type-ai_training");
  const Fields* config = ai ? ai->section("config") : nullptr;
  return config ? lower(config->str("ai_framework").value_or("")) : "";
}

const Fields* Request::framework_section() const {
  const Fields* ai = optimisation.section("app_type-ai_training");
  return ai ? ai->section("ai_framework-" + framework()) : nullptr;
}

std::string Request::parallelisation() const {
  const Fields* hpc = optimisation.section("app_type-hpc");
  const Fields* config = hpc ? hpc->section("config") : nullptr;
  return config ? config->str("parallelisation").value_or("") : "";
}

const Fields* Request::parallelisation_section() const {
  const Fields* hpc = optimisation.section("app_type-hpc");
  return hpc ? hpc->section("parallelisation-" + parallelisation()) : nullptr;
}

const Fields* Request::data() const {
  for (const char* s : {"app_type-ai_training", "app_type-hpc"})
    if (const Fields* f = optimisation.section(s))
      if (const Fields* d = f->section("data")) return d;
  return nullptr;
}

bool is_request_field(std::string_view section, std::string_view name) {
  const Section* spec = top_section(section);
  if (!spec) return false;
  for (const auto& f : spec->fields)
    if (f.name == name) return true;
  return false;
}

void read_section(tosca::Context& ctx, std::string_view section, const yaml::Node* map, Fields& out) {
  const Section* spec = top_section(section);
  if (spec) read(ctx, *spec, map, out, std::string(section == "optimization" ? "optimisation" : section));
}

bool read_request(tosca::Context& ctx, const yaml::Node* root, Request& out) {
  std::size_t errors_before = ctx.sink.count(diag::Severity::Error);
  const yaml::Node* job = root && root->is_map() && root->get("job") ? root->get("job") : root;
  if (!job || !job->is_map()) {
    ctx.error(Code::WrongKind, root, "an optimisation request is a map {job: {job_options, application, target, optimisation}}");
    return false;
  }
  // A bare optimisation block (what SODALITE application nodes carry in metadata) is a request too.
  bool bare = (job->get("app_type") || job->get("enable_opt_build")) && !job->get("optimisation") &&
              !job->get("optimization") && !job->get("application");
  if (bare) {
    read_section(ctx, "optimisation", job, out.optimisation);
    out.has_optimisation = true;
    return ctx.sink.count(diag::Severity::Error) == errors_before;
  }
  for (auto [k, v] : yaml::map_entries(job)) {
    if (k->text == "job_options") read_section(ctx, k->text, v, out.job_options);
    else if (k->text == "application") read_section(ctx, k->text, v, out.application);
    else if (k->text == "target") read_section(ctx, k->text, v, out.target);
    else if (k->text == "optimisation" || k->text == "optimization") {
      read_section(ctx, k->text, v, out.optimisation);
      out.has_optimisation = true;
    } else if (k->text == "job_script" || k->text == "build_script" || k->text == "job_content" ||
               k->text == "build_content" || k->text == "name") {
      continue;  // fields of MODAK's answer, and the AADM optimisation's name: harmless in a request
    } else {
      ctx.error(Code::UnknownField, k, "optimisation request: unknown section '" + k->text + "'");
    }
  }
  return ctx.sink.count(diag::Severity::Error) == errors_before;
}

}  // namespace modak::opt
