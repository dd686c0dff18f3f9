// What a ManagedContainer needs of whoever owns it: the loop and workers it runs on,
// the runtime behind a driver, where its record goes, its networking, and someone to
// tell when it changed. The Supervisor is the host in pier; the unit tests give a host
// of their own (fake loop, fake drivers), so a container's life is tested without root.
// Every call is on the loop thread.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>

#include "base/result.h"
#include "event/loop.h"
#include "state/container_record.h"
#include "state/paths.h"
#include "supervisor/container_driver.h"
#include "supervisor/network_driver.h"

namespace pier::supervisor {

class ManagedContainer;
class WorkerPool;

class ContainerHost {
 public:
  virtual event::Loop& loop() = 0;
  virtual WorkerPool& workers() = 0;
  virtual ContainerDriver& driver() = 0;
  virtual const state::ProjectPaths& paths() const = 0;
  virtual const state::RecordStore& records() const = 0;
  // A starting container's network attach (NetworkDriver::prepare_attach): prepared
  // here, applied by the worker that starts it, then finished here with what it gave
  // (none when it was not applied): the endpoints go into the container's record.
  virtual Result<std::unique_ptr<NetworkDriver::PendingAttach>> prepare_network(const std::string& container) = 0;
  virtual void finish_network(const std::string& container, NetworkDriver::PendingAttach& pending,
                              const std::optional<NetworkDriver::Attached>& attached) = 0;
  virtual void release_network(const std::string& container) = 0;
  virtual Status publish_ports(ManagedContainer& container) = 0;
  // The pid of a process in the running container `service:x` / `container:x` names.
  virtual Result<pid_t> running_pid_of(const std::string& mode) const = 0;
  // Its state or health changed (events, `up` runs waiting on it).
  virtual void container_changed(ManagedContainer& container) = 0;

 protected:
  ~ContainerHost() = default;
};

}  // namespace pier::supervisor
