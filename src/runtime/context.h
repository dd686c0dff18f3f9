// Adds an outer frame to a failed Result on its way up (base's Result has no .context()).
#pragma once

#include <string>
#include <utility>

#include "base/result.h"

namespace pier::runtime {

template <class R>
R with_context(R result, std::string frame) {
  if (!result.ok()) result.error().context(std::move(frame));
  return result;
}

}  // namespace pier::runtime
