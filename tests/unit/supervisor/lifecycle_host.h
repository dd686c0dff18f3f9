// Test doubles for the supervisor's lifecycle on the fake loop: a ContainerDriver and
// a NetworkDriver that record what they are asked and never touch the kernel, and a
// host (UpHost) that owns containers the way the Supervisor does. Blocking work runs
// inline (a WorkerPool of no threads), time is the fake loop's, and the test decides
// when a container or a health probe exits. No root, no sleeps.
#pragma once

#include <sys/eventfd.h>

#include <signal.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/atomic_file.h"
#include "event/fake/fake_loop.h"
#include "image/archive/import.h"
#include "image/store/store.h"
#include "state/paths.h"
#include "supervisor/container.h"
#include "supervisor/join.h"
#include "supervisor/naming.h"
#include "supervisor/network_driver.h"
#include "supervisor/stop_waves.h"
#include "supervisor/up_host.h"
#include "supervisor/up_run.h"
#include "supervisor/worker_pool.h"
#include "unit/compose/model/helpers.h"
#include "unit/image/tar_builder.h"
#include "unit/image/temp_dir.h"

namespace pier::supervisor::test {

using namespace std::chrono_literals;

// Pids above the kernel's largest pid_max (2^22): a kill(2) that reached the host by
// mistake could only fail with ESRCH.
inline constexpr pid_t kFirstFakePid = 5'000'000;

class FakeContainerDriver final : public ContainerDriver {
 public:
  struct Signal {
    std::string container;
    int signum;
    event::Clock::time_point at;
  };
  struct Process {
    std::string container;
    pid_t pid = 0;
    int pidfd = -1;
    bool exited = false;
  };

  explicit FakeContainerDriver(event::FakeLoop& loop) : loop_(loop) {}

  Result<runtime::Container> spawn(const runtime::ContainerSpec& spec, const runtime::SpawnOptions&) override {
    spawns.push_back({spec.name, loop_.now()});
    if (fail_spawn.count(spec.name)) return Error("spawn " + spec.name + ": refused by the test");
    runtime::Container c;
    c.project = spec.project;
    c.name = spec.name;
    c.state_dir = spec.state_dir;
    c.cgroup = "pier/" + spec.project + "/" + spec.name;
    c.pidfd = new_process(spec.name, c.pid, inits_);
    return c;
  }
  Result<runtime::ExecHandle> exec(const runtime::Container& container, const runtime::Process&) override {
    runtime::ExecHandle handle;
    handle.pidfd = new_process(container.name, handle.pid, probes_);
    return handle;
  }
  Result<int> wait(int pidfd) override {
    auto it = codes_.find(pidfd);
    return it == codes_.end() ? 0 : it->second;
  }
  Status kill(const runtime::Container& container, int signum) override {
    signals.push_back({container.name, signum, loop_.now()});
    // A container that obeys the signal exits on the next loop turn, as a real one would.
    if (signum == SIGKILL || obeys.count(container.name)) {
      int fd = container.pidfd.get();
      loop_.post([this, fd, signum] { exit_pidfd(fd, 128 + signum); });
    }
    return {};
  }
  Status pause(const runtime::Container& c) override {
    calls.push_back("pause " + c.name);
    return {};
  }
  Status resume(const runtime::Container& c) override {
    calls.push_back("resume " + c.name);
    return {};
  }
  Result<runtime::CgroupStats> stats(const runtime::Container&) override { return runtime::CgroupStats{}; }
  Status destroy(const std::string&, const std::string& name, const std::string&) override {
    calls.push_back("destroy " + name);
    return {};
  }
  Status remove(const state::ProjectPaths&, const std::string& name, const std::string&) override {
    calls.push_back("remove " + name);
    return {};
  }
  void release_project(const std::string& project) override { calls.push_back("release_project " + project); }
  bool alive(pid_t pid, uint64_t) override { return alive_pids.count(pid) > 0; }
  UniqueFd open_pidfd(pid_t pid) override {
    UniqueFd fd(::eventfd(0, EFD_CLOEXEC));
    inits_.push_back({"<adopted>", pid, fd.get()});
    return fd;
  }

  // The container's init (its latest run) exits with `code`.
  void exit(const std::string& container, int code) {
    for (auto it = inits_.rbegin(); it != inits_.rend(); ++it)
      if (it->container == container && !it->exited) return exit_pidfd(it->pidfd, code);
    throw std::runtime_error("no live process of " + container);
  }
  // The adopted process `pid` exits with `code`.
  void exit_pid(pid_t pid, int code) {
    for (auto& p : inits_)
      if (p.pid == pid && !p.exited) return exit_pidfd(p.pidfd, code);
    throw std::runtime_error("no live process " + std::to_string(pid));
  }
  // The oldest running health probe of `container` exits with `code`.
  void answer_probe(const std::string& container, int code) {
    for (auto& p : probes_)
      if (p.container == container && !p.exited) return exit_pidfd(p.pidfd, code);
    throw std::runtime_error("no health probe of " + container + " is running");
  }
  size_t probes_of(const std::string& container) const {
    return std::count_if(probes_.begin(), probes_.end(), [&](const Process& p) { return p.container == container; });
  }
  size_t spawns_of(const std::string& container) const {
    return std::count_if(spawns.begin(), spawns.end(), [&](const auto& s) { return s.first == container; });
  }
  std::vector<Signal> signals_to(const std::string& container) const {
    std::vector<Signal> out;
    for (const auto& s : signals)
      if (s.container == container) out.push_back(s);
    return out;
  }

  std::vector<std::pair<std::string, event::Clock::time_point>> spawns;
  std::vector<Signal> signals;
  std::vector<std::string> calls;
  std::set<std::string> fail_spawn;  // containers whose spawn fails
  std::set<std::string> obeys;       // containers that exit on their stop signal
  std::set<pid_t> alive_pids;        // what `alive` says after a crash

 private:
  UniqueFd new_process(const std::string& container, pid_t& pid, std::vector<Process>& into) {
    UniqueFd fd(::eventfd(0, EFD_CLOEXEC));
    pid = next_pid_++;
    into.push_back({container, pid, fd.get()});
    return fd;
  }
  void exit_pidfd(int fd, int code) {
    for (auto* list : {&inits_, &probes_})
      for (auto& p : *list)
        if (p.pidfd == fd && !p.exited) {
          p.exited = true;
          codes_[fd] = code;
          loop_.exit_process(fd);
          return;
        }
  }

  event::FakeLoop& loop_;
  pid_t next_pid_ = kFirstFakePid;
  std::vector<Process> inits_, probes_;
  std::map<int, int> codes_;
};

class FakeNetworkDriver final : public NetworkDriver {
 public:
  Result<std::vector<std::string>> ensure_networks(const compose::Project&, const std::vector<std::string>& services,
                                                   OnChange) override {
    for (const auto& s : services) calls.push_back("ensure " + s);
    return changed;
  }
  Status recreate_network(const compose::Project&, const std::string& network) override {
    calls.push_back("recreate " + network);
    return {};
  }
  struct FakeAttach final : PendingAttach {
    Result<Attached> apply(pid_t) override { return Attached{}; }
    std::string container;
  };
  Result<std::unique_ptr<PendingAttach>> prepare_attach(const std::string& container, const NetworkPlan&) override {
    calls.push_back("prepare attach " + container);
    auto pending = std::make_unique<FakeAttach>();
    pending->container = container;
    return std::unique_ptr<PendingAttach>(std::move(pending));
  }
  void finish_attach(PendingAttach& pending, bool applied) override {
    calls.push_back(std::string(applied ? "attached " : "abandoned ") + static_cast<FakeAttach&>(pending).container);
  }
  Status adopt(const std::string& container, const std::vector<state::EndpointRecord>&, const NetworkPlan&) override {
    calls.push_back("adopt " + container);
    return {};
  }
  Result<std::vector<state::PublishedPort>> publish(const std::string& container, const std::string&, int,
                                                    const NetworkPlan&,
                                                    const std::vector<state::EndpointRecord>&) override {
    calls.push_back("publish " + container);
    return std::vector<state::PublishedPort>{};
  }
  void release(const std::string& container) override { calls.push_back("release " + container); }
  Result<plan::PlanInputs::HeldNamespaces> hold_namespaces(const std::string&) override {
    return plan::PlanInputs::HeldNamespaces{};
  }
  Status teardown() override {
    calls.push_back("teardown");
    return {};
  }
  std::vector<std::string> calls;
  std::vector<std::string> changed;  // what ensure_networks reports as changed
};

// A temp root with busybox imported into its image store, as `pier` would have it.
inline image::Store store_with_busybox(const pier::test::TempDir& tmp) {
  auto store = image::Store::open(tmp.path());
  if (!store) throw std::runtime_error(store.error().to_string());
  std::string tar = tmp / "rootfs.tar";
  if (auto st = write_file_atomic(tar, pier::test::TarBuilder().dir("bin").finish()); !st)
    throw std::runtime_error(st.error().to_string());
  image::ImportOptions options;
  options.changes = {"CMD [\"sh\"]"};
  if (auto rec = image::import_rootfs(*store, tar, "busybox", options); !rec)
    throw std::runtime_error(rec.error().to_string());
  return std::move(*store);
}

// Owns the project's containers as the Supervisor does; what changed is kept in
// `history` ("name state health").
class TestHost final : public UpHost {
 public:
  explicit TestHost(const std::string& yaml)
      : paths_(state::project_paths(tmp_.path(), "proj").value()),
        records_(paths_.records_dir()),
        store_(store_with_busybox(tmp_)),
        driver_(fake_loop),
        workers_(fake_loop, 0) {
    auto project = compose::test::normalize(yaml, {}, tmp_.path());
    if (!project) throw std::runtime_error(project.error().to_string());
    loaded_.project = std::move(*project);
    loaded_.tree.environment = {{"HOME", "/home/user"}};
  }
  ~TestHost() {
    containers_.clear();
    fake_loop.run_pending();
  }

  FakeContainerDriver& fake() { return driver_; }
  FakeNetworkDriver& fake_network() { return network_; }

  // ContainerHost.
  event::Loop& loop() override { return loop_; }
  WorkerPool& workers() override { return workers_; }
  ContainerDriver& driver() override { return driver_; }
  const state::ProjectPaths& paths() const override { return paths_; }
  const state::RecordStore& records() const override { return records_; }
  Result<std::unique_ptr<NetworkDriver::PendingAttach>> prepare_network(const std::string& container) override {
    return network_.prepare_attach(container, NetworkPlan{});
  }
  void finish_network(const std::string&, NetworkDriver::PendingAttach& pending,
                      const std::optional<NetworkDriver::Attached>& attached) override {
    network_.finish_attach(pending, attached.has_value());
  }
  void release_network(const std::string& container) override { network_.release(container); }
  Status publish_ports(ManagedContainer&) override { return {}; }
  Result<pid_t> running_pid_of(const std::string& mode) const override {
    for (const auto& [name, c] : containers_)
      if (mode == "service:" + c->service() && c->pid() > 0) return c->pid();
    return Error("no running container for `" + mode + "`");
  }
  void container_changed(ManagedContainer& c) override {
    history.push_back(c.name() + " " + state::to_string(c.state()) + (c.record().health.empty() ? "" : " " + c.record().health));
    for (auto* run : runs) run->evaluate();
  }

  // UpHost.
  const LoadedProject& project() const override { return loaded_; }
  const image::Store& images() const override { return store_; }
  NetworkDriver& network() override { return network_; }
  Result<plan::ServicePlan> plan_for(const compose::Service& service, const state::ContainerRecord& record,
                                 const image::ResolvedImage& image) override {
    plan::PlanInputs in;
    in.project = &loaded_.project;
    in.service = &service;
    in.image = &image;
    in.id = plan::ContainerIdentity{record.project, record.service, record.name, record.id, record.number, record.oneoff};
    in.paths = paths_;
    in.config_hash = record.config_hash;
    in.environment = &loaded_.tree.environment;
    in.find_pid = [](const std::string&) -> Result<pid_t> { return pid_t{0}; };
    return plan_container(in);
  }
  std::vector<ManagedContainer*> select(const std::vector<std::string>& services) const override {
    std::vector<ManagedContainer*> out;
    for (const auto& [name, c] : containers_)
      if (services.empty() || std::find(services.begin(), services.end(), c->service()) != services.end())
        out.push_back(c.get());
    std::sort(out.begin(), out.end(), [](auto* a, auto* b) {
      return a->service() != b->service() ? a->service() < b->service() : a->record().number < b->record().number;
    });
    return out;
  }
  bool has_container(const std::string& name) const override { return containers_.count(name) > 0; }
  void add_container(std::unique_ptr<ManagedContainer> c) override {
    std::string name = c->name();
    containers_[name] = std::move(c);
  }
  void remove_containers(std::vector<ManagedContainer*> targets, std::function<void(Status)> done,
                         control::Reply reply) override {
    if (targets.empty()) return done({});
    stop_in_waves(&loaded_.project, targets, std::nullopt, [this, targets, done, reply](Status) {
      auto join = std::make_shared<Join>();
      join->remaining = static_cast<int>(targets.size());
      join->done = done;
      for (auto* c : targets)
        c->remove([this, join, name = c->name()](Status st) {
          auto node = containers_.extract(name);
          struct Holder : event::DeferredDeletable {
            std::unique_ptr<ManagedContainer> c;
          };
          auto holder = std::make_unique<Holder>();
          holder->c = std::move(node.mapped());
          loop_.defer_delete(std::move(holder));
          join->finish_one(std::move(st));
        });
    }, reply, "Stopp");
  }
  void stop_containers(std::vector<ManagedContainer*> targets, std::function<void(Status)> done,
                       control::Reply reply) override {
    stop_in_waves(&loaded_.project, std::move(targets), std::nullopt, std::move(done), std::move(reply), "Stopp");
  }
  void remove_unreadable(control::Reply, std::optional<std::set<std::string>>,
                         std::function<void(Status)> done) override {
    done({});
  }
  // No runtime for step containers here: a service with steps fails its start.
  void run_pre_start(const compose::Service& service, std::function<void(Status)> done) override {
    done(Error("service " + service.name + ": pre_start steps need the supervisor's runtime"));
  }
  void run_began() override { ++runs_in_progress; }
  void run_ended() override { --runs_in_progress; }

  // A container of `service` (replica `number`), created as `up` creates it.
  ManagedContainer& create(const std::string& service, int number = 1) {
    const auto& s = *loaded_.project.find_service(service);
    std::string name = container_name(loaded_.project, s, number);
    auto record = new_record(loaded_.project, s, number, name, paths_).value();
    auto image = store_.resolve("busybox").value();
    auto plan = plan_for(s, record, image).value();
    auto c = std::make_unique<ManagedContainer>(*this, record, std::move(plan));
    if (auto st = c->persist_created(); !st) throw std::runtime_error(st.error().to_string());
    auto* raw = c.get();
    containers_[name] = std::move(c);
    return *raw;
  }
  ManagedContainer& get(const std::string& name) { return *containers_.at(name); }

  event::FakeLoop fake_loop;
  std::vector<std::string> history;
  std::vector<UpRun*> runs;
  int runs_in_progress = 0;

 private:
  pier::test::TempDir tmp_;
  event::FakeLoop& loop_ = fake_loop;
  state::ProjectPaths paths_;
  state::RecordStore records_;
  image::Store store_;
  LoadedProject loaded_;
  FakeContainerDriver driver_;
  FakeNetworkDriver network_;
  WorkerPool workers_;
  std::map<std::string, std::unique_ptr<ManagedContainer>> containers_;
};

// Records what a Done callback got.
struct Outcome {
  bool called = false;
  std::optional<Error> error;
  ManagedContainer::Done callback() {
    return [this](Status st) {
      called = true;
      if (!st) error = st.error();
    };
  }
};

}  // namespace pier::supervisor::test
