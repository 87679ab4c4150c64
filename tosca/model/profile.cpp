#include "tosca/model/profile.h"

namespace modak::tosca {

bool parse_profile_name(std::string_view name, ProfileKind& kind, bool& automatic) {
  automatic = false;
  if (name == "strict") kind = ProfileKind::Strict;
  else if (name == "sodalite") kind = ProfileKind::Sodalite;
  else if (name == "auto") {
    kind = ProfileKind::Strict;
    automatic = true;
  } else
    return false;
  return true;
}

std::string_view profile_name(ProfileKind k) { return k == ProfileKind::Sodalite ? "sodalite" : "strict"; }

}  // namespace modak::tosca
