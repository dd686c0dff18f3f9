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
#include "supervisor/container_driver.h"
#include "supervisor/control/protocol.h"
#include "supervisor/control/server.h"
#include "supervisor/network_driver.h"
#include "supervisor/networking.h"
#include "supervisor/project_source.h"
#include "supervisor/up_host.h"
#include "supervisor/worker_pool.h"

namespace pier::supervisor {

// What a supervisor runs containers and networks with: the real ones (runtime::,
// Networking) unless a test gives fakes.
struct SupervisorDrivers {
  std::unique_ptr<ContainerDriver> containers;
  std::unique_ptr<NetworkDriver> network;
  int worker_threads = 4;  // 0: blocking work runs inline (tests on the fake loop)
};

class UpRun;

// The host of the project's containers and `up` runs (UpHost, ContainerHost): they
// call back through those interfaces only, never into the rest of this class (the
// overrides are private: only the interfaces reach them).
class Supervisor final : public UpHost {
 public:
  Supervisor(event::Loop& loop, state::ProjectPaths paths);
  Supervisor(event::Loop& loop, state::ProjectPaths paths, SupervisorDrivers drivers);
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
  // Called when the last command in progress is done while containers still run: the
  // process may give back what the command used (memory_release.h). It runs on a worker,
  // not the loop thread: giving back may wait in the kernel (closing the nftables socket
  // waits out an RCU grace period), while the loop has requests and exits to answer.
  void set_on_settled(std::function<void()> fn) { on_settled_ = std::move(fn); }

 private:
  // ContainerHost (loop thread).
  event::Loop& loop() override { return loop_; }
  WorkerPool& workers() override { return workers_; }
  ContainerDriver& driver() override { return *driver_; }
  const state::ProjectPaths& paths() const override { return paths_; }
  const state::RecordStore& records() const override { return records_; }
  Result<std::unique_ptr<NetworkDriver::PendingAttach>> prepare_network(const std::string& container) override;
  void finish_network(const std::string& container, NetworkDriver::PendingAttach& pending,
                      const std::optional<NetworkDriver::Attached>& attached) override;
  void release_network(const std::string& container) override;
  Status publish_ports(ManagedContainer& container) override;
  Result<pid_t> running_pid_of(const std::string& mode) const override;
  void container_changed(ManagedContainer& container) override;
  // UpHost.
  const LoadedProject& project() const override { return *project_; }
  const image::Store& images() const override { return *images_; }
  NetworkDriver& network() override { return networking_; }
  bool has_container(const std::string& name) const override { return containers_.count(name) > 0; }
  void add_container(std::unique_ptr<ManagedContainer> container) override;
  void run_began() override { busy_++; }
  void run_pre_start(const compose::Service& service, std::function<void(Status)> done) override;
  void run_ended() override;

  // Loads the project `source` names and opens the image store.
  Status take_project(const ProjectSource& source);
  // Requests.
  void up(const control::UpRequest& request, control::Reply reply);
  void run(const control::RunRequest& request, control::Reply reply);
  // Step `index` of `service`'s pre_start, then those after it (supervisor_pre_start.cpp).
  void run_pre_start_step(std::shared_ptr<const compose::Service> service, size_t index,
                          std::function<void(Status)> done);
  // The pre_start steps due (pre_start.h) of the services of `wave`, one service after
  // another, before `start` or `restart` starts the wave.
  void run_pre_start_due(std::vector<ManagedContainer*> wave, std::function<void(Status)> done);
  void start_oneoff(compose::Service service, const control::RunRequest& request, control::Reply reply,
                    std::shared_ptr<std::vector<UniqueFd>> stdio);
  void stop(const control::StopRequest& request, control::Reply reply);
  void start(const control::StartRequest& request, control::Reply reply);
  void restart(const control::RestartRequest& request, control::Reply reply);
  void down(const control::DownRequest& request, control::Reply reply);
  void remove(const control::RemoveRequest& request, control::Reply reply);
  void simple(const control::SignalRequest& request, control::Reply reply);  // kill, pause, unpause
  void subscribe(control::Reply reply);
  void attach(const control::AttachRequest& request, control::Reply reply);

  // Containers of `services` (all when empty).
  std::vector<ManagedContainer*> select(const std::vector<std::string>& services) const override;
  // The service containers of `services` (all when empty) that start, stop and restart
  // act on: never `run` one-offs, as Compose.
  std::vector<ManagedContainer*> select_services(const std::vector<std::string>& services) const;
  std::vector<std::string> with_restart_dependents(std::vector<std::string> services) const;
  // `services` and, transitively, what they depend on (start starts those too).
  std::vector<std::string> with_dependencies(std::vector<std::string> services) const;
  // Starts `targets` wave by wave (a dependency is up before what depends on it);
  // `done` gets the first error. `announce`: a "Starting" line before each (restart
  // has printed "Restarting" instead).
  void start_in_waves(std::vector<ManagedContainer*> targets, bool announce, control::Reply reply,
                      std::function<void(Status)> done);
  // `services` and, transitively, what depends on them (`down SERVICE`).
  std::vector<std::string> with_dependents(std::vector<std::string> services) const;
  // The request's containers: `containers` by name, else its `services`.
  std::vector<ManagedContainer*> select_for(const control::SignalRequest& request) const;
  // stop_in_waves (stop_waves.h) over this project; `done` gets the first error (a
  // stop whose record could not be written).
  void stop_in_order(std::vector<ManagedContainer*> targets, std::optional<std::chrono::milliseconds> grace,
                     std::function<void(Status)> done, control::Reply reply, const char* verb);
  void remove_containers(std::vector<ManagedContainer*> targets, std::function<void(Status)> done,
                         control::Reply reply) override;
  void stop_containers(std::vector<ManagedContainer*> targets, std::function<void(Status)> done,
                       control::Reply reply) override {
    stop_in_order(std::move(targets), std::nullopt, std::move(done), std::move(reply), "Stopp");
  }
  // The containers whose record no longer parses (all, or those named in `only`):
  // destroyed by their kernel names (the file's name is the container's), then the file.
  void remove_unreadable(control::Reply reply, std::optional<std::set<std::string>> only,
                         std::function<void(Status)> done) override;
  Result<plan::ServicePlan> plan_for(const compose::Service& service, const state::ContainerRecord& record,
                                 const image::ResolvedImage& image) override;
  Result<pid_t> find_pid(const std::string& mode) const;
  // volumes_from (volume_sources.cpp): the volume mounts of the container `source` names.
  Result<std::vector<runtime::BindMount>> volumes_of(const std::string& source) const;
  // An image mount's image, from the store (up and run pulled it first).
  Result<image::ResolvedImage> mount_image(const std::string& reference) const;
  Result<std::optional<plan::PlanInputs::HeldNamespaces>> held_namespaces_of(const std::string& mode);
  void emit(const ManagedContainer& c, const std::string& action);
  void check_idle();
  void containers_changed() { by_service_valid_ = false; }
  Status save_source(const ProjectSource& source);

  event::Loop& loop_;
  state::ProjectPaths paths_;
  state::RecordStore records_;
  // Before workers_: a worker's last task may still use a driver.
  std::unique_ptr<ContainerDriver> driver_;
  std::unique_ptr<NetworkDriver> network_driver_;
  NetworkDriver& networking_;
  WorkerPool workers_;
  std::optional<image::Store> images_;
  std::optional<LoadedProject> project_;
  std::map<std::string, std::unique_ptr<ManagedContainer>> containers_;
  // containers_ by service, for select(): rebuilt after containers_ changes
  // (containers_changed()); `up` selects per service and per event, which over every
  // container was quadratic in the number of containers.
  mutable std::multimap<std::string, ManagedContainer*> by_service_;
  mutable bool by_service_valid_ = false;
  std::map<std::string, NetworkPlan> network_plans_;  // by container
  std::vector<std::unique_ptr<UpRun>> runs_;
  std::vector<control::Reply> subscribers_;
  std::map<std::string, state::ContainerState> last_state_;  // for event actions
  int busy_ = 0;
  // `down`s in progress, and the `up`/`run` requests that came meanwhile: they run once
  // the last down is done (a later `down` cancels them), so the project ends as the last
  // command said.
  int downs_ = 0;
  std::vector<std::pair<control::Request, control::Reply>> after_down_;  // requests in progress
  std::function<void()> on_idle_;
  std::function<void()> on_settled_;
};

}  // namespace pier::supervisor
