// Pushing one image of the store to a registry: each blob the repository lacks
// (config and layers, as stored) is uploaded, then the manifest's exact bytes are
// put under the tag, so the registry serves the digest the store has.
#pragma once

#include <functional>
#include <string>

#include "base/result.h"
#include "image/reference.h"
#include "image/registry/registry_config.h"
#include "image/store/store.h"

namespace pier::image {

struct PushOptions {
  RegistryConfig registries;
  // One line per blob ("Pushed", "Layer already exists") with its short digest.
  std::function<void(const std::string& short_digest, const std::string& status)> progress;
};

// `local`: a name or ID in the store; `remote`: where it goes (its tag, or its
// digest, which must be the manifest's). Returns the manifest digest.
Result<std::string> push_image(const Store& store, const std::string& local, const Reference& remote,
                               const PushOptions& options);

}  // namespace pier::image
