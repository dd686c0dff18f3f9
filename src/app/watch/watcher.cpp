#include "app/watch/watcher.h"

#include <signal.h>

#include <chrono>
#include <cstdio>
#include <memory>

#include "app/exec.h"
#include "app/images/commands.h"
#include "app/service_build.h"
#include "app/supervisor_call.h"
#include "app/watch/change_feed.h"
#include "app/watch/sync.h"
#include "state/container_record.h"

namespace pier::app::watch {
namespace {

namespace control = supervisor::control;

Result<std::vector<state::ContainerRecord>> running_containers(const state::ProjectPaths& paths,
                                                               const std::string& service) {
  PIER_TRY(auto records, state::RecordStore(paths.records_dir()).list());
  std::vector<state::ContainerRecord> out;
  for (auto& r : records)
    if (r.service == service && !r.oneoff && r.state == state::ContainerState::running) out.push_back(std::move(r));
  return out;
}

class Watcher {
 public:
  Watcher(const WatchSession& session) : s_(session) {}

  Status sync(const Rule& rule, const std::set<std::string>& changed) {
    PIER_TRY(auto containers, running_containers(s_.paths, rule.service));
    for (const auto& c : containers) {
      PIER_TRY(int n, sync_into(c, rule.path, rule.target, changed));
      if (!s_.quiet && n > 0)
        std::fprintf(stderr, "Syncing service \"%s\" after %d changed file(s) to %s\n", rule.service.c_str(), n,
                     c.name.c_str());
    }
    return {};
  }

  Status rebuild(const Rule& rule) {
    if (!s_.quiet) std::fprintf(stderr, "Rebuilding service \"%s\" after changes were detected...\n", rule.service.c_str());
    PIER_CHECK(build_before_start(s_.pier_root, *s_.project, {rule.service}, true, true, false));
    control::UpOptions options;
    options.services = {rule.service};
    options.no_deps = true;
    PIER_CHECK(call_supervisor(s_.paths, control::UpRequest{s_.source, options}));
    if (s_.prune) {
      PIER_TRY(auto uses, images::images_in_use(s_.pier_root));
      PIER_CHECK(images::image_prune(s_.pier_root, false, uses, stderr));
    }
    if (!s_.quiet) std::fprintf(stderr, "service \"%s\" successfully built\n", rule.service.c_str());
    return {};
  }

  Status apply(const Rule& rule, const std::set<std::string>& changed) {
    switch (rule.action) {
      case Action::rebuild: return rebuild(rule);
      case Action::sync: return sync(rule, changed);
      case Action::sync_restart: {
        PIER_CHECK(sync(rule, changed));
        return call_supervisor(s_.paths, control::RestartRequest{{rule.service}, std::nullopt, true});
      }
      case Action::sync_exec: {
        PIER_CHECK(sync(rule, changed));
        PIER_TRY(auto containers, running_containers(s_.paths, rule.service));
        for (const auto& c : containers) {
          ExecOptions exec;
          exec.argv = rule.exec;
          exec.interactive = false;
          PIER_TRY(int code, exec_in_container(c, exec));
          if (code != 0) return Error("exec " + rule.exec.front() + " in " + c.name + " exited with code " + std::to_string(code));
        }
        return {};
      }
    }
    return {};
  }

  // A failed action is printed and the watch goes on, as Compose's does.
  void report(const Rule& rule, Status st) {
    if (st) return;
    std::string what = std::string("watch ") + to_string(rule.action) + " of service \"" + rule.service + "\"";
    std::fprintf(stderr, "error: %s\n", std::move(st).error().context(what).to_string().c_str());
  }

  void on_batch(const Rule& rule, const std::set<std::string>& changed) { report(rule, apply(rule, changed)); }

 private:
  const WatchSession& s_;
};

}  // namespace

Result<int> run_watch(const WatchSession& session, const std::vector<Rule>& rules) {
  PIER_TRY(auto loop, event::make_uv_loop());
  Watcher watcher(session);
  std::vector<std::unique_ptr<ChangeFeed>> feeds;
  for (const auto& rule : rules) {
    std::string text;
    for (const auto& p : rule.ignore) text += p + "\n";
    text += ".git\n";  // as Compose: never a repository's own files
    PIER_TRY(auto ignore, builder::IgnoreMatcher::parse(text, "develop.watch ignore of " + rule.service));
    if (rule.initial_sync && rule.action != Action::rebuild) watcher.report(rule, watcher.sync(rule, {""}));
    PIER_TRY(auto feed, ChangeFeed::start(*loop, rule.path, std::move(ignore), [&watcher, &rule](const auto& changed) {
      watcher.on_batch(rule, changed);
    }));
    feeds.push_back(std::move(feed));
  }
  std::fprintf(stderr, "Watch enabled\n");
  // Alone, the watch ends on Ctrl-C; beside `up`'s logs, `up` handles the signals (it
  // stops the containers) and then sets `stop`.
  std::unique_ptr<event::SignalWatch> sigint, sigterm;
  std::unique_ptr<event::Timer> poll;
  if (!session.stop) {
    PIER_TRY(sigint, loop->watch_signal(SIGINT, [&loop] { loop->stop(); }));
    PIER_TRY(sigterm, loop->watch_signal(SIGTERM, [&loop] { loop->stop(); }));
  } else {
    poll = loop->create_timer([&loop, &session] {
      if (session.stop->load()) loop->stop();
    });
    poll->start(std::chrono::milliseconds(200), std::chrono::milliseconds(200));
  }
  loop->run();
  return 0;
}

}  // namespace pier::app::watch
