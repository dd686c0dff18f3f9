// `pier pull`: the images of a project's services, several at once, with one status
// line per service as `docker compose pull` prints them (` ✔ web Pulled` on a terminal,
// ` web Pulled` otherwise). The caller maps services to references: image/ knows no
// Compose types.
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "image/store/store.h"

namespace pier::app::images {

struct ServiceImage {
  std::string service;
  std::string reference;     // "" for a build-only service: skipped with a note
  bool can_be_built = false; // a failed pull is then a warning: `up --build` makes it
};

struct ServicePullOptions {
  bool quiet = false;
  bool ignore_failures = false;  // report failures as warnings, succeed
  bool missing_only = false;     // --policy missing: skip images already in the store
  bool ignore_buildable = false; // skip the images of services with `build:`
  int parallel_images = 4;
};

// Why `pull` leaves this image alone ("Skipped - ..."), or nothing when it pulls it.
// `store`: none is a store without images.
std::optional<std::string> skip_reason(const image::Store* store, const ServiceImage& image,
                                       const ServicePullOptions& options);

Status pull_services(const std::string& pier_root, const std::vector<ServiceImage>& images,
                     const ServicePullOptions& options, std::FILE* out);

}  // namespace pier::app::images
