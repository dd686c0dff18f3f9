// `pier cp`: files between a container (running or stopped) and the host, or a tar
// stream on stdin or stdout (`-`), placed by `docker cp`'s rules (copy_paths.h). The source is written
// as a tar (image/archive/tree_tar.h) into a pipe that the destination unpacks
// (image/archive/tree_extract.h). Inside the container every path is resolved in its
// root (container_root.h); on the host, what the container sent cannot leave the
// destination directory, make device nodes or keep setuid/setgid bits.
#pragma once

#include <string>

#include "base/result.h"
#include "state/container_record.h"

namespace pier::app {

struct CopyOptions {
  bool archive = false;      // -a: files copied into a container keep the source's uid/gid
  bool follow_link = false;  // -L: a link at SRC itself is followed
};

// SERVICE:SRC DEST; `dest` "-" writes the tar to stdout. `pier_root` holds a stopped
// container's image layers (container_root.h).
Status copy_from_container(const std::string& pier_root, const state::ContainerRecord& record,
                           const std::string& source, const std::string& dest, const CopyOptions& options);
// SRC SERVICE:DEST; `source` "-" reads a tar from stdin (DEST must be a directory). Into
// a stopped container the files land in its writable layer, seen at its next start.
Status copy_to_container(const std::string& pier_root, const std::string& source,
                         const state::ContainerRecord& record, const std::string& dest, const CopyOptions& options);

}  // namespace pier::app
