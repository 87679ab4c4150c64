// What every check needs: the loaded files, the types, the profile, where problems go, and an
// index of the topology's names.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>

#include "tosca/diag/diagnostics.h"
#include "tosca/load/service.h"
#include "tosca/model/profile.h"
#include "tosca/model/types.h"

namespace modak::tosca {

struct TemplateInfo {
  const yaml::Node* key = nullptr;   // the name as written
  const yaml::Node* body = nullptr;  // the template's map
  const TypeDef* type = nullptr;     // null when the type did not resolve
};

struct Context {
  Context(const Service& s, TypeRegistry& t, diag::Sink& k, Profile p) : svc(s), types(t), sink(k), profile(p) {}

  const Service& svc;
  TypeRegistry& types;
  diag::Sink& sink;
  Profile profile;
  int minor_version = 3;  // 0..3 of tosca_simple_yaml_1_x

  const yaml::Node* topology = nullptr;
  const yaml::Node* inputs = nullptr;  // the topology's input definitions
  std::unordered_map<std::string_view, TemplateInfo> nodes, relationships, groups, policies;

  diag::Location at(const yaml::Node* n) const { return svc.where(n); }
  diag::Diagnostic& error(diag::Code c, const yaml::Node* n, std::string msg) {
    return sink.error(c, at(n), std::move(msg));
  }
  diag::Diagnostic& warning(diag::Code c, const yaml::Node* n, std::string msg) {
    return sink.warning(c, at(n), std::move(msg));
  }
  // In the sodalite profile, reports the quirk as a warning and returns true (tolerated).
  // In strict, returns false and the caller reports its error.
  bool tolerate(diag::Code quirk, const yaml::Node* n, const std::string& msg) {
    if (!profile.sodalite()) return false;
    sink.warning(quirk, at(n), msg);
    return true;
  }
};

// Text of a scalar node, or empty.
inline std::string_view text_of(const yaml::Node* n) { return n && n->is_scalar() ? std::string_view(n->text) : ""; }

}  // namespace modak::tosca
