// `pier image pull` / `pier pull`: several images in parallel, with progress
// per layer (live on a TTY, plain lines otherwise) as `docker compose pull` shows.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "base/result.h"

namespace pier::app::images {

struct PullCommand {
  std::vector<std::string> references;
  std::string platform;          // "" = host
  bool quiet = false;
  bool ignore_failures = false;  // report failures, exit 0
  int parallel_images = 4;
};

Status pull(const std::string& pier_root, const PullCommand& command, std::FILE* out);

}  // namespace pier::app::images
