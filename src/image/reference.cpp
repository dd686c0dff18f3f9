#include "image/reference.h"

#include <algorithm>
#include <cctype>

namespace pier::image {
namespace {

constexpr size_t kMaxNameLength = 255;
constexpr size_t kMaxTagLength = 128;

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool is_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// path-component: [a-z0-9]+ ((\.|_|__|-+) [a-z0-9]+)*
bool is_path_component(std::string_view s) {
  if (s.empty() || !is_lower_alnum(s.front()) || !is_lower_alnum(s.back())) return false;
  for (size_t i = 0; i < s.size();) {
    if (is_lower_alnum(s[i])) { ++i; continue; }
    size_t j = i;
    while (j < s.size() && !is_lower_alnum(s[j])) ++j;
    std::string_view sep = s.substr(i, j - i);
    bool ok = sep == "." || sep == "_" || sep == "__" ||
              std::all_of(sep.begin(), sep.end(), [](char c) { return c == '-'; });
    if (!ok) return false;
    i = j;
  }
  return true;
}

bool is_domain_label(std::string_view s) {
  if (s.empty() || !is_alnum(s.front()) || !is_alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return is_alnum(c) || c == '-'; });
}

bool is_port(std::string_view s) {
  return !s.empty() && s.size() <= 5 && std::all_of(s.begin(), s.end(), ::isdigit);
}

bool is_domain(std::string_view s) {
  std::string_view host = s;
  if (!s.empty() && s.front() == '[') {  // [IPv6]:port
    auto close = s.find(']');
    if (close == std::string_view::npos) return false;
    std::string_view inner = s.substr(1, close - 1);
    if (inner.empty() || !std::all_of(inner.begin(), inner.end(), [](char c) {
          return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
        }))
      return false;
    std::string_view rest = s.substr(close + 1);
    return rest.empty() || (rest.front() == ':' && is_port(rest.substr(1)));
  }
  if (auto colon = s.rfind(':'); colon != std::string_view::npos) {
    if (!is_port(s.substr(colon + 1))) return false;
    host = s.substr(0, colon);
  }
  size_t start = 0;
  for (;;) {
    size_t dot = host.find('.', start);
    if (!is_domain_label(host.substr(start, dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool is_tag(std::string_view s) {
  if (s.empty() || s.size() > kMaxTagLength) return false;
  auto word = [](char c) { return is_alnum(c) || c == '_'; };
  if (!word(s.front())) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) { return word(c) || c == '.' || c == '-'; });
}

// Docker's rule: the first component is a registry host if it has a '.' or a
// ':', is "localhost", or has an uppercase letter (repository paths cannot).
bool looks_like_domain(std::string_view first) {
  if (first == "localhost") return true;
  if (first.find_first_of(".:") != std::string_view::npos) return true;
  return std::any_of(first.begin(), first.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

Error invalid(std::string_view text, std::string reason) {
  return Error("invalid reference format `" + std::string(text) + "`: " + std::move(reason));
}

// Splits "name[:tag][@digest]" off the remainder; the tag's ':' is after the last '/'.
// Returns false when a ':' or '@' is followed by nothing.
bool split_tag_digest(std::string_view& rest, std::string& tag, std::string& digest) {
  if (auto at = rest.find('@'); at != std::string_view::npos) {
    digest = std::string(rest.substr(at + 1));
    rest = rest.substr(0, at);
    if (digest.empty()) return false;
  }
  auto slash = rest.rfind('/');
  auto colon = rest.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    tag = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
    if (tag.empty()) return false;
  }
  return true;
}

Status validate_path(std::string_view text, std::string_view path) {
  if (path.empty()) return invalid(text, "repository name is empty");
  size_t start = 0;
  for (;;) {
    size_t slash = path.find('/', start);
    std::string_view comp = path.substr(start, slash - start);
    if (!is_path_component(comp)) {
      bool upper = std::any_of(comp.begin(), comp.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
      return invalid(text, upper ? "repository name must be lowercase"
                                 : "repository name component `" + std::string(comp) + "` is not valid");
    }
    if (slash == std::string_view::npos) return {};
    start = slash + 1;
  }
}

}  // namespace

bool is_valid_digest(std::string_view text) {
  auto colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view algo = text.substr(0, colon), hex = text.substr(colon + 1);
  if (algo == "sha256") return hex.size() == 64 && is_hex(hex);
  if (algo == "sha512") return hex.size() == 128 && is_hex(hex);
  return false;
}

Result<Reference> parse_reference(std::string_view text) {
  if (text.empty()) return invalid(text, "empty reference");
  if (text.size() == 64 && is_hex(text))
    return invalid(text, "cannot specify 64-byte hexadecimal strings");
  Reference ref;
  std::string_view rest = text;
  if (!split_tag_digest(rest, ref.tag, ref.digest)) return invalid(text, "empty tag or digest");
  if (!ref.digest.empty() && !is_valid_digest(ref.digest))
    return invalid(text, "digest `" + ref.digest + "` is not a valid sha256 digest");
  if (!ref.tag.empty() && !is_tag(ref.tag)) return invalid(text, "tag `" + ref.tag + "` is not valid");
  if (rest.size() > kMaxNameLength) return invalid(text, "repository name is longer than 255 characters");

  auto slash = rest.find('/');
  std::string_view path = rest;
  if (slash != std::string_view::npos && looks_like_domain(rest.substr(0, slash))) {
    ref.domain = std::string(rest.substr(0, slash));
    path = rest.substr(slash + 1);
    if (!is_domain(ref.domain)) return invalid(text, "registry host `" + ref.domain + "` is not valid");
  } else {
    ref.domain = std::string(kDefaultDomain);
  }
  if (ref.domain == "index.docker.io") ref.domain = std::string(kDefaultDomain);
  ref.path = std::string(path);
  PIER_CHECK(validate_path(text, ref.path));
  if (ref.domain == kDefaultDomain && ref.path.find('/') == std::string::npos)
    ref.path = "library/" + ref.path;
  if (ref.tag.empty() && ref.digest.empty()) ref.tag = std::string(kDefaultTag);
  return ref;
}

std::string Reference::name() const { return domain + "/" + path; }

std::string Reference::str() const {
  std::string out = name();
  if (!tag.empty()) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

std::string Reference::familiar() const {
  std::string out;
  if (domain == kDefaultDomain) {
    out = path.starts_with("library/") ? path.substr(8) : path;
  } else {
    out = name();
  }
  if (!tag.empty()) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

std::string Reference::registry_host() const {
  return domain == kDefaultDomain ? std::string("registry-1.docker.io") : domain;
}

bool looks_like_image_id(std::string_view text) {
  if (text.starts_with("sha256:")) text.remove_prefix(7);
  if (text.size() < 12 || text.size() > 64) return false;
  for (char c : text)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace pier::image
