// `pier export`: a container's own filesystem as a tar (image/archive/tree_tar.h over
// container_root.h), as `docker export` writes it: what is mounted in a running
// container (volumes, bind-mounted files, /proc, /sys, /dev's content) is left out; a
// stopped one's is its image's layers under its writable layer.
#pragma once

#include <string>

#include "base/result.h"
#include "state/container_record.h"

namespace pier::app {

// `output` empty: stdout, refused when it is a terminal (as Docker refuses).
// `pier_root` holds a stopped container's image layers.
Status export_container(const std::string& pier_root, const state::ContainerRecord& record, const std::string& output);

}  // namespace pier::app
