// Adds a context frame to a failed Result on the way up.
#pragma once

#include <string>

#include "base/result.h"

namespace pier::image {

template <class T>
Result<T> in_context(Result<T> result, const std::string& frame) {
  if (!result.ok()) result.error().context(frame);
  return result;
}

}  // namespace pier::image
