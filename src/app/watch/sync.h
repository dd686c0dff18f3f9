// `pier watch`'s sync: host files under a rule's path copied into a running container
// at its target, deletions removed there. The container is hostile: everything written
// inside its root goes through sys/in_root_write.h, so a link it planted at or above a
// target resolves inside the container and is never followed to the host.
#pragma once

#include <set>
#include <string>

#include "base/result.h"
#include "state/container_record.h"

namespace pier::app::watch {

// Copies `host_root`/REL to `target`/REL in `container`'s root for each REL of
// `changed` ("" is `host_root` itself, everything below a directory included), or
// removes `target`/REL when REL is gone on the host. Host symbolic links are skipped:
// what they point at is not the project's. Returns how many entries were written or
// removed.
Result<int> sync_into(const state::ContainerRecord& container, const std::string& host_root,
                      const std::string& target, const std::set<std::string>& changed);

}  // namespace pier::app::watch
