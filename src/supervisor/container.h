// One container's life on the supervisor's loop: start (spawn on a worker, network
// attach between "namespaces exist" and "exec"), logs, health, exit, restart with
// backoff, stop with a grace period, removal. Every change is written to the
// container's record at once, so `ps` and a new supervisor see the truth.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "event/loop.h"
#include "runtime/container.h"
#include "state/container_record.h"
#include "supervisor/container_host.h"
#include "supervisor/container_lifecycle.h"
#include "supervisor/health_monitor.h"
#include "supervisor/health_probe.h"
#include "supervisor/logs/log_writer.h"
#include "plan/plan.h"
#include "supervisor/restart_policy.h"

namespace pier::supervisor {

class ProbeRun;

class ManagedContainer {
 public:
  using Done = std::function<void(Status)>;

  ManagedContainer(ContainerHost& host, state::ContainerRecord record, plan::ServicePlan plan);
  ~ManagedContainer();

  const std::string& name() const { return record_.name; }
  const std::string& service() const { return record_.service; }
  const state::ContainerRecord& record() const { return record_; }
  const plan::ServicePlan& plan() const { return plan_; }
  state::ContainerState state() const { return record_.state; }
  Lifecycle lifecycle() const { return lifecycle_; }
  // A process of its own: running, paused, or stopping (still running until it exits).
  bool running() const {
    return lifecycle_ == Lifecycle::running || lifecycle_ == Lifecycle::paused || lifecycle_ == Lifecycle::stopping;
  }
  bool starting() const { return lifecycle_ == Lifecycle::starting; }
  // A restart is scheduled (backoff timer running).
  bool restart_pending() const { return restart_timer_ && restart_timer_->active(); }
  bool has_health() const { return plan_.health.has_value(); }
  // The last kProbeResultsKept probe results of this run, oldest first.
  const std::deque<ProbeResult>& probe_results() const { return probe_history_.results(); }
  std::optional<Health> health() const;
  pid_t pid() const { return runtime_ ? runtime_->pid : 0; }

  // Whether a start or stop runs the service's lifecycle hooks. The commands' do (`up`,
  // `start`, `restart`, `stop`, `down`); a restart policy's start, a recovery's and the
  // stop of a failed start do not, as Docker Compose runs them around its own calls only.
  enum class Hooks { skip, run };

  // Writes the record of a container that is created but not started.
  Status persist_created();
  // With Hooks::run, `done` comes after the post_start hooks, with the first one's
  // failure; the container keeps running then (as with Compose).
  void start(Done done, Hooks hooks = Hooks::skip);
  // Takes over a running container from a crashed supervisor (record + live pid).
  Status adopt();
  // stop_signal, then SIGKILL after `grace` (the plan's stop_grace_period if unset).
  // With Hooks::run, a running container's pre_stop hooks run first, all within `grace`.
  void stop(std::optional<std::chrono::milliseconds> grace, Done done, Hooks hooks = Hooks::skip);
  // Why the last stop's pre_stop hooks failed (the stop went on); none when they passed.
  const std::optional<std::string>& pre_stop_failure() const { return pre_stop_failure_; }
  // The grace period the last stop waited out before SIGKILL; none when the container
  // exited on its stop signal.
  std::optional<std::chrono::milliseconds> killed_after_grace() const { return killed_after_grace_; }
  Status signal(int signum);
  Status pause();
  Status unpause();
  // Stops if needed, then removes the cgroup, scratch dir, logs and record.
  void remove(Done done);
  // A container recovered without a plan (its service could not be planned after a
  // crash, e.g. a secret from the environment, which is never on disk) gets one from the
  // next `up`.
  void replace_plan(plan::ServicePlan plan);
  // The record changed outside (e.g. a fresh plan for an unchanged service).
  void set_stopped_by_user(bool value);
  // The service's pre_start steps (their compose::pre_start_hash) succeeded for it.
  void set_pre_start_done(const std::string& hash);
  // `run`: the CLI's own stdin/stdout/stderr (passed over the control socket) instead
  // of logged FIFOs.
  void set_direct_stdio(std::vector<UniqueFd> fds) { direct_stdio_ = std::move(fds); }
  // `run -t`: the pty master goes over this socket to the CLI once started (console_socket.h).
  void set_console_socket(UniqueFd socket) { console_socket_ = std::move(socket); }
  // Called once with the exit code when the container exits (`run` waits for it).
  void on_next_exit(std::function<void(int)> fn) { exit_listeners_.push_back(std::move(fn)); }
  // `attach`: a descriptor to write the running container's input to: a copy of its pty
  // master (`tty: true`; the supervisor keeps reading it into the log), or the write end
  // of its stdin FIFO (`stdin_open: true`). An empty fd when it has no input to give: no
  // stdin_open, or a pty the `run -t` CLI holds or that was lost with a crashed
  // supervisor.
  Result<UniqueFd> attach_input() const;

 private:
  void note_mounted_images();
  // The log file's path and rotation; none when it is open already.
  struct LogTarget {
    std::string path;
    logs::Rotation rotation;
  };
  Result<std::optional<LogTarget>> log_target() const;
  // The log file and the output FIFOs, opened here.
  Status open_log_pipes();
  Status open_output_fifos();
  // What a start's worker hands back: the container, and its log file when it opened it.
  struct Spawned {
    Result<runtime::Container> container = Error("not started");
    std::unique_ptr<logs::LogWriter> log;
  };
  // `stdin_open: true` without a tty: the container's stdin, a FIFO it holds open for
  // reading and writing, so it never sees EOF, as Docker keeps a container's stdin open
  // between attaches; each `attach` opens it again for writing (a new supervisor too).
  Result<UniqueFd> open_stdin_fifo();
  void watch_output();
  void on_output(int fd, int stream);
  void on_started(Result<runtime::Container> result, Done done);
  Status join_current_namespaces(runtime::ContainerSpec& spec) const;
  void on_exit();
  bool oom_killed(const runtime::Container& container) const;
  void after_exit_cleanup();
  void start_health();
  void probe(std::function<void(bool)> done);
  void exec_watched(const char* what, runtime::Process process, bool privileged,
                    std::optional<std::chrono::milliseconds> timeout, std::vector<std::unique_ptr<ProbeRun>>& runs,
                    std::function<void(ProbeResult)> on_result);
  // container_hooks.cpp: the hooks of `key` one after another, each as `exec` runs a
  // process; the first that fails ends the run with its error. `budget`: the time they
  // get all together, after which the one running is killed.
  void run_hooks(const char* key, std::optional<std::chrono::milliseconds> budget, Done done);
  struct HookBudget {
    event::Clock::time_point deadline;
    std::chrono::milliseconds total;
  };
  void run_hook(const char* key, size_t index, std::optional<HookBudget> budget, Done done);
  // Writes the record. One that cannot be written (disk full) is written again on a
  // timer, and by every later save, until it is: the record catches up with the truth.
  Status save();
  void retry_save();
  // Every change of state: the table's check, then the record (saved, except while
  // removing) and the host told. The status is the refusal or the record's write (the
  // move stands then; save() retries). `enter` is for the container's own flow, where a
  // refused move is a bug: logged as an error, the state stays.
  Status move_to(Lifecycle to);
  void enter(Lifecycle to);

  ContainerHost& host_;
  state::ContainerRecord record_;
  plan::ServicePlan plan_;
  Lifecycle lifecycle_;
  std::optional<runtime::Container> runtime_;
  std::unique_ptr<event::PidfdWatch> exit_watch_;
  // FIFOs keep the container's stdout/stderr writable while no supervisor reads them
  // (a new one reopens them after a crash); our read ends, opened read-write, are
  // writers too, which keeps them from reading EOF.
  UniqueFd out_read_, err_read_, tty_master_;
  std::unique_ptr<event::FdWatch> out_watch_, err_watch_;
  std::unique_ptr<logs::LogWriter> log_;
  std::unique_ptr<HealthMonitor> health_;
  // Probes whose process has not been reaped yet; one at a time, but the last of an
  // exited container's may still be finishing when a restart starts the next.
  std::vector<std::unique_ptr<ProbeRun>> probes_;
  ProbeHistory probe_history_;
  // Hook processes (post_start, pre_stop) not reaped yet.
  std::vector<std::unique_ptr<ProbeRun>> hook_runs_;
  // Engaged while the pre_stop hooks run, with the stops waiting for them.
  std::optional<std::vector<std::pair<std::optional<std::chrono::milliseconds>, Done>>> pre_stopping_;
  std::optional<std::string> pre_stop_failure_;
  std::unique_ptr<event::Timer> restart_timer_, kill_timer_, save_retry_;
  std::optional<std::chrono::milliseconds> killed_after_grace_;
  RestartBackoff backoff_;
  // Engaged while the last run's cgroup is being removed (on a worker), with what waits
  // for it (a start, a removal). Not a lifecycle state: it overlaps exited and
  // restarting.
  std::optional<std::vector<std::function<void()>>> after_cgroup_removal_;
  std::vector<Done> stop_waiters_;
  // Starts asked for while one runs (a second `up`): they end as that start does.
  std::vector<Done> start_waiters_;
  std::vector<UniqueFd> direct_stdio_;
  UniqueFd console_socket_;
  std::vector<std::function<void(int)>> exit_listeners_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace pier::supervisor
