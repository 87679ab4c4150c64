#include "plugin/graph/graph.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>

namespace modak::graph {

namespace {

std::string dot_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string xml_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

// The node a requirement assignment names: `host: wm` or `host: { node: wm, ... }`.
std::string requirement_target(const yaml::Node* v) {
  if (!v) return "";
  if (v->is_scalar()) return v->text;
  if (v->is_map())
    if (const yaml::Node* n = v->get("node"); n && n->is_scalar()) return n->text;
  return "";
}


}  // namespace

std::string format_time(double v, const std::string& unit) {
  if (unit == "relative") return "x" + fixed(v, 2);
  if (v < 120) return fixed(v, v < 10 ? 1 : 0) + " s";
  if (v < 7200) return fixed(v / 60, 1) + " min";
  return fixed(v / 3600, 1) + " h";
}

std::string topology_dot(const tosca::Context& ctx, const yaml::Node* entry_root, const std::vector<opt::AppNode>& apps,
                         const std::vector<opt::Decision>& decisions, const std::string& title) {
  (void)ctx;
  std::ostringstream o;
  o << "// modak graph: the topology of " << title << "\n";
  o << "digraph topology {\n";
  o << "  graph [rankdir=BT, fontname=\"Helvetica\", fontsize=12, labelloc=t, label=\"" << dot_escape(title) << "\"];\n";
  o << "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#f4f4f4\", fontname=\"Helvetica\", fontsize=10];\n";
  o << "  edge [fontname=\"Helvetica\", fontsize=9, color=\"#555555\"];\n";
  const yaml::Node* topology = entry_root && entry_root->is_map() ? entry_root->get("topology_template") : nullptr;
  const yaml::Node* templates = topology && topology->is_map() ? topology->get("node_templates") : nullptr;
  std::map<std::string, std::size_t> app_index;
  for (std::size_t i = 0; i < apps.size(); ++i) app_index[apps[i].name] = i;
  std::vector<std::string> names;
  for (auto [k, body] : yaml::map_entries(templates)) {
    std::string name = k->text;
    names.push_back(name);
    std::string type = body && body->is_map() ? std::string(tosca::text_of(body->get("type"))) : "";
    auto it = app_index.find(name);
    const opt::AppNode* app = it == app_index.end() ? nullptr : &apps[it->second];
    std::string label = name + "\n" + type;
    std::string fill = "#f4f4f4";
    if (app) {
      fill = "#dbeafe";
      const opt::Decision* d = it->second < decisions.size() ? &decisions[it->second] : nullptr;
      if (d && d->chosen()) {
        const opt::Candidate& c = *d->chosen();
        label += "\nimage: " + (c.image ? c.image->id : d->image_uri());
        if (c.compiler != "none") label += " + " + c.compiler;
        label += "\npredicted: " + format_time(c.seconds, d->time_unit);
        if (d->target) label += " on " + d->target->name + (d->partition ? "/" + d->partition->name : "");
      } else if (d && !d->kept_user_image.empty()) {
        label += "\nimage: " + d->kept_user_image + " (kept)";
      } else {
        label += "\noptimisation request";
      }
    }
    o << "  \"" << dot_escape(name) << "\" [label=\"" << dot_escape(label) << "\", shape=" << (app ? "box3d" : "box")
      << ", fillcolor=\"" << fill << "\"" << (app ? ", penwidth=2" : "") << "];\n";
  }
  for (auto [k, body] : yaml::map_entries(templates)) {
    const yaml::Node* reqs = body && body->is_map() ? body->get("requirements") : nullptr;
    if (!reqs || !reqs->is_seq()) continue;
    for (const yaml::Node* r : reqs->children) {
      for (auto [rk, rv] : yaml::map_entries(r)) {
        std::string target = requirement_target(rv);
        if (target.empty() || std::find(names.begin(), names.end(), target) == names.end()) continue;
        o << "  \"" << dot_escape(k->text) << "\" -> \"" << dot_escape(target) << "\" [label=\"" << dot_escape(rk->text)
          << "\"" << (rk->text == "host" ? ", style=bold" : "") << "];\n";
      }
    }
  }
  o << "}\n";
  return o.str();
}

std::string candidates_svg(const std::vector<opt::Decision>& decisions, const std::string& title) {
  const int width = 760, label_w = 280, bar_w = 380, row_h = 22, margin = 16;
  std::ostringstream body;
  int y = margin + 20;
  body << "  <text x=\"" << margin << "\" y=\"" << y << "\" font-size=\"15\" font-weight=\"bold\">"
       << xml_escape("modak: ranked candidates for " + title) << "</text>\n";
  y += 14;
  for (const auto& d : decisions) {
    y += 22;
    std::string head = d.node;
    if (d.target) head += " on " + d.target->name + (d.partition ? "/" + d.partition->name : "");
    body << "  <text x=\"" << margin << "\" y=\"" << y << "\" font-size=\"13\" font-weight=\"bold\">" << xml_escape(head)
         << "</text>\n";
    y += 8;
    if (d.ranked.empty()) {
      y += row_h;
      body << "  <text x=\"" << margin << "\" y=\"" << y << "\" font-size=\"12\">"
           << xml_escape(d.kept_user_image.empty() ? "no feasible candidate" : "kept the request's image " + d.kept_user_image)
           << "</text>\n";
      continue;
    }
    double max = 0;
    for (const auto& c : d.ranked) max = std::max(max, c.seconds);
    if (max <= 0) max = 1;
    for (std::size_t i = 0; i < d.ranked.size(); ++i) {
      const auto& c = d.ranked[i];
      int top = y + 4;
      int w = std::max(1, static_cast<int>(bar_w * c.seconds / max));
      std::string name = std::to_string(i + 1) + ". " + (c.image ? c.image->id : std::string("?"));
      if (c.compiler != "none") name += " + " + c.compiler;
      body << "  <text x=\"" << margin << "\" y=\"" << top + 14 << "\" font-size=\"11\">" << xml_escape(name)
           << "</text>\n";
      body << "  <rect x=\"" << margin + label_w << "\" y=\"" << top << "\" width=\"" << w << "\" height=\"" << row_h - 6
           << "\" fill=\"" << (i == 0 ? "#2563eb" : "#9ca3af") << "\"><title>" << xml_escape(name) << ": "
           << fixed(c.seconds, 1) << " " << xml_escape(d.time_unit) << "</title></rect>\n";
      body << "  <text x=\"" << margin + label_w + w + 6 << "\" y=\"" << top + 14 << "\" font-size=\"11\">"
           << xml_escape(format_time(c.seconds, d.time_unit)) << (i == 0 ? " (chosen)" : "") << "</text>\n";
      y += row_h;
    }
  }
  y += margin;
  std::ostringstream o;
  o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << y << "\" viewBox=\"0 0 " << width
    << " " << y << "\" font-family=\"Helvetica, Arial, sans-serif\">\n";
  o << "  <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  o << body.str() << "</svg>\n";
  return o.str();
}

}  // namespace modak::graph
