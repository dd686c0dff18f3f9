// `pier image load`: reads the archives `docker save` writes (manifest.json,
// legacy <id>/layer.tar or the newer blobs/sha256 layout) and OCI archives
// (`skopeo copy ... oci-archive:`), plain or compressed, in one streaming pass.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "image/oci.h"
#include "image/store/store.h"

namespace pier::image {

struct LoadOptions {
  Platform platform = host_platform();  // which manifest of a multi-platform OCI index
};

Result<std::vector<ImageRecord>> load_archive(const Store& store, const std::string& path,
                                              const LoadOptions& options = {});

}  // namespace pier::image
