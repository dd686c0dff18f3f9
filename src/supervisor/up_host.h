// What an `up` run (UpRun) needs of the project's supervisor, beyond what its
// containers need: the project and image store, planning, the set of containers
// (select, add, remove), and a count of runs in progress (the supervisor exits only
// when idle). The Supervisor is the host in pier; the unit tests give their own.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "compose/model.h"
#include "image/store/store.h"
#include "state/container_record.h"
#include "supervisor/container_host.h"
#include "supervisor/control/server.h"
#include "supervisor/network_driver.h"
#include "plan/plan.h"
#include "supervisor/project_source.h"

namespace pier::supervisor {

class UpHost : public ContainerHost {
 public:
  virtual const LoadedProject& project() const = 0;
  virtual const image::Store& images() const = 0;
  virtual NetworkDriver& network() = 0;
  virtual Result<plan::ServicePlan> plan_for(const compose::Service& service, const state::ContainerRecord& record,
                                         const image::ResolvedImage& image) = 0;
  // Containers of `services` (all when empty), by service then replica number.
  virtual std::vector<ManagedContainer*> select(const std::vector<std::string>& services) const = 0;
  virtual bool has_container(const std::string& name) const = 0;
  virtual void add_container(std::unique_ptr<ManagedContainer> container) = 0;
  // Stops (in reverse dependency order) and removes `targets`.
  virtual void remove_containers(std::vector<ManagedContainer*> targets, std::function<void(Status)> done,
                                 control::Reply reply) = 0;
  // Stops `targets` in reverse dependency order (those not running are skipped).
  virtual void stop_containers(std::vector<ManagedContainer*> targets, std::function<void(Status)> done,
                               control::Reply reply) = 0;
  // The containers whose record no longer parses (all, or those named in `only`).
  virtual void remove_unreadable(control::Reply reply, std::optional<std::set<std::string>> only,
                                 std::function<void(Status)> done) = 0;
  // Runs the service's pre_start steps, each in a container of its own to completion, in
  // order; `done` gets the first failure (naming the step and its status).
  virtual void run_pre_start(const compose::Service& service, std::function<void(Status)> done) = 0;
  // An `up` run began / ended: the supervisor is not idle in between.
  virtual void run_began() = 0;
  virtual void run_ended() = 0;

 protected:
  ~UpHost() = default;
};

}  // namespace pier::supervisor
