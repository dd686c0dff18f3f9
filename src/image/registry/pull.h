// Pulling one image into the store: resolve the manifest (choosing the
// platform from an index), then download missing layers in parallel (bounded),
// each verified by digest and unpacked as soon as it arrives; the image is
// named only when everything is in place.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "base/result.h"
#include "image/oci.h"
#include "image/reference.h"
#include "image/registry/registry_config.h"
#include "image/store/store.h"

namespace pier::image {

struct LayerProgress {
  std::string id;      // short digest of the layer, as docker prints it
  std::string status;  // "Waiting", "Downloading", "Extracting", "Pull complete", "Already exists"
  uint64_t current = 0;
  uint64_t total = 0;
};
// Called from worker threads; implementations must be thread-safe.
using PullProgress = std::function<void(const LayerProgress&)>;

struct PullOptions {
  Platform platform = host_platform();
  int parallel_downloads = 3;
  RegistryConfig registries;
  PullProgress progress;
};

Result<ImageRecord> pull_image(const Store& store, const Reference& ref, const PullOptions& options);

}  // namespace pier::image
