// `pier image import`: a rootfs tarball (plain, gzip or zstd) becomes a
// one-layer image, optionally with --change instructions.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "image/oci.h"
#include "image/store/store.h"

namespace pier::image {

struct ImportOptions {
  std::vector<std::string> changes;  // "CMD [\"sh\"]", "ENV A=1", ...
  Platform platform = host_platform();
  std::string message;               // history comment
};

// `name` may be empty: the image is then reachable by its ID only.
Result<ImageRecord> import_rootfs(const Store& store, const std::string& tarball, const std::string& name,
                                  const ImportOptions& options = {});

}  // namespace pier::image
