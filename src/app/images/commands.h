// The image commands as library functions, one per verb; the CLI (cli/image.cpp)
// only parses flags and calls these. Each prints its normal output to `out` and
// returns an Error for the CLI to report.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "base/result.h"

namespace pier::app::images {

struct ListOptions {
  bool quiet = false;     // IDs only
  bool json = false;      // one JSON object per line, like `--format json`
  bool no_trunc = false;
  // Only these references (a project's images, for `pier images`); empty = all.
  std::vector<std::string> only;
};
Status image_ls(const std::string& pier_root, const ListOptions& options, std::FILE* out);

Status image_load(const std::string& pier_root, const std::string& input, bool quiet, std::FILE* out);

struct ImportCommand {
  std::string tarball;
  std::string name;  // may be empty
  std::vector<std::string> changes;
  std::string platform;  // "" = host
  std::string message;
};
Status image_import(const std::string& pier_root, const ImportCommand& command, std::FILE* out);

// Docker-style JSON array of the images' metadata and config.
Status image_inspect(const std::string& pier_root, const std::vector<std::string>& names, std::FILE* out);

// A container (of any project) whose record names an image: GC keeps the image's
// layers, and `rm` refuses to untag it. The CLI reads these from the records.
struct ImageUse {
  std::string image_id;  // sha256:... (the config digest)
  std::string container;
  std::string project;
  bool running = false;
};

// Every container of every project under the root, with the images it uses: the one
// it was made from and those its `type: image` volumes mount (image_uses.cpp).
Result<std::vector<ImageUse>> images_in_use(const std::string& pier_root);

// Untags each name (an ID removes every name of that image), then frees unreferenced
// data. An image a container uses is refused, naming the container; `force` untags it
// anyway (its layers stay while the container exists), except under a running one.
Status image_rm(const std::string& pier_root, const std::vector<std::string>& names, bool force,
                const std::vector<ImageUse>& in_use, std::FILE* out);

// Frees what no name refers to (dangling content); with `all`, untags every image no
// container uses first, as `docker image prune -a` does.
Status image_prune(const std::string& pier_root, bool all, const std::vector<ImageUse>& in_use, std::FILE* out);

}  // namespace pier::app::images
