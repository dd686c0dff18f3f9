// The last step of every pull, load and import: with the manifest, config and
// layer blobs already in the store, unpack the layers that are missing and only
// then name the image, so a crash or an error never leaves a half-visible image.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "image/store/store.h"

namespace pier::image {

struct CommitRequest {
  std::string manifest_digest;
  std::vector<std::string> names;  // full references; may be empty (an untagged image)
  std::string repo_digest;         // what the registry calls it (index digest for multi-arch)
};

Result<ImageRecord> commit_image(const Store& store, const CommitRequest& request);

// Unpacks the layers of a stored manifest (skipping those already present).
Status unpack_manifest_layers(const Store& store, const Manifest& manifest, const ImageConfig& config);

}  // namespace pier::image
