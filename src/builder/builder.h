// Building an image from a Dockerfile on pier's own runtime and image store: the
// executor walks the stages, runs each RUN in a container on the stage's layers (its
// overlay upper dir becomes the new layer), makes COPY/ADD layers straight from the
// context, and names the image in the store only when every step succeeded. Steps
// whose inputs are unchanged come from the layer cache (cache.h).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "image/store/store.h"

namespace pier::builder {

struct BuildRequest {
  std::string context_dir;        // absolute
  std::string dockerfile;         // absolute path (ignored with dockerfile_inline)
  std::string dockerfile_inline;  // the Dockerfile's text itself
  std::map<std::string, std::optional<std::string>> args;  // --build-arg / build.args
  std::string target;             // stage name; empty = the last stage
  std::map<std::string, std::string> labels;  // added to the image
  std::vector<std::string> tags;  // references to name the image (the first is the main one)
  // RUN network: "", "default" or "bridge" (a bridge of the build's own, with NAT),
  // "none", "host". "none" holds for every step, whatever its RUN --network says.
  std::string network;
  // The network.host entitlement (`pier build --allow network.host`, compose
  // `build.entitlements`, or `build.network: host` itself): without it a Dockerfile's
  // `RUN --network=host` is refused, since the Dockerfile may come from anyone.
  bool allow_network_host = false;
  std::vector<std::pair<std::string, std::string>> extra_hosts;  // host, address
  uint64_t shm_size = 64ull << 20;
  bool no_cache = false;
  bool pull = false;              // FROM images are pulled even when present
  std::string name;               // for progress lines: the service, or "" for a plain build
};

struct BuildEvent {
  enum class Kind { step, cached, done, output, warning } kind = Kind::step;
  std::string text;   // "[2/5] RUN make", an output line, a warning
  double seconds = 0; // for done
};
using BuildProgress = std::function<void(const BuildEvent&)>;

struct BuildResult {
  image::ImageRecord record;
  int steps = 0;   // layer steps (RUN, COPY, ADD) run or taken from the cache
  int cached = 0;  // of those, from the cache
};

// `pier_root` holds the image store and the build cache (<root>/build). Runs on the
// calling thread (RUN steps are waited for); safe to call from several threads.
Result<BuildResult> build_image(const image::Store& store, const std::string& pier_root, const BuildRequest& request,
                                const BuildProgress& progress = {});

}  // namespace pier::builder
