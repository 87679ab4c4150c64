// A small read-only XML tree built with Xerces-C's DOM parser, for the scheduler and hardware
// tools' XML outputs (lstopo --of xml, nvidia-smi -q -x, qstat -x). External DTDs and entities
// are never loaded (these outputs name DTD files that are not installed, or not local).
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace modak::ops {

struct XmlElement {
  std::string name;
  std::map<std::string, std::string> attrs;
  std::string text;  // concatenated text of the element's own text children, trimmed
  std::vector<XmlElement> children;

  const XmlElement* child(std::string_view n) const;
  std::vector<const XmlElement*> all(std::string_view n) const;
  // text of the first child element `n` (and so on down a path "a/b/c"); "" when absent
  std::string path_text(std::string_view path) const;
  std::string attr(std::string_view n) const;
};

struct XmlError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Parses a whole document; throws XmlError("<what>: line L, column C: message") on bad input.
XmlElement parse_xml(std::string_view content, const std::string& what);

}  // namespace modak::ops
