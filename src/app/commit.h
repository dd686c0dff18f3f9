// `pier commit`: a new image in pier's store made of a container's image and, on top, one
// layer holding its writable (overlay upper) layer, whose whiteouts become OCI whiteouts
// (builder/executor/layer_tar.h, which reads the upper dir as hostile content). The
// container is frozen while its layer is read unless `pause` is off.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "image/store/store.h"
#include "state/container_record.h"

namespace pier::app {

struct CommitOptions {
  std::string reference;              // REPOSITORY[:TAG]; empty: an untagged image
  std::string author;                 // -a
  std::string message;                // -m
  std::vector<std::string> changes;   // -c: Dockerfile instructions, as `docker commit -c`
  bool pause = true;                  // -p
};

Result<image::ImageRecord> commit_container(const std::string& pier_root, const state::ContainerRecord& record,
                                            const CommitOptions& options);

}  // namespace pier::app
