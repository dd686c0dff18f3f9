// `pier image push` and `pier convert --push`: images of the store to their
// registries, printed as `docker push` prints them (one line per blob, then the
// tag's digest).
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "base/result.h"

namespace pier::app::images {

struct PushRequest {
  std::string source;  // a name or ID in the store
  std::string target;  // where it goes; "" = the source's own name
};

// Pushes each in turn; the first failure stops.
Status push(const std::string& pier_root, const std::vector<PushRequest>& requests, bool quiet, std::FILE* out);

}  // namespace pier::app::images
