// A managed container's life as one table (youki's ContainerStatus): each state, what
// its record says meanwhile (`ps`, events, a new supervisor read that), and where it
// may go next. ManagedContainer changes state only through this table; a move the
// table does not allow is an error naming both states, never a silent no-op.
//
// The usual path: created -> starting -> running -> stopping -> exited, with paused
// beside running, and restarting (the backoff before the next start) when a container
// exits and its restart policy brings it back.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "base/result.h"
#include "state/container_record.h"

namespace pier::supervisor {

enum class Lifecycle { created, starting, running, paused, stopping, exited, restarting, removing };

struct LifecycleRow {
  Lifecycle state;
  const char* name;
  // What the record says in this state; none while starting or stopping, where the
  // record keeps the state the move began from (so `ps` shows a stopping container
  // as running until it exits, as Docker does).
  std::optional<state::ContainerState> recorded;
  unsigned next;  // bit(s) of the states it may move to
};

constexpr unsigned bit(Lifecycle s) { return 1u << static_cast<unsigned>(s); }

// Removal is allowed from every state: `down` must always be able to remove, and
// ManagedContainer::remove stops the container first. `removing` to itself: two
// `down`s at once both finish.
inline constexpr LifecycleRow kLifecycle[] = {
    {Lifecycle::created, "created", state::ContainerState::created,
     bit(Lifecycle::starting) | bit(Lifecycle::removing)},
    {Lifecycle::starting, "starting", std::nullopt,
     bit(Lifecycle::running) | bit(Lifecycle::exited) | bit(Lifecycle::stopping) | bit(Lifecycle::removing)},
    {Lifecycle::running, "running", state::ContainerState::running,
     bit(Lifecycle::paused) | bit(Lifecycle::stopping) | bit(Lifecycle::exited) | bit(Lifecycle::restarting) |
         bit(Lifecycle::removing)},
    {Lifecycle::paused, "paused", state::ContainerState::paused,
     bit(Lifecycle::paused) | bit(Lifecycle::running) | bit(Lifecycle::stopping) | bit(Lifecycle::exited) |
         bit(Lifecycle::restarting) | bit(Lifecycle::removing)},
    {Lifecycle::stopping, "stopping", std::nullopt, bit(Lifecycle::exited) | bit(Lifecycle::removing)},
    {Lifecycle::exited, "exited", state::ContainerState::exited, bit(Lifecycle::starting) | bit(Lifecycle::removing)},
    {Lifecycle::restarting, "restarting", state::ContainerState::restarting,
     bit(Lifecycle::starting) | bit(Lifecycle::exited) | bit(Lifecycle::removing)},
    {Lifecycle::removing, "removing", state::ContainerState::removing, bit(Lifecycle::removing)},
};

const LifecycleRow& row_of(Lifecycle state);
inline const char* to_string(Lifecycle state) { return row_of(state).name; }
inline bool can_move(Lifecycle from, Lifecycle to) { return (row_of(from).next & bit(to)) != 0; }
// The error for a move the table refuses: "container x: cannot go from exited to paused".
Status check_move(const std::string& container, Lifecycle from, Lifecycle to);

// The state of a container read back from its record (a new supervisor after a crash).
// A removal the crash interrupted left an exited container.
Lifecycle lifecycle_of(state::ContainerState recorded);

// The guards the requests ask.
inline bool can_start(Lifecycle s) { return can_move(s, Lifecycle::starting); }
inline bool can_pause(Lifecycle s) { return can_move(s, Lifecycle::paused); }
inline bool can_unpause(Lifecycle s) { return s == Lifecycle::paused; }
// Something to stop: a process, a start in flight, or a restart waiting for its backoff.
inline bool can_stop(Lifecycle s) {
  return s == Lifecycle::starting || s == Lifecycle::running || s == Lifecycle::paused ||
         s == Lifecycle::stopping || s == Lifecycle::restarting;
}

// A service's start within one `up` run (UpRun): pending until its depends_on
// conditions hold, starting while its containers start, started once each has. The
// same run never starts a service twice.
enum class ServiceStart { pending, starting, started };

inline constexpr std::pair<ServiceStart, ServiceStart> kServiceStartMoves[] = {
    {ServiceStart::pending, ServiceStart::starting},
    {ServiceStart::starting, ServiceStart::started},
};

const char* to_string(ServiceStart state);
constexpr bool can_move(ServiceStart from, ServiceStart to) {
  for (const auto& [a, b] : kServiceStartMoves)
    if (a == from && b == to) return true;
  return false;
}
constexpr bool can_start(ServiceStart s) { return can_move(s, ServiceStart::starting); }

}  // namespace pier::supervisor
