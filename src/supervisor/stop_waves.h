// The order of a stop: wave by wave in reverse dependency order (dependents stop
// before what they depend on), each wave in parallel; containers of services the
// project no longer has (or all, without a project) go first. `stop`, `restart`, `down`
// and the removals of `up` use it.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <vector>

#include "compose/model.h"
#include "supervisor/container.h"
#include "supervisor/control/server.h"

namespace pier::supervisor {

// Each container that is running, starting or waiting to restart gets `grace` (its
// own stop_grace_period when unset); `done` runs after the last wave, with the first
// error (a stop whose record could not be written). `verb` names
// the progress lines ("Stopp" -> Stopping/Stopped, "Restart" -> Restarting/Restarted).
void stop_in_waves(const compose::Project* project, std::vector<ManagedContainer*> targets,
                   std::optional<std::chrono::milliseconds> grace, std::function<void(Status)> done, control::Reply reply,
                   const char* verb);

}  // namespace pier::supervisor
