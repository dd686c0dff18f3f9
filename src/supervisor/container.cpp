#include "base/clock.h"
#include "supervisor/container.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "base/dirs.h"
#include "base/log.h"
#include "base/scope_exit.h"
#include "state/paths.h"
#include "supervisor/control/console_socket.h"
#include "supervisor/health_probe.h"
#include "supervisor/logs/log_writer.h"
#include "supervisor/worker_pool.h"

namespace pier::supervisor {
namespace {

Status make_fifo(const std::string& path) {
  if (::mkfifo(path.c_str(), 0600) != 0 && errno != EEXIST) return Error::system("create log fifo", path, errno);
  return {};
}

Result<UniqueFd> open_fd(const std::string& path, int flags) {
  UniqueFd fd(::open(path.c_str(), flags | O_CLOEXEC));
  if (!fd) return Error::system("open", path, errno);
  return fd;
}

// Files 0 and 1 of the container are its /etc/hosts and /etc/resolv.conf
// (plan/network.cpp), written before its start with what was known then: rewritten in
// place, the container's bind mounts see the new text.
Status write_network_files(const std::string& scratch_dir, const NetworkDriver::Attached& attached) {
  const std::string dir = scratch_dir + "/files/";
  for (auto [index, text] : {std::pair{0, &attached.hosts}, {1, &attached.resolv_conf}}) {
    std::string path = dir + std::to_string(index);
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) return Error::system("open", path, errno);
    if (::write(fd.get(), text->data(), text->size()) != static_cast<ssize_t>(text->size()))
      return Error::system("write", path, errno);
    if (::ftruncate(fd.get(), static_cast<off_t>(text->size())) != 0) return Error::system("truncate", path, errno);
  }
  return {};
}

// How often a record that could not be written is tried again (space may come back).
constexpr std::chrono::seconds kSaveRetry{1};

}  // namespace

ManagedContainer::ManagedContainer(ContainerHost& host, state::ContainerRecord record, plan::ServicePlan plan)
    : host_(host), record_(std::move(record)), plan_(std::move(plan)), lifecycle_(lifecycle_of(record_.state)) {
  note_mounted_images();
}

void ManagedContainer::replace_plan(plan::ServicePlan plan) {
  plan_ = std::move(plan);
  note_mounted_images();
}

// An adopted container has no plan (an empty list): its record keeps what it mounts.
void ManagedContainer::note_mounted_images() {
  if (!plan_.mounted_image_ids.empty()) record_.mounted_image_ids = plan_.mounted_image_ids;
}

ManagedContainer::~ManagedContainer() { *alive_ = false; }

std::optional<Health> ManagedContainer::health() const {
  if (!health_) return std::nullopt;
  return health_->status();
}

Status ManagedContainer::save() {
  Status st = host_.records().write(record_);
  if (st) {
    if (save_retry_) save_retry_->stop();
    return st;
  }
  // The whole record is written each time, so the next success carries every change
  // made meanwhile.
  if (!save_retry_) save_retry_ = host_.loop().create_timer([this] { retry_save(); });
  if (!save_retry_->active()) {
    log::warn("container {}: {}; retrying every {} s", name(), st.error().to_string(), kSaveRetry.count());
    save_retry_->start(kSaveRetry, kSaveRetry);
  }
  Error e = std::move(st).error().context("container " + name());
  bool full = e.errnum() == ENOSPC || e.errnum() == EDQUOT;
  return std::move(e).hint(std::string(full ? "free space on its filesystem; " : "") +
                           "the supervisor writes it again every second until it succeeds");
}

void ManagedContainer::retry_save() {
  if (host_.records().write(record_)) {
    save_retry_->stop();
    log::info("container {}: its record is written again", name());
  }
}

Status ManagedContainer::move_to(Lifecycle to) {
  PIER_CHECK(check_move(name(), lifecycle_, to));
  lifecycle_ = to;
  const auto& recorded = row_of(to).recorded;
  if (!recorded) return {};
  record_.state = *recorded;
  // A removed container's record goes with it. One that cannot be written fails the
  // command that made the change (save() retries it): the move itself stands.
  Status saved = to == Lifecycle::removing ? Status{} : save();
  host_.container_changed(*this);
  return saved;
}

void ManagedContainer::enter(Lifecycle to) {
  if (auto st = move_to(to); !st) log::error("{}", st.error().to_string());
}

Status ManagedContainer::persist_created() {
  record_.state = state::ContainerState::created;
  if (record_.created_at == 0) record_.created_at = unix_time_ns();
  return save();
}

void ManagedContainer::set_stopped_by_user(bool value) {
  record_.stopped_by_user = value;
  (void)save();
}

void ManagedContainer::set_pre_start_done(const std::string& hash) {
  record_.pre_start_done = hash;
  (void)save();
}

Result<std::optional<ManagedContainer::LogTarget>> ManagedContainer::log_target() const {
  if (log_) return std::optional<LogTarget>();
  PIER_TRY(auto rotation, logs::rotation_from_options(plan_.log_options));
  PIER_TRY(std::string file, host_.paths().log_file(name()));
  return std::optional<LogTarget>(LogTarget{std::move(file), rotation});
}

Status ManagedContainer::open_log_pipes() {
  PIER_TRY(auto target, log_target());
  if (target) {
    PIER_TRY(log_, logs::LogWriter::open(target->path, target->rotation));
  }
  return open_output_fifos();
}

// The container's stdout and stderr are FIFOs in its scratch dir (or its pty). The
// container gets them opened read-write, so it never sees SIGPIPE while no supervisor
// reads (after a crash); the kernel buffers up to a pipe's size meanwhile. Our read
// ends are opened read-write too: a writer of our own, so a read never sees EOF between
// two runs of the container, and one descriptor per stream instead of two (every
// container's start copies and closes each descriptor the supervisor holds).
Status ManagedContainer::open_output_fifos() {
  if (plan_.spec.process.tty) return {};
  // The scratch dir becomes the runtime's state dir (the writable layer): private.
  PIER_CHECK(make_dirs(record_.scratch_dir, 0700));
  std::string out = record_.scratch_dir + "/stdout.fifo", err = record_.scratch_dir + "/stderr.fifo";
  PIER_CHECK(make_fifo(out));
  PIER_CHECK(make_fifo(err));
  if (!out_read_) {
    PIER_TRY(out_read_, open_fd(out, O_RDWR | O_NONBLOCK));
    PIER_TRY(err_read_, open_fd(err, O_RDWR | O_NONBLOCK));
    ::fcntl(out_read_.get(), F_SETPIPE_SZ, 1 << 20);
    ::fcntl(err_read_.get(), F_SETPIPE_SZ, 1 << 20);
  }
  return {};
}

Result<UniqueFd> ManagedContainer::open_stdin_fifo() {
  const std::string path = record_.scratch_dir + "/stdin.fifo";
  PIER_CHECK(make_fifo(path));
  return open_fd(path, O_RDWR);
}

Result<UniqueFd> ManagedContainer::attach_input() const {
  if (!running()) return Error("container " + name() + " is not running");
  if (plan_.spec.process.tty) {
    if (!tty_master_) return UniqueFd();
    UniqueFd copy(::fcntl(tty_master_.get(), F_DUPFD_CLOEXEC, 0));
    if (!copy) return Error::system("copy the pty of container", name(), errno);
    return copy;
  }
  if (!plan_.stdin_open) return UniqueFd();
  // The container holds the FIFO open for reading: this open neither blocks nor fails
  // with ENXIO while it runs.
  return open_fd(record_.scratch_dir + "/stdin.fifo", O_WRONLY | O_NONBLOCK);
}

void ManagedContainer::watch_output() {
  auto watch = [this](int fd, int stream) -> std::unique_ptr<event::FdWatch> {
    if (fd < 0) return nullptr;
    auto w = host_.loop().watch_fd(fd, event::kReadable, [this, fd, stream](int) { on_output(fd, stream); });
    if (!w) {
      log::warn("container {}: watch output: {}", name(), w.error().to_string());
      return nullptr;
    }
    return std::move(*w);
  };
  if (plan_.spec.process.tty) {
    if (!out_watch_ && tty_master_) out_watch_ = watch(tty_master_.get(), 0);
    return;
  }
  if (!out_watch_) out_watch_ = watch(out_read_.get(), 0);
  if (!err_watch_) err_watch_ = watch(err_read_.get(), 1);
}

void ManagedContainer::on_output(int fd, int stream) {
  char buf[65536];
  for (int rounds = 0; rounds < 16; ++rounds) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      if (log_) (void)log_->append(stream == 0 ? logs::Stream::out : logs::Stream::err,
                                   std::string_view(buf, static_cast<size_t>(n)), unix_time_ns());
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    // EAGAIN: drained. 0 or EIO: a pty whose last writer is gone; stop watching it.
    if (n == 0 || (n < 0 && errno != EAGAIN)) {
      if (fd == tty_master_.get()) out_watch_.reset();
    }
    return;
  }
}

void ManagedContainer::start(Done done, Hooks hooks) {
  if (hooks == Hooks::run && !plan_.post_start.empty() && !running() && !starting()) {
    // Once the container runs; a start that failed has nothing to run them in.
    return start([this, alive = alive_, done = std::move(done)](Status st) mutable {
      if (!st || !*alive) return done(std::move(st));
      run_hooks("post_start", std::nullopt, std::move(done));
    });
  }
  if (running()) return done({});
  if (starting()) {
    // Started by another command (two `up`s at once): done when that start is, with its
    // outcome, never before the container runs.
    start_waiters_.push_back(std::move(done));
    return;
  }
  if (after_cgroup_removal_) {
    after_cgroup_removal_->push_back([this, done = std::move(done)]() mutable { start(std::move(done)); });
    return;
  }
  if (!can_start(lifecycle_)) return done(check_move(name(), lifecycle_, Lifecycle::starting));
  restart_timer_.reset();
  record_.stopped_by_user = false;
  bool direct = !direct_stdio_.empty();
  // The runtime makes the container's scratch dir itself (0700) but not its parent, which
  // nothing else makes when the project's first container is a `run` or has a tty.
  const std::string scratch_parent = std::filesystem::path(record_.scratch_dir).parent_path();
  if (auto st = make_dirs(scratch_parent, 0700); !st) {
    return done(std::move(st).error().context("container " + name()));
  }
  // The log file is opened on the worker, the FIFOs here (the loop reads them).
  std::optional<LogTarget> log_to_open;
  if (!direct) {
    auto target = log_target();
    if (!target) return done(std::move(target).error().context("container " + name()));
    log_to_open = std::move(*target);
    if (auto st = open_output_fifos(); !st) return done(std::move(st).error().context("container " + name()));
  }
  runtime::ContainerSpec spec = plan_.spec;
  if (auto st = join_current_namespaces(spec); !st) {
    return done(std::move(st).error().context("container " + name()));
  }
  UniqueFd out_w, err_w, in_r;
  if (direct) {
    for (size_t i = 0; i < 3 && i < direct_stdio_.size(); ++i) spec.process.stdio[i] = direct_stdio_[i].get();
    spec.process.tty = false;
  } else if (!spec.process.tty) {
    auto o = open_fd(record_.scratch_dir + "/stdout.fifo", O_RDWR);
    auto e = open_fd(record_.scratch_dir + "/stderr.fifo", O_RDWR);
    if (!o || !e) {
      return done(Error(!o ? o.error() : e.error()).context("container " + name()));
    }
    out_w = std::move(*o);
    err_w = std::move(*e);
    spec.process.stdio[1] = out_w.get();
    spec.process.stdio[2] = err_w.get();
    if (plan_.stdin_open) {
      auto in = open_stdin_fifo();
      if (!in) return done(std::move(in).error().context("container " + name()));
      in_r = std::move(*in);
      spec.process.stdio[0] = in_r.get();
    }
  }
  auto shared_fds = std::make_shared<std::array<UniqueFd, 3>>(
      std::array<UniqueFd, 3>{std::move(in_r), std::move(out_w), std::move(err_w)});
  // The addresses are reserved here, the links made by the worker once the container's
  // namespaces exist (so several starts' netlink work runs side by side), and the
  // outcome recorded here when the start is over.
  std::shared_ptr<NetworkDriver::PendingAttach> network;
  if (plan_.network_attach) {
    auto prepared = host_.prepare_network(name());
    if (!prepared) return done(std::move(prepared).error().context("container " + name()));
    network = std::move(*prepared);
  }
  auto attached = std::make_shared<std::optional<NetworkDriver::Attached>>();
  runtime::SpawnOptions options;
  options.before_exec = [network, attached, scratch_dir = record_.scratch_dir](pid_t pid, int) -> Status {
    if (!network) return {};
    PIER_TRY(auto result, network->apply(pid));
    PIER_CHECK(write_network_files(scratch_dir, result));
    *attached = std::move(result);
    return {};
  };
  enter(Lifecycle::starting);
  auto alive = alive_;
  ContainerDriver* driver = &host_.driver();
  host_.workers().run<Spawned>(
      [driver, spec = std::move(spec), options = std::move(options), shared_fds, log_to_open]() -> Spawned {
        Spawned out;
        // In the data root, often on ext4: making the log's directory and file allocates
        // two inodes, which cost more than the rest of a start on the loop thread did.
        if (log_to_open) {
          auto log = logs::LogWriter::open(log_to_open->path, log_to_open->rotation);
          if (!log) {
            out.container = std::move(log).error().context("open the log of " + spec.name);
            return out;
          }
          out.log = std::move(*log);
        }
        // We hold the project lock and this container has no process of ours: a cgroup
        // under its name is what a killed supervisor left of a start or a removal.
        if (auto st = driver->destroy(spec.project, spec.name, ""); !st) {
          out.container = std::move(st).error().context("remove a stale cgroup of " + spec.name);
          return out;
        }
        out.container = driver->spawn(spec, options);
        return out;
      },
      [this, alive, driver, network, attached, done = std::move(done)](Spawned spawned) mutable {
        if (!*alive) {
          if (spawned.container) (void)driver->destroy(spawned.container->project, spawned.container->name, "");
          return;
        }
        if (network) host_.finish_network(name(), *network, *attached);
        if (!log_) log_ = std::move(spawned.log);
        on_started(std::move(spawned.container), std::move(done));
      });
}

// `pid: service:x` and the like: x's pid now, not the one it had when this container
// was planned (x may have restarted, or not run then).
Status ManagedContainer::join_current_namespaces(runtime::ContainerSpec& spec) const {
  for (const auto& join : plan_.namespace_joins) {
    auto pid = host_.running_pid_of(join.mode);
    if (!pid) {
      std::string key = join.key == "net" ? "network_mode" : join.key;
      return std::move(pid).error().context("`" + key + ": " + join.mode + "`");
    }
    auto& ns = spec.namespaces;
    runtime::NamespaceMode* target = join.key == "net" ? &ns.net : join.key == "pid" ? &ns.pid
                                   : join.key == "ipc" ? &ns.ipc : &ns.uts;
    *target = runtime::NamespaceMode::of(*pid);
  }
  return {};
}

void ManagedContainer::on_started(Result<runtime::Container> result, Done first) {
  // Every command that asked for this start learns how it ended, the first one first.
  Done done = [first = std::move(first), joined = std::move(start_waiters_)](Status st) {
    first(st);
    for (const auto& waiter : joined) waiter(st);
  };
  start_waiters_.clear();
  direct_stdio_.clear();  // the container has its own copies now
  // A stop that came during the start waited for it; it goes on once `done` has run,
  // whichever way the start ended.
  auto parked = std::move(stop_waiters_);
  stop_waiters_.clear();
  ScopeExit resume_stops([alive = alive_, parked = std::move(parked)] {
    if (!*alive) return;
    for (auto& w : parked) w({});
  });
  if (!result) {
    host_.release_network(name());
    record_.exit_code = 128;
    record_.finished_at = unix_time_ns();
    enter(Lifecycle::exited);
    return done(std::move(result).error().context("container " + name()));
  }
  runtime_ = std::move(*result);
  if (runtime_->pty_master && console_socket_) {
    // The CLI of `run -t` holds the terminal from now on; the supervisor keeps no copy.
    if (auto st = control::send_console(console_socket_.get(), runtime_->pty_master.get()); !st)
      log::warn("container {}: {}", name(), st.error().to_string());
    runtime_->pty_master.reset();
  }
  console_socket_.reset();
  if (runtime_->pty_master) {
    tty_master_ = std::move(runtime_->pty_master);
    ::fcntl(tty_master_.get(), F_SETFL, ::fcntl(tty_master_.get(), F_GETFL) | O_NONBLOCK);
    out_watch_.reset();
  }
  record_.pid = runtime_->pid;
  record_.pid_start_time = state::process_start_time(runtime_->pid);
  record_.started_at = unix_time_ns();
  record_.exit_code = 0;
  record_.oom_killed = false;
  probe_history_.clear();
  record_.health = plan_.health ? "starting" : "";
  record_.cgroup = runtime_->cgroup;
  auto watch = host_.loop().watch_pidfd(runtime_->pidfd.get(), [this] { on_exit(); });
  if (!watch) {
    // Unwatched, its exit would never be seen: killed, and counted as a failed start.
    (void)host_.driver().kill(*runtime_, SIGKILL);
    runtime_.reset();
    record_.exit_code = 128;
    record_.finished_at = unix_time_ns();
    enter(Lifecycle::exited);
    return done(std::move(watch).error().context("container " + name()));
  }
  exit_watch_ = std::move(*watch);
  watch_output();
  if (auto st = host_.publish_ports(*this); !st) {
    log::warn("container {}: {}", name(), st.error().to_string());
    stop(std::chrono::milliseconds(0), [](Status) {});
    return done(std::move(st).error().context("container " + name()));
  }
  start_health();
  // Running but recorded as not: the command says so (the record catches up later).
  done(move_to(Lifecycle::running));
}

Status ManagedContainer::adopt() {
  if (lifecycle_ != Lifecycle::running && lifecycle_ != Lifecycle::paused)
    return Error("container " + name() + " is " + to_string(lifecycle_) + ", not running: nothing to adopt");
  pid_t pid = record_.pid;
  if (!host_.driver().alive(pid, record_.pid_start_time)) return Error("container " + name() + " is not running");
  UniqueFd pidfd = host_.driver().open_pidfd(pid);
  if (!pidfd) return Error::system("open pidfd of container", name(), errno);
  runtime::Container c;
  c.project = host_.paths().kernel_name;
  c.name = record_.name;
  c.state_dir = record_.scratch_dir;
  c.cgroup = record_.cgroup;
  c.pid = pid;
  c.pidfd = std::move(pidfd);
  c.privileged = plan_.spec.privileged;
  c.seccomp = plan_.spec.seccomp;
  c.seccomp_profile = plan_.spec.seccomp_profile;
  c.cap_add = plan_.spec.process.cap_add;
  c.cap_drop = plan_.spec.process.cap_drop;
  c.rlimits = plan_.spec.process.rlimits;
  c.oom_score_adj = plan_.spec.process.oom_score_adj;
  c.no_new_privs = plan_.spec.process.no_new_privs;
  runtime_ = std::move(c);
  // A pty dies with its old master; a pipe-backed container keeps logging.
  if (!plan_.spec.process.tty) PIER_CHECK(open_log_pipes());
  PIER_TRY(exit_watch_, host_.loop().watch_pidfd(runtime_->pidfd.get(), [this] { on_exit(); }));
  watch_output();
  start_health();
  PIER_CHECK(save());
  host_.container_changed(*this);
  return {};
}

void ManagedContainer::start_health() {
  if (!plan_.health) return;
  health_ = std::make_unique<HealthMonitor>(
      host_.loop(), *plan_.health, [this](std::function<void(bool)> done) { probe(std::move(done)); },
      [this](Health h) {
        record_.health = to_string(h);
        (void)save();
        host_.container_changed(*this);
      });
  health_->start();
}

// One probe: an exec in the container, killed when the timeout passes.
void ManagedContainer::probe(std::function<void(bool)> done) {
  if (!runtime_) return done(false);
  runtime::Process process;
  process.argv = plan_.health->argv;
  process.env = plan_.spec.process.env;
  process.workdir = plan_.spec.process.workdir;
  process.user = plan_.spec.process.user;
  process.group_add = plan_.spec.process.group_add;
  auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(plan_.health->timeout);
  exec_watched("health probe", std::move(process), false, timeout, probes_, [this, done](ProbeResult result) {
    bool passed = result.passed();
    probe_history_.add(std::move(result));
    done(passed);
  });
}

// A process exec'd in the container (on a worker: exec_in blocks while it clones), its
// exit watched on the loop, killed when the timeout passes. `runs` holds it until it is
// reaped. A process that cannot be started is a result too: -1 and the reason.
void ManagedContainer::exec_watched(const char* what, runtime::Process process, bool privileged,
                                    std::optional<std::chrono::milliseconds> timeout,
                                    std::vector<std::unique_ptr<ProbeRun>>& runs,
                                    std::function<void(ProbeResult)> on_result) {
  if (!runtime_) return on_result({-1, "container " + name() + " is not running"});
  // One pipe for stdout and stderr, as Docker keeps a probe's output.
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) < 0)
    return on_result({-1, std::string(what) + ": create its output pipe: " + std::strerror(errno)});
  auto read_end = std::make_shared<UniqueFd>(ends[0]);
  auto write_end = std::make_shared<UniqueFd>(ends[1]);
  process.stdio[1] = process.stdio[2] = ends[1];
  // The worker gets its own handle (a dup of the pidfd): the container may exit and
  // runtime_ go while the process is being started.
  auto container = std::make_shared<runtime::Container>();
  container->project = runtime_->project;
  container->name = runtime_->name;
  container->cgroup = runtime_->cgroup;
  container->pid = runtime_->pid;
  container->pidfd = UniqueFd(::fcntl(runtime_->pidfd.get(), F_DUPFD_CLOEXEC, 0));
  // `privileged` as `exec --privileged` has it: every capability and no seccomp filter.
  container->privileged = runtime_->privileged || privileged;
  container->seccomp = privileged ? runtime::SeccompMode::unconfined : runtime_->seccomp;
  container->seccomp_profile = runtime_->seccomp_profile;
  container->cap_add = runtime_->cap_add;
  container->cap_drop = runtime_->cap_drop;
  container->rlimits = runtime_->rlimits;
  container->oom_score_adj = runtime_->oom_score_adj;
  container->no_new_privs = runtime_->no_new_privs;
  auto alive = alive_;
  ContainerDriver* driver = &host_.driver();
  host_.workers().run<Result<runtime::ExecHandle>>(
      [driver, container, process, write_end] {
        auto handle = driver->exec(*container, process);
        // Only the process holds the write end now: its exit (and its children's) ends the output.
        write_end->reset();
        return handle;
      },
      [this, alive, driver, what, timeout, &runs, read_end, on_result](Result<runtime::ExecHandle> handle) mutable {
        if (!*alive) return;
        if (!handle) {
          log::debug("container {}: {}: {}", name(), what, handle.error().to_string());
          return on_result({-1, handle.error().to_string()});
        }
        auto run = ProbeRun::start(
            host_.loop(), std::move(*handle), std::move(*read_end), timeout,
            [alive, on_result](ProbeResult result) {
              if (*alive) on_result(std::move(result));
            },
            [this, alive, &runs](ProbeRun& finished) {
              if (!*alive) return;
              for (auto it = runs.begin(); it != runs.end(); ++it) {
                if (it->get() != &finished) continue;
                host_.loop().defer_delete(std::move(*it));
                runs.erase(it);
                return;
              }
            },
            [driver](int pidfd) { return driver->wait(pidfd); });
        if (!run) {
          log::debug("container {}: {}: {}", name(), what, run.error().to_string());
          return on_result({-1, run.error().to_string()});
        }
        runs.push_back(std::move(*run));
      });
}

// Read now: the cgroup, and with it the count, goes in after_exit_cleanup. The kernel
// counts the kill before the victim dies, so an OOM that ended the run is already there.
bool ManagedContainer::oom_killed(const runtime::Container& container) const {
  // No cgroup (rootless, nothing delegated): no limit of its own, and no count to read.
  if (container.cgroup.empty()) return false;
  auto stats = host_.driver().stats(container);
  if (!stats) {
    log::warn("container {}: read its OOM kills: {}", name(), stats.error().to_string());
    return false;
  }
  if (stats->oom_kills == 0) return false;
  log::warn("container {}: the kernel's OOM killer killed {} process(es) (memory limit {} bytes)", name(),
            stats->oom_kills, stats->memory_limit);
  return true;
}

void ManagedContainer::on_exit() {
  int code = 255;
  if (runtime_) {
    auto status = host_.driver().wait(runtime_->pidfd.get());
    if (status) code = *status;
    record_.oom_killed = oom_killed(*runtime_);
  }
  // Called from the watch's own callback: it goes on the next loop iteration.
  if (exit_watch_) host_.loop().defer_delete(std::move(exit_watch_));
  health_.reset();
  kill_timer_.reset();
  // Drain what the container wrote last before closing the record.
  if (out_read_) on_output(out_read_.get(), 0);
  if (err_read_) on_output(err_read_.get(), 1);
  if (tty_master_) on_output(tty_master_.get(), 0);
  if (log_) (void)log_->flush(unix_time_ns());
  out_watch_.reset();
  tty_master_.reset();
  auto started = record_.started_at;
  record_.exit_code = code;
  record_.finished_at = unix_time_ns();
  record_.pid = 0;
  record_.pid_start_time = 0;
  record_.health = "";
  runtime_.reset();
  host_.release_network(name());
  bool by_user = lifecycle_ == Lifecycle::stopping || record_.stopped_by_user;
  bool restart = should_restart(plan_.restart, code, by_user, record_.restart_count);
  Status saved = move_to(restart ? Lifecycle::restarting : Lifecycle::exited);
  if (!saved) log::error("{}", saved.error().to_string());
  after_exit_cleanup();
  auto waiters = std::move(stop_waiters_);
  // A stop whose outcome is not on disk has not happened for `ps` or a new supervisor.
  for (auto& w : waiters) w(saved);
  auto listeners = std::move(exit_listeners_);
  for (auto& l : listeners) l(code);
  if (!restart) return;
  auto ran = std::chrono::milliseconds((record_.finished_at - started) / 1000000);
  auto delay = backoff_.next(ran);
  restart_timer_ = host_.loop().create_timer([this] {
    record_.restart_count++;
    start([this](Status st) {
      if (!st) log::warn("restart {}: {}", name(), st.error().to_string());
    });
  });
  restart_timer_->start(std::chrono::duration_cast<event::Duration>(delay));
}

// The cgroup outlives the container's processes; a restart needs it gone. The scratch
// dir (the container's writable layer) stays, as with Docker.
void ManagedContainer::after_exit_cleanup() {
  std::string project = host_.paths().kernel_name, container = name();
  after_cgroup_removal_.emplace();
  auto alive = alive_;
  ContainerDriver* driver = &host_.driver();
  host_.workers().run<Status>([driver, project, container] { return driver->destroy(project, container, ""); },
                             [this, alive, container](Status st) {
                               if (!st) log::warn("container {}: {}", container, st.error().to_string());
                               if (!*alive) return;
                               auto waiting = std::move(*after_cgroup_removal_);
                               after_cgroup_removal_.reset();
                               for (auto& fn : waiting) fn();
                             });
}

}  // namespace pier::supervisor
