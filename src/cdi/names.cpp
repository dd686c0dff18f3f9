#include "cdi/names.h"

#include <fmt/format.h>

namespace pier::cdi {

namespace {

// ASCII only: these names end up in file lookups and messages, never locale-dependent.
bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_letter(c) || is_digit(c); }

constexpr size_t kMaxPart = 253;  // a DNS name's length; no CDI name part is longer

// `first` may start the name, `inner` may appear inside it; every name ends in a letter
// or digit.
Status check_part(std::string_view what, std::string_view s, bool (*first)(char), std::string_view inner) {
  if (s.empty()) return Error(fmt::format("empty CDI {}", what));
  if (s.size() > kMaxPart) return Error(fmt::format("CDI {} `{}...` is longer than {} characters", what, s.substr(0, 32), kMaxPart));
  if (!first(s.front()))
    return Error(fmt::format("CDI {} `{}` must start with a {}", what, s, first == is_letter ? "letter" : "letter or digit"));
  for (char c : s)
    if (!is_alnum(c) && inner.find(c) == std::string_view::npos)
      return Error(fmt::format("CDI {} `{}` has an invalid character (allowed: letters, digits and `{}`)", what, s, inner));
  if (!is_alnum(s.back())) return Error(fmt::format("CDI {} `{}` must end with a letter or digit", what, s));
  return {};
}

}  // namespace

bool looks_qualified(std::string_view text) {
  return !text.empty() && text.front() != '/' && text.find('=') != std::string_view::npos;
}

Status check_vendor(std::string_view vendor) { return check_part("vendor", vendor, is_letter, "-_."); }
Status check_class(std::string_view cls) { return check_part("class", cls, is_letter, "-_"); }
Status check_device_name(std::string_view name) { return check_part("device name", name, is_alnum, "-_.:"); }

Status check_kind(std::string_view kind) {
  size_t slash = kind.find('/');
  if (slash == std::string_view::npos)
    return Error(fmt::format("CDI kind `{}` is not of the form vendor.com/class", kind));
  PIER_CHECK(check_vendor(kind.substr(0, slash)));
  return check_class(kind.substr(slash + 1));
}

Result<QualifiedName> parse_qualified_name(std::string_view text) {
  size_t eq = text.find('=');
  size_t slash = text.find('/');
  if (eq == std::string_view::npos || slash == std::string_view::npos || slash > eq)
    return Error(fmt::format("`{}` is not a CDI device name", text)).hint("write vendor.com/class=name");
  QualifiedName n{std::string(text.substr(0, slash)), std::string(text.substr(slash + 1, eq - slash - 1)),
                  std::string(text.substr(eq + 1))};
  auto checked = [&](Status st) -> Status {
    if (!st) return std::move(st).error().context(fmt::format("CDI device `{}`", text));
    return {};
  };
  PIER_CHECK(checked(check_vendor(n.vendor)));
  PIER_CHECK(checked(check_class(n.cls)));
  PIER_CHECK(checked(check_device_name(n.device)));
  return n;
}

}  // namespace pier::cdi
