#include "plugin/optimiser/report.h"

#include <cstdio>

namespace modak::opt {

namespace {

std::string fmt_time(double s, const std::string& unit) {
  char buf[64];
  if (unit != "s") std::snprintf(buf, sizeof buf, "%.4g (relative)", s);
  else if (s >= 3600) std::snprintf(buf, sizeof buf, "%.2f h", s / 3600);
  else if (s >= 60) std::snprintf(buf, sizeof buf, "%.1f min", s / 60);
  else std::snprintf(buf, sizeof buf, "%.3g s", s);
  return buf;
}

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

}  // namespace

nlohmann::json decision_json(const Decision& d, bool with_candidates) {
  nlohmann::json j;
  j["node"] = d.node;
  j["target"] = d.target ? d.target->name : "";
  j["partition"] = d.partition ? d.partition->name : "";
  j["image"] = d.image_uri();
  const Candidate* c = d.chosen();
  j["image_id"] = c ? c->image->id : "";
  j["graph_compiler"] = c ? c->compiler : "none";
  j["build"] = c ? c->image->build : "";
  j["predicted_time"] = c ? c->seconds : 0.0;
  j["time_unit"] = d.time_unit;
  j["resources"] = {{"nodes", d.resources.nodes},
                    {"ranks", d.resources.ranks},
                    {"threads", d.resources.threads},
                    {"tasks_per_node", d.resources.tasks_per_node},
                    {"gpus_per_node", d.resources.gpus_per_node}};
  j["launcher"] = d.launcher;
  j["container_runtime"] = d.container_runtime;
  j["container_flags"] = d.container_flags;
  nlohmann::json env = nlohmann::json::array();
  for (const auto& [k, v] : d.env) env.push_back({{"name", k}, {"value", v}});
  j["environment"] = env;
  j["pre_commands"] = d.pre_commands;
  j["post_commands"] = d.post_commands;
  j["fragments"] = d.fragments;
  if (d.storage) j["storage"] = {{"name", d.storage->name}, {"class", d.storage->cls}, {"path", d.storage->path}};
  j["why"] = d.why;
  if (with_candidates) {
    nlohmann::json ranked = nlohmann::json::array();
    for (const auto& cand : d.ranked)
      ranked.push_back({{"image", cand.image->id},
                        {"uri", cand.image->uri},
                        {"graph_compiler", cand.compiler},
                        {"build", cand.image->build},
                        {"predicted_time", cand.seconds},
                        {"breakdown", cand.breakdown}});
    j["candidates"] = ranked;
    nlohmann::json rejected = nlohmann::json::array();
    for (const auto& cand : d.rejected)
      rejected.push_back({{"image", cand.image->id}, {"graph_compiler", cand.compiler}, {"reason", cand.rejected}});
    j["rejected"] = rejected;
  }
  return j;
}

bool decision_from_json(const nlohmann::json& j, const Knowledge& k, Decision& d, std::string& error) {
  try {
    d.node = j.value("node", "");
    d.target = k.target(j.value("target", ""));
    if (!d.target) {
      error = "the annotation names target '" + j.value("target", "") + "', which the knowledge base does not describe";
      return false;
    }
    d.partition = d.target->partition(j.value("partition", ""));
    if (!d.partition) d.partition = d.target->default_or("");
    d.kept_user_image = j.value("image", "");
    d.time_unit = j.value("time_unit", "s");
    const auto& res = j.at("resources");
    d.resources.nodes = res.value("nodes", 1);
    d.resources.ranks = res.value("ranks", 1);
    d.resources.threads = res.value("threads", 1);
    d.resources.tasks_per_node = res.value("tasks_per_node", 1);
    d.resources.gpus_per_node = res.value("gpus_per_node", 0);
    d.launcher = j.value("launcher", "none");
    d.container_runtime = j.value("container_runtime", "none");
    d.container_flags = j.value("container_flags", std::vector<std::string>{});
    for (const auto& e : j.value("environment", nlohmann::json::array())) d.env.emplace_back(e.at("name"), e.at("value"));
    d.pre_commands = j.value("pre_commands", std::vector<std::string>{});
    d.post_commands = j.value("post_commands", std::vector<std::string>{});
    d.fragments = j.value("fragments", std::vector<std::string>{});
    if (j.contains("storage"))
      for (const auto& s : d.target->storage)
        if (s.name == j["storage"].value("name", "")) d.storage = &s;
    d.why = j.value("why", std::vector<std::string>{});
    return true;
  } catch (const std::exception& e) {
    error = std::string("the modak.decision annotation is malformed: ") + e.what();
    return false;
  }
}

std::string explain_text(const Decision& d) {
  std::string out = d.node + ": target " + (d.target ? d.target->name : "?") + ", partition " +
                    (d.partition ? d.partition->name : "?") + "\n";
  if (!d.ranked.empty()) {
    out += "  " + pad("rank", 6) + pad("image", 44) + pad("compiler", 10) + pad("build", 18) + "predicted\n";
    int rank = 1;
    for (const auto& c : d.ranked) {
      out += "  " + pad(std::to_string(rank), 6) + pad(c.image->id, 44) + pad(c.compiler, 10) + pad(c.image->build, 18) +
             fmt_time(c.seconds, d.time_unit) + (rank == 1 ? "   <- chosen" : "") + "\n";
      ++rank;
    }
  }
  // The first few rejections say why the catalogue's near misses were left out; JSON lists all.
  const std::size_t shown = std::min<std::size_t>(d.rejected.size(), 6);
  for (std::size_t i = 0; i < shown; ++i) {
    const Candidate& c = d.rejected[i];
    out += "  not eligible: " + c.image->id + (c.compiler == "none" ? "" : " with " + c.compiler) + ": " + c.rejected + "\n";
  }
  if (d.rejected.size() > shown)
    out += "  ... and " + std::to_string(d.rejected.size() - shown) + " more not eligible (--format json lists them all)\n";
  for (const auto& w : d.why) out += "  why: " + w + "\n";
  if (const Candidate* c = d.chosen())
    for (const auto& b : c->breakdown) out += "  model: " + b + "\n";
  out += "  resources: " + std::to_string(d.resources.nodes) + " node(s), " + std::to_string(d.resources.ranks) +
         " rank(s) x " + std::to_string(d.resources.threads) + " thread(s), " + std::to_string(d.resources.tasks_per_node) +
         " per node, " + std::to_string(d.resources.gpus_per_node) + " GPU(s) per node; launcher " + d.launcher +
         ", container " + d.container_runtime + "\n";
  return out;
}

}  // namespace modak::opt
