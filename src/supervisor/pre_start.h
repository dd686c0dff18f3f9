// When a service's pre_start steps run: before a container of it starts, unless they
// already succeeded, as written now, for one of its containers (a recreate makes new
// containers, so they run again; a restart policy's restart never asks).
#pragma once

#include <vector>

#include "compose/model.h"
#include "supervisor/container.h"

namespace pier::supervisor {

// `containers`: the service's own (one-offs are skipped).
bool pre_start_due(const compose::Service& service, const std::vector<ManagedContainer*>& containers);
// After its steps succeeded: each of `containers` records them (compose::pre_start_hash).
void mark_pre_start_done(const compose::Service& service, const std::vector<ManagedContainer*>& containers);

}  // namespace pier::supervisor
