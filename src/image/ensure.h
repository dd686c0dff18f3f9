// What the supervisor calls before starting a service: apply its pull_policy,
// pull if needed, and return the layer dirs and config for the runtime.
#pragma once

#include <string_view>

#include "base/result.h"
#include "image/pull_policy.h"
#include "image/registry/pull.h"
#include "image/store/store.h"

namespace pier::image {

// PullDecision::build is returned as an error: building belongs to build/.
Result<ResolvedImage> ensure_image(const Store& store, std::string_view reference, const PullPolicy& policy,
                                   const PullOptions& options);

}  // namespace pier::image
