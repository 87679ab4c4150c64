#include "tosca/diag/codes.h"

namespace modak::diag {

std::string_view code_name(Code c) {
  switch (c) {
#define MODAK_DIAG_NAME(id, name, desc) \
  case Code::id: return name;
    MODAK_DIAG_CODES(MODAK_DIAG_NAME)
#undef MODAK_DIAG_NAME
  }
  return "internal";
}

std::string_view code_description(Code c) {
  switch (c) {
#define MODAK_DIAG_DESC(id, name, desc) \
  case Code::id: return desc;
    MODAK_DIAG_CODES(MODAK_DIAG_DESC)
#undef MODAK_DIAG_DESC
  }
  return "";
}

std::vector<Code> all_codes() {
  return {
#define MODAK_DIAG_LIST(id, name, desc) Code::id,
      MODAK_DIAG_CODES(MODAK_DIAG_LIST)
#undef MODAK_DIAG_LIST
  };
}

}  // namespace modak::diag
