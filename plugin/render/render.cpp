#include "plugin/render/render.h"

#include "adapters/job.h"
#include "adapters/kubernetes.h"
#include "adapters/shell.h"
#include "plugin/optimiser/annotate.h"
#include "plugin/optimiser/report.h"
#include "tosca/yaml/emit.h"
#include "tosca/yaml/loader.h"

namespace modak::render {

using diag::Code;

namespace {

// Keeps only the requirements `keep` names, in order (a rewritten node's type declares fewer).
void keep_requirements(yaml::Node* tmpl, std::initializer_list<std::string_view> keep) {
  yaml::Node* reqs = yaml::map_get(tmpl, "requirements");
  if (!reqs || !reqs->is_seq()) return;
  std::vector<yaml::Node*> kept;
  for (yaml::Node* e : reqs->children)
    if (e->is_map() && e->size() == 1 && std::find(keep.begin(), keep.end(), std::string_view(e->children[0]->text)) != keep.end())
      kept.push_back(e);
  reqs->children = kept;
}

// The type Gen-2 MODAK jobs become: the script is written in place, no MODAK server is called.
const char* kRenderedJobTypes = R"(tosca_definitions_version: tosca_simple_yaml_1_3

# Written by modak: the type a sodalite.nodes.modak.job becomes once modak has produced its job
# script, so that the job chain no longer needs a MODAK server.
node_types:
  modak.nodes.RenderedJob:
    derived_from: tosca.nodes.Root
    description: A job script produced by modak, written to `job_script` on the deployment host.
    properties:
      job_script:
        type: string
        description: Where the script is written; the job configuration that follows uses this path.
      content:
        type: string
        description: The whole job script, scheduler header included.
    requirements:
      - modak_endpoint:
          capability: tosca.capabilities.Node
          relationship: tosca.relationships.DependsOn
          occurrences: [0, 1]
      - target:
          capability: tosca.capabilities.Node
          relationship: tosca.relationships.DependsOn
          occurrences: [0, 1]
    interfaces:
      Standard:
        type: tosca.interfaces.node.lifecycle.Standard
        operations:
          create:
            implementation: modak-playbooks/write_job_script.yml
            inputs:
              job_script: { type: string, default: { get_property: [ SELF, job_script ] } }
              content: { type: string, default: { get_property: [ SELF, content ] } }
)";

const char* kWriteScriptPlaybook = R"(---
# Written by modak: writes a rendered job script where the job configuration expects it.
- hosts: all
  gather_facts: false
  tasks:
    - name: Write the job script modak produced
      ansible.builtin.copy:
        dest: "{{ job_script }}"
        content: "{{ content }}"
        mode: "0755"
)";

yaml::Node* manifest_node(yaml::Arena& a, const std::string& manifest, std::size_t index) {
  // The manifest came from our own emitter: split the documents and parse the one we want.
  std::vector<std::string> docs;
  std::size_t start = 0;
  for (std::size_t p = manifest.find("---\n"); ; p = manifest.find("---\n", start)) {
    docs.push_back(manifest.substr(start, p == std::string::npos ? std::string::npos : p - start));
    if (p == std::string::npos) break;
    start = p + 4;
  }
  yaml::SourceTable sources;
  diag::Sink sink;
  auto id = sources.add("manifest");
  const yaml::Node* n = index < docs.size() ? yaml::load_yaml(docs[index], id, sources, a, sink) : nullptr;
  return n ? yaml::deep_copy(a, n) : yaml::make_map(a);
}

std::size_t document_count(const std::string& manifest) {
  std::size_t n = 1;
  for (std::size_t p = manifest.find("---\n"); p != std::string::npos; p = manifest.find("---\n", p + 4)) ++n;
  return n;
}

void rewrite_gen3(const opt::AppNode& app, const adapters::Rendered& r, const yaml::MapIndex& nodes, yaml::Arena& a,
                  Output& out) {
  yaml::Node* job = nodes.get(app.job_node);
  if (!job) return;
  yaml::map_set(yaml::map_ensure_map(job, a, "properties"), a, "content", yaml::make_string(a, r.content));
  out.changes.push_back("node '" + app.job_node + "': content = the " + std::string(r.file_name) + " script");
}

void rewrite_gen2(const opt::AppNode& app, const adapters::Rendered& r, const yaml::MapIndex& nodes, yaml::Arena& a,
                  Output& out) {
  yaml::Node* tmpl = nodes.get(app.name);
  if (!tmpl) return;
  yaml::Node* props = yaml::map_get(tmpl, "properties");
  yaml::Node* script_path = props ? yaml::map_get(props, "job_script") : nullptr;
  yaml::Node* md = yaml::map_ensure_map(tmpl, a, "metadata");
  // The request stays with the node, as text: xOpera accepts string metadata.
  nlohmann::json request = nlohmann::json::object();
  for (const char* section : {"job_options", "application", "target", "optimisation"})
    if (yaml::Node* s = props ? yaml::map_get(props, section) : nullptr) {
      request[section] = yaml::emit_yaml(s, {2, 0, false});
    }
  yaml::map_set(md, a, "modak.request", yaml::make_string(a, request.dump()));
  yaml::Node* new_props = yaml::make_map(a);
  yaml::map_set(new_props, a, "job_script", script_path ? script_path : yaml::make_string(a, "/tmp/" + app.name + ".sh"));
  yaml::map_set(new_props, a, "content", yaml::make_string(a, r.content));
  yaml::map_set(tmpl, a, "type", yaml::make_string(a, "modak.nodes.RenderedJob"));
  yaml::map_set(tmpl, a, "properties", new_props);
  keep_requirements(tmpl, {"modak_endpoint", "target", "dependency"});
  out.changes.push_back("node '" + app.name + "': sodalite.nodes.modak.job -> modak.nodes.RenderedJob with its script");
}

void rewrite_kubernetes(const opt::AppNode& app, const adapters::Rendered& r, yaml::Node* nodes, const yaml::MapIndex& index,
                        yaml::Arena& a, Output& out) {
  yaml::Node* tmpl = index.get(app.name);
  if (!tmpl) return;
  yaml::Node* first = manifest_node(a, r.content, 0);
  const std::string kind = first->get("kind") ? first->get("kind")->text : "Job";
  yaml::Node* md = yaml::map_get(tmpl, "metadata");
  yaml::Node* reqs = yaml::map_get(tmpl, "requirements");
  yaml::Node* rewritten = yaml::make_map(a);
  yaml::map_set(rewritten, a, "type", yaml::make_string(a, "sodalite.nodes.Kubernetes.Kind." + kind));
  if (md) yaml::map_set(rewritten, a, "metadata", md);
  yaml::Node* props = yaml::make_map(a);
  yaml::map_set(props, a, "definition", first);
  yaml::map_set(rewritten, a, "properties", props);
  if (reqs) yaml::map_set(rewritten, a, "requirements", reqs);
  keep_requirements(rewritten, {"host", "dependency"});
  yaml::map_set(nodes, a, app.name, rewritten);
  out.changes.push_back("node '" + app.name + "': -> sodalite.nodes.Kubernetes.Kind." + kind + " with the manifest inline");
  for (std::size_t i = 1; i < document_count(r.content); ++i) {
    yaml::Node* doc = manifest_node(a, r.content, i);
    const std::string k2 = doc->get("kind") ? doc->get("kind")->text : "Service";
    yaml::Node* extra = yaml::make_map(a);
    yaml::map_set(extra, a, "type", yaml::make_string(a, "sodalite.nodes.Kubernetes.Kind." + k2));
    yaml::Node* p2 = yaml::make_map(a);
    yaml::map_set(p2, a, "definition", doc);
    yaml::map_set(extra, a, "properties", p2);
    yaml::Node* r2 = yaml::make_seq(a);
    yaml::Node* host = yaml::make_map(a);
    yaml::map_set(host, a, "host", yaml::make_string(a, app.host_node));
    r2->children.push_back(host);
    yaml::Node* dep = yaml::make_map(a);
    yaml::map_set(dep, a, "dependency", yaml::make_string(a, app.name));
    r2->children.push_back(dep);
    yaml::map_set(extra, a, "requirements", r2);
    std::string name = app.name + "-" + adapters::rfc1123_name(k2);
    yaml::map_set(nodes, a, name, extra);
    out.changes.push_back("node '" + name + "': sodalite.nodes.Kubernetes.Kind." + k2 + " added");
  }
}

void add_import(yaml::Node* root, yaml::Arena& a, const std::string& file) {
  yaml::Node* imports = yaml::map_get(root, "imports");
  if (!imports || !imports->is_seq()) {
    imports = yaml::make_seq(a);
    yaml::map_set(root, a, "imports", imports);
  }
  for (const yaml::Node* e : imports->children)
    if (e->is_scalar() && e->text == file) return;
  imports->children.push_back(yaml::make_string(a, file));
}

std::map<std::string, std::string> node_selector(const opt::Decision& d) {
  std::map<std::string, std::string> sel;
  if (d.partition && d.resources.gpus_per_node > 0)
    for (const auto& [k, v] : d.partition->labels) sel[k] = v;
  return sel;
}

std::vector<int> ports_of(const opt::AppNode& app) {
  std::vector<int> ports;
  const yaml::Node* props = app.body && app.body->is_map() ? app.body->get("properties") : nullptr;
  const yaml::Node* p = props && props->is_map() ? props->get("ports") : nullptr;
  if (p && p->is_seq())
    for (const yaml::Node* i : p->children)
      if (i->kind == yaml::Kind::Int && i->num.i > 0 && i->num.i < 65536) ports.push_back(static_cast<int>(i->num.i));
  return ports;
}

}  // namespace

std::string scheduler_of(const opt::AppNode& app, const opt::Decision& d, const Options& o) {
  if (!o.adapter.empty()) return o.adapter;
  if (app.generation == opt::Generation::Kubernetes || (d.target && d.target->kind == "kubernetes")) return "kubernetes";
  std::string s = app.request.target.str("job_scheduler_type").value_or(app.request.target.str("queue_type").value_or(""));
  if (s.empty() && d.target) s = d.target->scheduler;
  return s.empty() ? "batch" : s;
}

bool render(tosca::Context& ctx, const yaml::Node* entry_root, const std::vector<opt::AppNode>& apps,
            const std::vector<opt::Decision>& decisions, const Options& options, yaml::Arena& arena, Output& out) {
  opt::Annotated annotated = opt::annotate(ctx, entry_root, apps, decisions, arena);
  out.service = annotated.root;
  out.changes = annotated.changes;
  yaml::Node* nodes = yaml::map_get(yaml::map_get(out.service, "topology_template"), "node_templates");
  // Indexed once: each application's (or job's) template is looked up by name; a scan per
  // application made rendering N jobs quadratic.
  const yaml::MapIndex index(nodes);
  bool ok = true, gen2 = false;
  for (std::size_t i = 0; i < apps.size() && i < decisions.size(); ++i) {
    const opt::AppNode& app = apps[i];
    const opt::Decision& d = decisions[i];
    const std::string scheduler = scheduler_of(app, d, options);
    const adapters::Adapter* adapter = adapters::adapter_for(scheduler);
    if (!adapter) {
      ctx.error(Code::UnknownTarget, app.request_site ? app.request_site : app.body,
                "node '" + app.name + "': no adapter for scheduler '" + scheduler + "' (slurm, pbs, torque, kubernetes, batch)");
      ok = false;
      continue;
    }
    adapters::Job job = adapters::make_job(app.request, d, app.name);
    adapters::Rendered r;
    if (scheduler == "kubernetes") {
      bool serving = app.request.app_type() == "ai_inference" || !ports_of(app).empty();
      r = adapters::kubernetes_adapter().render(job, node_selector(d), ports_of(app), serving);
    } else {
      r = adapter->render(job);
    }
    for (const auto& n : r.notes) out.notes.push_back("node '" + app.name + "' (" + std::string(adapter->name()) + "): " + n);
    out.artefacts.push_back(Artefact{(r.kind == "manifest" ? "manifests/" : "jobs/") + r.file_name, r.content});
    if ((scheduler == "kubernetes") != (app.generation == opt::Generation::Kubernetes) &&
        app.generation != opt::Generation::Generic) {
      // The blueprint's nodes deploy to another kind of target (a batch job on a WM, or a
      // Kubernetes Kind): keep them, and leave the rendered artefact beside the blueprint.
      out.notes.push_back("node '" + app.name + "': rendered for " + scheduler + ", but the blueprint deploys it elsewhere; " +
                          out.artefacts.back().path + " is written, the TOSCA nodes are left as they are");
      continue;
    }
    switch (app.generation) {
      case opt::Generation::Gen3Batch: rewrite_gen3(app, r, index, arena, out); break;
      case opt::Generation::Gen2ModakJob:
        rewrite_gen2(app, r, index, arena, out);
        gen2 = true;
        break;
      case opt::Generation::Kubernetes: rewrite_kubernetes(app, r, nodes, index, arena, out); break;
      case opt::Generation::Generic:
        out.notes.push_back("node '" + app.name + "': no job node runs it; the script is in " + out.artefacts.back().path);
        break;
    }
  }
  if (gen2) {
    out.artefacts.push_back(Artefact{"modak/rendered-job.yaml", kRenderedJobTypes});
    out.artefacts.push_back(Artefact{"modak/modak-playbooks/write_job_script.yml", kWriteScriptPlaybook});
    add_import(out.service, arena, "modak/rendered-job.yaml");
  }
  return ok;
}

}  // namespace modak::render
