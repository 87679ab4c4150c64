// Validation profiles. `strict` is the TOSCA specification. `sodalite` tolerates the quirks real
// SODALITE blueprints depend on; each tolerance has its own code and is reported as a warning.
#pragma once

#include <string>
#include <string_view>

namespace modak::tosca {

enum class ProfileKind { Strict, Sodalite };

struct Profile {
  ProfileKind kind = ProfileKind::Strict;
  bool automatic = false;  // chosen because the blueprint uses sodalite.* types
  bool sodalite() const { return kind == ProfileKind::Sodalite; }
};

// "strict", "sodalite", or "auto" (strict unless the blueprint uses sodalite.* types).
bool parse_profile_name(std::string_view name, ProfileKind& kind, bool& automatic);
std::string_view profile_name(ProfileKind k);

}  // namespace modak::tosca
