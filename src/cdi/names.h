// CDI names: `vendor.com/class=device`. The vendor is a domain-like name, the class and
// device simple identifiers; checked strictly, as the CDI spec words them.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace pier::cdi {

struct QualifiedName {
  std::string vendor, cls, device;
  std::string kind() const { return vendor + "/" + cls; }
};

// True for a string that means a CDI device rather than a host path (`devices:` holds
// both): no leading `/` and an `=`.
bool looks_qualified(std::string_view text);

// Splits and checks `vendor.com/class=device`.
Result<QualifiedName> parse_qualified_name(std::string_view text);

// Each part alone: empty Status when valid, else why not.
Status check_vendor(std::string_view vendor);
Status check_class(std::string_view cls);
Status check_device_name(std::string_view name);
// `vendor.com/class` as a spec's `kind`.
Status check_kind(std::string_view kind);

}  // namespace pier::cdi
