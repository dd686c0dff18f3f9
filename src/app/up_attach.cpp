#include "app/up_attach.h"

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <map>
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

}  // namespace

Result<int> attach_foreground(const AttachOptions& f, const state::ProjectPaths& paths,
                              const std::vector<std::string>& attached, int64_t since) {
  auto loop_or = event::make_uv_loop();
  if (!loop_or) return loop_or.error();
  auto& loop = **loop_or;
  logs::PrinterOptions printer;
  printer.color = color_wanted(stdout, f.no_color);
  printer.timestamps = f.timestamps;
  printer.prefix = !f.no_log_prefix;
  logs::LogStreamer streamer(loop, printer, stdout);

  // Container events (who exited, with which code), subscribed before the states are
  // read so that no exit falls in between.
  auto events = connect_or_start(paths);
  if (!events) return events.error();
  if (auto st = events->send(control::EventsRequest{}); !st) return st.error();
  for (;;) {
    auto line = events->next();
    if (!line && line.error().errnum() == EINTR) continue;  // Ctrl-C: remembered, acted on below
    if (!line || !*line) return Error("the supervisor ended the event stream");
    if (std::holds_alternative<control::Subscribed>(**line)) break;
  }
  auto records = state::RecordStore(paths.records_dir()).list();
  if (!records) return records.error();
  std::map<std::string, ContainerState> state_of;  // attached container -> state
  std::vector<std::string> names;
  for (const auto& r : *records)
    if (!r.oneoff && std::find(attached.begin(), attached.end(), r.service) != attached.end()) names.push_back(r.name);
  for (const auto& n : names) streamer.printer().add_name(n);
  for (const auto& r : *records) {
    if (std::find(names.begin(), names.end(), r.name) == names.end()) continue;
    state_of[r.name] = r.state;
    logs::ReadOptions backlog;
    backlog.since_ns = since;
    auto file = paths.log_file(r.name);
    if (!file) return file.error();
    if (auto st = streamer.add(r.name, *file, true, backlog); !st) return st.error();
  }

  int exit_code = 0;
  bool stopping = false, done = false;
  AsyncCalls calls(loop);
  auto finish = [&](int code) {
    exit_code = code;
    done = true;
    loop.stop();
  };
  auto stop_all = [&](int code_after) {
    if (stopping) return;
    stopping = true;
    calls.call(paths, control::StopRequest{f.services, f.timeout}, [&, code_after](Status st) {
      if (!st) std::fprintf(stderr, "error: %s\n", st.error().to_string().c_str());
      finish(code_after);
    });
  };

  auto on_event = [&](const control::ContainerEvent& e) {
    if (!state_of.count(e.name)) return;
    state_of[e.name] = e.state;
    if (e.action != "die" || e.state == ContainerState::restarting) return;
    int code = e.exit_code;
    std::fprintf(stdout, "%s exited with code %d\n", e.name.c_str(), code);
    std::fflush(stdout);
    if (!f.exit_code_from.empty() && e.service == f.exit_code_from) {
      std::fprintf(stderr, "Aborting on container exit...\n");
      return stop_all(code);
    }
    if (f.abort_on_exit || (f.abort_on_failure && code != 0)) {
      std::fprintf(stderr, "Aborting on container exit...\n");
      return stop_all(f.exit_code_from.empty() ? code : exit_code);
    }
    bool any_left = false;
    for (const auto& [n, s] : state_of)
      if (s == ContainerState::running || s == ContainerState::restarting || s == ContainerState::paused ||
          s == ContainerState::created)
        any_left = true;
    if (!any_left && !stopping) finish(0);
  };
  auto watch = loop.watch_fd(events->fd(), event::kReadable, [&](int) {
    auto line = events->next();
    if (!line && line.error().errnum() == EINTR) return;  // readable again next turn
    if (!line || !*line) {
      if (!stopping) finish(exit_code);
      return;
    }
    if (const auto* e = std::get_if<control::ContainerEvent>(&**line)) on_event(*e);
  });
  if (!watch) return watch.error();

  int interrupts = 0;
  auto on_interrupt = [&] {
    if (++interrupts == 1) {
      std::fprintf(stderr, "Gracefully stopping... (press Ctrl+C again to force)\n");
      stop_all(130);
    } else {
      calls.call(paths, control::SignalRequest{}, [&](Status) { finish(130); });
    }
  };
  auto sigint = loop.watch_signal(SIGINT, on_interrupt);
  auto sigterm = loop.watch_signal(SIGTERM, on_interrupt);
  bool any_running = false;
  for (const auto& [n, s] : state_of)
    if (s == ContainerState::running || s == ContainerState::restarting) any_running = true;
  if (!any_running && f.exit_code_from.empty()) {
    streamer.poll_all();
    return 0;
  }
  if (interrupted_before_attach()) on_interrupt();
  while (!done) loop.run();
  streamer.poll_all();
  return exit_code;
}

}  // namespace pier::app
