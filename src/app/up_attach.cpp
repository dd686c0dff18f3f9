#include "app/up_attach.h"

#include <poll.h>
#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "app/logs/log_streamer.h"
#include "app/supervisor_call.h"
#include "app/supervisor_connect.h"
#include "app/terminal.h"
#include "event/loop.h"
#include "state/container_record.h"

namespace pier::app {
namespace {

using state::ContainerState;

// Ctrl-C while `up` is still creating and starting: remembered, and acted on (stop
// everything) as soon as the containers are up and the log loop runs.
volatile sig_atomic_t g_interrupted = 0;
void remember_interrupt(int) { g_interrupted = 1; }

}  // namespace

void catch_early_interrupts() {
  struct sigaction sa {};
  sa.sa_handler = remember_interrupt;  // no SA_RESTART: the blocking read sees EINTR
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}

namespace {

bool interrupted_before_attach() { return g_interrupted != 0; }

// Runs requests on threads so the loop keeps printing logs meanwhile; joined before
// the loop goes.
class AsyncCalls {
 public:
  explicit AsyncCalls(event::Loop& loop) : loop_(loop) {}
  ~AsyncCalls() {
    for (auto& t : threads_) t.join();
  }
  void call(state::ProjectPaths paths, control::Request request, std::function<void(Status)> done) {
    // Container output still prints meanwhile: plain lines, not a view redrawn in place.
    auto mode = progress_mode() == ProgressMode::tty ? ProgressMode::plain : progress_mode();
    threads_.emplace_back([this, paths, request, done, mode] {
      auto st = call_supervisor(paths, request, mode);
      loop_.post([done, st] { done(st); });
    });
  }

 private:
  event::Loop& loop_;
  std::vector<std::thread> threads_;
};

// Compose's line for each exit of an attached container, restarts' included.
void print_exit(const std::string& name, int code) {
  std::fprintf(stdout, "%s exited with code %d\n", name.c_str(), code);
  std::fflush(stdout);
}

}  // namespace

Result<ControlClient> subscribe_to_events(const state::ProjectPaths& paths) {
  auto events = connect_or_start(paths);
  if (!events) return events.error();
  if (auto st = events->send(control::EventsRequest{}); !st) return st.error();
  for (;;) {
    auto line = events->next();
    if (!line && line.error().errnum() == EINTR) continue;  // Ctrl-C: remembered, acted on below
    if (!line || !*line)
      return Error("the supervisor ended the event stream before it subscribed this command")
          .hint("its log says why: " + paths.supervisor_log());
    if (std::holds_alternative<control::Subscribed>(**line)) return std::move(*events);
  }
}

Result<int> attach_foreground(const AttachOptions& f, const state::ProjectPaths& paths,
                              const std::vector<std::string>& attached, int64_t since, ControlClient subscribed) {
  auto loop_or = event::make_uv_loop();
  if (!loop_or) return loop_or.error();
  auto& loop = **loop_or;
  logs::PrinterOptions printer;
  printer.color = color_wanted(stdout, f.no_color);
  printer.timestamps = f.timestamps;
  printer.prefix = !f.no_log_prefix;
  // Containers' stderr goes to pier's stderr, as Compose keeps the two streams apart.
  logs::LogStreamer streamer(loop, printer, stdout, stderr);

  // Container events (who exited, with which code), subscribed before the project was
  // applied. Those queued meanwhile are read before the records: the records show where
  // they led, except the exits of containers that restarted since, printed once the
  // attached containers are named, as Compose prints each exit. An event after this read
  // and before the records' is both in the records and an event: reported once (below).
  std::optional<ControlClient> events(std::move(subscribed));
  std::vector<control::ContainerEvent> restarted;  // their exits, in order
  for (;;) {
    if (!events->has_buffered_line()) {
      pollfd queued{events->fd(), POLLIN, 0};
      if (::poll(&queued, 1, 0) <= 0) break;
    }
    auto line = events->next();
    if (!line && line.error().errnum() == EINTR) continue;  // Ctrl-C: remembered, acted on below
    // The stream's end (a supervisor with nothing left to supervise exits) is the loop's
    // to handle, as it would be later.
    if (!line || !*line) break;
    const auto* e = std::get_if<control::ContainerEvent>(&**line);
    if (e && e->action == "die" && e->state == ContainerState::restarting) restarted.push_back(*e);
  }
  auto records = state::RecordStore(paths.records_dir()).list();
  if (!records) return records.error();
  std::map<std::string, ContainerState> state_of;  // attached container -> state
  std::vector<const state::ContainerRecord*> attached_records;
  for (const auto& r : *records)
    if (!r.oneoff && std::find(attached.begin(), attached.end(), r.service) != attached.end())
      attached_records.push_back(&r);
  if (!attached_records.empty()) {
    std::string list;
    for (const auto* r : attached_records) list += (list.empty() ? "" : ", ") + r->name;
    std::fprintf(status_stream(), "Attaching to %s\n", list.c_str());
    std::fflush(status_stream());
  }
  for (const auto* r : attached_records) streamer.printer().add_name(r->name);
  for (const auto& e : restarted)
    if (std::any_of(attached_records.begin(), attached_records.end(), [&](auto* r) { return r->name == e.name; }))
      print_exit(e.name, e.exit_code);

  // A container that already exited during this `up` (a one-shot dependency the others
  // waited for) is printed first, logs then its exit line, so the output reads in the
  // order things happened; its exit counts for the abort flags as a later one would.
  auto exited_early = [since](const state::ContainerRecord& r) {
    return r.state == ContainerState::exited && r.finished_at >= since;
  };
  std::vector<const state::ContainerRecord*> early;
  for (const auto* r : attached_records)
    if (exited_early(*r)) early.push_back(r);
  std::stable_sort(early.begin(), early.end(),
                   [](const auto* a, const auto* b) { return a->finished_at < b->finished_at; });
  auto add_logs = [&](const state::ContainerRecord& r) -> Status {
    logs::ReadOptions backlog;
    backlog.since_ns = since;
    auto file = paths.log_file(r.name);
    if (!file) return file.error();
    return streamer.add(r.name, *file, true, backlog);
  };
  for (const auto* r : attached_records) state_of[r->name] = r->state;

  int exit_code = 0;
  bool stopping = false, done = false;
  AsyncCalls calls(loop);
  auto finish = [&](int code) {
    exit_code = code;
    done = true;
    loop.stop();
  };
  // The exit code of --exit-code-from's container, once it is known: it may exit on its
  // own, or be stopped by the abort (then 143 or 137, as Compose returns).
  std::optional<int> watched_code;
  auto watched_code_now = [&]() -> int {
    if (watched_code) return *watched_code;
    auto now = state::RecordStore(paths.records_dir()).list();
    if (now)
      for (const auto& r : *now)
        if (!r.oneoff && r.service == f.exit_code_from && r.state == ContainerState::exited) return r.exit_code;
    return exit_code;
  };
  // `watched`: the command ends with --exit-code-from's code (an abort), else with
  // `code_after` (Ctrl-C: 130).
  auto stop_all = [&](int code_after, bool watched) {
    if (stopping) return;
    stopping = true;
    calls.call(paths, control::StopRequest{f.services, f.timeout}, [&, code_after, watched](Status st) {
      if (!st) std::fprintf(stderr, "error: %s\n", st.error().to_string().c_str());
      finish(watched && !f.exit_code_from.empty() ? watched_code_now() : code_after);
    });
  };

  auto abort_on_exit = [&](int code_after) {
    if (!stopping) std::fprintf(stderr, "Aborting on container exit...\n");
    stop_all(code_after, true);
  };
  auto on_exit = [&](const std::string& name, const std::string& service, int code) {
    print_exit(name, code);
    if (!f.exit_code_from.empty() && service == f.exit_code_from) {
      watched_code = code;
      return abort_on_exit(code);
    }
    if (f.abort_on_exit || (f.abort_on_failure && code != 0)) return abort_on_exit(code);
    bool any_left = false;
    for (const auto& [n, s] : state_of)
      if (state::is_up(s) || s == ContainerState::created) any_left = true;
    if (!any_left && !stopping) finish(0);
  };
  // An exit between the subscription and the read of the records is both an early
  // exit and an event: reported once.
  std::set<std::string> reported_early;
  for (const auto* r : early) reported_early.insert(r->name);
  auto on_event = [&](const control::ContainerEvent& e) {
    if (!state_of.count(e.name)) return;
    state_of[e.name] = e.state;
    if (e.action != "die") return;
    if (e.state == ContainerState::restarting) {
      // Each exit is reported, as Compose does; the restart policy brings it back, so
      // it neither ends the foreground nor triggers an abort.
      print_exit(e.name, e.exit_code);
      return;
    }
    if (reported_early.erase(e.name)) return;
    on_exit(e.name, e.service, e.exit_code);
  };
  // One read may bring several lines: each is handled before the socket is waited on
  // again (it is not readable for lines already read).
  auto read_events = [&] {
    do {
      auto line = events->next();
      if (!line && line.error().errnum() == EINTR) return;  // readable again next turn
      if (!line || !*line) {
        if (!stopping) finish(exit_code);
        return;
      }
      if (const auto* e = std::get_if<control::ContainerEvent>(&**line)) on_event(*e);
    } while (!done && events->has_buffered_line());
  };
  auto watch = loop.watch_fd(events->fd(), event::kReadable, [&](int) { read_events(); });
  if (!watch) return watch.error();

  int interrupts = 0;
  auto on_interrupt = [&] {
    if (++interrupts == 1) {
      std::fprintf(stderr, "Gracefully stopping... (press Ctrl+C again to force)\n");
      stop_all(130, false);
    } else {
      calls.call(paths, control::SignalRequest{}, [&](Status) { finish(130); });
    }
  };
  auto sigint = loop.watch_signal(SIGINT, on_interrupt);
  auto sigterm = loop.watch_signal(SIGTERM, on_interrupt);
  bool any_running = false;
  for (const auto& [n, s] : state_of)
    if (s == ContainerState::running || s == ContainerState::restarting) any_running = true;
  for (const auto* r : early) {
    if (auto st = add_logs(*r); !st) return st.error();
    streamer.poll_all();
    on_exit(r->name, r->service, r->exit_code);
  }
  for (const auto* r : attached_records)
    if (!exited_early(*r))
      if (auto st = add_logs(*r); !st) return st.error();
  if (!any_running && f.exit_code_from.empty() && !stopping) {
    streamer.poll_all();
    return exit_code;
  }
  if (interrupted_before_attach()) on_interrupt();
  if (!done && events->has_buffered_line()) read_events();
  while (!done) loop.run();
  streamer.poll_all();
  return exit_code;
}

}  // namespace pier::app
