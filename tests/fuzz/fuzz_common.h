// Shared helpers for the libFuzzer targets (see README.md).
#pragma once

#include <cstdlib>
#include <string>

#include "tosca/load/service.h"

namespace modak::fuzz {

// MODAK_SHARE_DIR if set, else the source tree's share/ (tosca::default_share_dir does both).
inline const std::string& share_dir() {
  static const std::string dir = tosca::default_share_dir();
  return dir;
}

}  // namespace modak::fuzz
