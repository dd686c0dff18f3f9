// Top-level resources (top_level.cpp) and cross-reference validation (validate.cpp).
#pragma once

#include "compose/normalize/common.h"

namespace pier::compose::detail {

Status normalize_top_level(const Context& ctx, const Node& root, Project& project);
// Adds `networks.default` (named <project>_default) when a service uses it implicitly.
void add_default_network(const Context& ctx, Project& project);

}  // namespace pier::compose::detail
