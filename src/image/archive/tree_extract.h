// A tar stream unpacked into a directory, for `pier cp`: members are created through
// LayerWriter (each parent resolved with openat2 RESOLVE_IN_ROOT from the destination
// directory, the member itself with *at() calls), so a link in the destination or in the
// stream never leads out of it. `.wh.` names are plain names here, not whiteouts.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace pier::image {

struct ExtractOptions {
  // Every member's owner; none: the archive's (`cp -a`).
  std::optional<std::pair<uid_t, gid_t>> owner;
  // The destination is the host and the stream came from a container: device nodes are
  // left out (host root would make a node a container chose, e.g. the host's disk, for
  // whoever can reach the destination) and setuid/setgid bits are dropped (the files
  // belong to the user who copied them).
  bool onto_host = false;
};

// Reads the tar on `tar_fd` (plain, gzip or zstd) to its end, unpacking it into
// `destination` (an O_PATH directory fd); `what` names the stream and `where` the
// destination in errors. Returns the names of the members left out.
Result<std::vector<std::string>> extract_tar(int tar_fd, const std::string& what, UniqueFd destination,
                                             const std::string& where, const ExtractOptions& options);

}  // namespace pier::image
