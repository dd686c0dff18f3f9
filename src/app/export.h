// `pier export`: a running container's own filesystem as a tar (image/archive/tree_tar.h
// over container_root.h), as `docker export` writes it: what is mounted in the container
// (volumes, bind-mounted files, /proc, /sys, /dev's content) is left out.
#pragma once

#include <string>

#include "base/result.h"
#include "state/container_record.h"

namespace pier::app {

// `output` empty: stdout, refused when it is a terminal (as Docker refuses).
Status export_container(const state::ContainerRecord& record, const std::string& output);

}  // namespace pier::app
