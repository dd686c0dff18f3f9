// The project's supervisor: owns every container of one Compose project on one loop,
// applies `up` (images, networks, create/recreate, dependency-gated start in waves),
// stops in reverse dependency order, broadcasts container events, and answers the
// CLI over the control socket. A new supervisor adopts what a crashed one left.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "compose/model.h"
#include "event/loop.h"
#include "image/store/store.h"
#include "state/container_record.h"
#include "state/paths.h"
#include "supervisor/container.h"
#include "supervisor/control/protocol.h"
#include "supervisor/control/server.h"
#include "supervisor/networking.h"
#include "supervisor/project_source.h"
#include "supervisor/worker_pool.h"

namespace pier::supervisor {

using UpOptions = control::UpOptions;

class UpRun;

class Supervisor {
 public:
  Supervisor(event::Loop& loop, state::ProjectPaths paths);
  ~Supervisor();

  // Reads the records: running containers are adopted, dead ones marked exited, and
  // restart policies applied as after a daemon restart (`always` comes back,
  // `unless-stopped` only if it was not stopped by the user). A record that does not
  // parse is skipped with a warning; `up` replaces its container and `down` removes it.
  Status recover();
  void handle(const control::Request& request, control::Reply reply);
  // Nothing to supervise and nothing in progress: the process may exit.
  bool idle() const;
  void set_on_idle(std::function<void()> fn) { on_idle_ = std::move(fn); }

  // For ManagedContainer (loop thread).
  event::Loop& loop() { return loop_; }
  WorkerPool& workers() { return workers_; }
  const state::ProjectPaths& paths() const { return paths_; }
  const state::RecordStore& records() const { return records_; }
  Status attach_network(const std::string& container, pid_t pid);
  void release_network(const std::string& container);
  Status publish_ports(ManagedContainer& container);
  // The pid of a process in the running container `service:x` / `container:x` names.
  Result<pid_t> running_pid_of(const std::string& mode) const;
  void container_changed(ManagedContainer& container);

 private:
  friend class UpRun;
  // Loads the project `source` names and opens the image store.
  Status take_project(const ProjectSource& source);
  // Requests.
  void up(const control::UpRequest& request, control::Reply reply);
  void run(const control::RunRequest& request, control::Reply reply);
  void start_oneoff(compose::Service service, const control::RunRequest& request, control::Reply reply,
                    std::shared_ptr<std::vector<UniqueFd>> stdio);
  void stop(const control::StopRequest& request, control::Reply reply);
  void start(const control::StartRequest& request, control::Reply reply);
  void restart(const control::RestartRequest& request, control::Reply reply);
  void down(const control::DownRequest& request, control::Reply reply);
  void remove(const control::RemoveRequest& request, control::Reply reply);
  void simple(const control::SignalRequest& request, control::Reply reply);  // kill, pause, unpause
  void subscribe(control::Reply reply);

  // Containers of `services` (all when empty).
  std::vector<ManagedContainer*> select(const std::vector<std::string>& services) const;
  std::vector<std::string> with_restart_dependents(std::vector<std::string> services) const;
  // The request's containers: `containers` by name, else its `services`.
  std::vector<ManagedContainer*> select_for(const control::SignalRequest& request) const;
  // Stops `targets` wave by wave in reverse dependency order, each wave in parallel.
  void stop_in_order(std::vector<ManagedContainer*> targets, std::optional<std::chrono::milliseconds> grace,
                     std::function<void()> done, control::Reply reply, const char* verb);
  void remove_containers(std::vector<ManagedContainer*> targets, std::function<void(Status)> done,
                         control::Reply reply);
  // The containers whose record no longer parses (all, or those named in `only`):
  // destroyed by their kernel names (the file's name is the container's), then the file.
  void remove_unreadable(control::Reply reply, std::optional<std::set<std::string>> only,
                         std::function<void(Status)> done);
  Result<ContainerPlan> plan_for(const compose::Service& service, const state::ContainerRecord& record,
                                 const image::ResolvedImage& image);
  Result<pid_t> find_pid(const std::string& mode) const;
  Result<std::optional<PlanInputs::HeldNamespaces>> held_namespaces_of(const std::string& mode);
  void emit(const ManagedContainer& c, const std::string& action);
  void check_idle();
  Status save_source(const ProjectSource& source);

  event::Loop& loop_;
  state::ProjectPaths paths_;
  state::RecordStore records_;
  WorkerPool workers_;
  Networking networking_;
  std::optional<image::Store> images_;
  std::optional<LoadedProject> project_;
  std::map<std::string, std::unique_ptr<ManagedContainer>> containers_;
  std::map<std::string, NetworkPlan> network_plans_;  // by container
  std::vector<std::unique_ptr<UpRun>> runs_;
  std::vector<control::Reply> subscribers_;
  std::map<std::string, state::ContainerState> last_state_;  // for event actions
  int busy_ = 0;  // requests in progress
  std::function<void()> on_idle_;
};

}  // namespace pier::supervisor
