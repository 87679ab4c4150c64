#include "plugin/discover/xml.h"

#include <memory>
#include <mutex>
#include <xercesc/dom/DOM.hpp>
#include <xercesc/framework/MemBufInputSource.hpp>
#include <xercesc/parsers/XercesDOMParser.hpp>
#include <xercesc/sax/HandlerBase.hpp>
#include <xercesc/sax/SAXParseException.hpp>
#include <xercesc/util/PlatformUtils.hpp>
#include <xercesc/util/SecurityManager.hpp>
#include <xercesc/util/XMLString.hpp>

namespace modak::ops {
namespace x = XERCES_CPP_NAMESPACE;

namespace {

void init_xerces() {
  static std::once_flag once;
  // Xerces stays initialised for the life of the process (Terminate at exit would race with
  // other users; the OS reclaims everything).
  std::call_once(once, [] { x::XMLPlatformUtils::Initialize(); });
}

std::string utf8(const XMLCh* s) {
  if (!s) return {};
  char* c = x::XMLString::transcode(s);
  std::string out = c ? c : "";
  x::XMLString::release(&c);
  return out;
}

std::string trim(std::string s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

struct ThrowingHandler : x::HandlerBase {
  std::string what;
  [[noreturn]] void fail(const x::SAXParseException& e) {
    throw XmlError(what + ": line " + std::to_string(e.getLineNumber()) + ", column " +
                   std::to_string(e.getColumnNumber()) + ": " + utf8(e.getMessage()));
  }
  void error(const x::SAXParseException& e) override { fail(e); }
  void fatalError(const x::SAXParseException& e) override { fail(e); }
  void warning(const x::SAXParseException&) override {}
};

// Refuses every external entity or DTD: the parser sees an empty input instead.
struct NoExternal : x::EntityResolver {
  x::InputSource* resolveEntity(const XMLCh* const, const XMLCh* const) override {
    static const XMLByte empty[1] = {0};
    return new x::MemBufInputSource(empty, 0, "external", false);
  }
};

void convert(const x::DOMElement* e, XmlElement& out, int depth) {
  if (depth > 200) throw XmlError("XML nesting deeper than 200 levels");
  out.name = utf8(e->getTagName());
  if (const x::DOMNamedNodeMap* a = e->getAttributes())
    for (XMLSize_t i = 0; i < a->getLength(); ++i) out.attrs[utf8(a->item(i)->getNodeName())] = utf8(a->item(i)->getNodeValue());
  std::string text;
  for (const x::DOMNode* c = e->getFirstChild(); c; c = c->getNextSibling()) {
    if (c->getNodeType() == x::DOMNode::ELEMENT_NODE) {
      out.children.emplace_back();
      convert(static_cast<const x::DOMElement*>(c), out.children.back(), depth + 1);
    } else if (c->getNodeType() == x::DOMNode::TEXT_NODE || c->getNodeType() == x::DOMNode::CDATA_SECTION_NODE) {
      text += utf8(c->getNodeValue());
    }
  }
  out.text = trim(text);
}

}  // namespace

const XmlElement* XmlElement::child(std::string_view n) const {
  for (const auto& c : children)
    if (c.name == n) return &c;
  return nullptr;
}

std::vector<const XmlElement*> XmlElement::all(std::string_view n) const {
  std::vector<const XmlElement*> out;
  for (const auto& c : children)
    if (c.name == n) out.push_back(&c);
  return out;
}

std::string XmlElement::path_text(std::string_view path) const {
  const XmlElement* e = this;
  while (e && !path.empty()) {
    auto slash = path.find('/');
    e = e->child(path.substr(0, slash));
    path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash + 1);
  }
  return e ? e->text : std::string{};
}

std::string XmlElement::attr(std::string_view n) const {
  auto it = attrs.find(std::string(n));
  return it == attrs.end() ? std::string{} : it->second;
}

XmlElement parse_xml(std::string_view content, const std::string& what) {
  init_xerces();
  x::XercesDOMParser parser;
  parser.setValidationScheme(x::XercesDOMParser::Val_Never);
  parser.setDoNamespaces(false);
  parser.setDoSchema(false);
  parser.setLoadExternalDTD(false);
  parser.setCreateEntityReferenceNodes(false);
  parser.setDisableDefaultEntityResolution(true);
  x::SecurityManager security;  // bounds entity expansion (billion laughs)
  security.setEntityExpansionLimit(1000);
  parser.setSecurityManager(&security);
  ThrowingHandler handler;
  handler.what = what;
  NoExternal resolver;
  parser.setErrorHandler(&handler);
  parser.setEntityResolver(&resolver);
  x::MemBufInputSource src(reinterpret_cast<const XMLByte*>(content.data()), content.size(), what.c_str(), false);
  try {
    parser.parse(src);
  } catch (const x::XMLException& e) {
    throw XmlError(what + ": " + utf8(e.getMessage()));
  } catch (const x::DOMException& e) {
    throw XmlError(what + ": " + utf8(e.getMessage()));
  }
  const x::DOMDocument* doc = parser.getDocument();
  const x::DOMElement* root = doc ? doc->getDocumentElement() : nullptr;
  if (!root) throw XmlError(what + ": no XML document element");
  XmlElement out;
  convert(root, out, 0);
  return out;
}

}  // namespace modak::ops
