#include "app/logs/project_logs.h"

#include <sys/stat.h>

#include <csignal>
#include <map>
#include <set>

#include <fmt/format.h>

#include "app/logs/log_streamer.h"
#include "app/logs/records_watcher.h"
#include "base/log.h"
#include "event/loop.h"
#include "state/paths.h"

namespace pier::app::logs {
namespace {

bool dir_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Result<std::vector<FollowTarget>> targets_for(const std::vector<state::ContainerRecord>& containers,
                                              const ProjectLogsOptions& options,
                                              const state::ProjectPaths& paths) {
  std::vector<FollowTarget> out;
  for (const auto& c : containers) {
    PIER_TRY(std::string file, paths.log_file(c.name));
    out.push_back({log_display_name(c, options.project), file, true, options.read});
  }
  return out;
}

Status print_once(const std::vector<state::ContainerRecord>& containers,
                  const ProjectLogsOptions& options, const state::ProjectPaths& paths, FILE* out,
                  FILE* err) {
  LogPrinter printer(options.printer, out, err);
  std::vector<std::vector<LogEntry>> sources;
  for (const auto& c : containers) {
    printer.add_name(log_display_name(c, options.project));
    PIER_TRY(std::string file, paths.log_file(c.name));
    PIER_TRY(auto entries, read_logs(file, options.read));
    sources.push_back(std::move(entries));
  }
  for (const auto& e : merge_by_time(std::move(sources)))
    printer.print(log_display_name(containers[e.source], options.project), e.entry);
  printer.flush();
  return {};
}

// `-f`: one loop with the streamer, a watch on the records directory and the signals.
class Follow {
 public:
  Follow(event::Loop& loop, const ProjectLogsOptions& options, const state::ProjectPaths& paths,
         FILE* out, FILE* err)
      : loop_(loop), options_(options), paths_(paths), streamer_(loop, options.printer, out, err) {}

  Result<int> run() {
    // Signals first: Ctrl-C once the backlog is on screen must end with 130.
    auto interrupt = [this] {
      exit_code_ = 130;
      loop_.stop();
    };
    PIER_TRY(auto sigint, loop_.watch_signal(SIGINT, interrupt));
    PIER_TRY(auto sigterm, loop_.watch_signal(SIGTERM, interrupt));
    // Watch before listing: a record written in between is an event, not missed.
    PIER_TRY(watcher_, RecordsWatcher::open(paths_.records_dir()));
    PIER_TRY(auto records, state::RecordStore(paths_.records_dir()).list());
    PIER_TRY(auto containers, select_log_containers(records, options_));
    for (const auto& c : containers) streamer_.printer().add_name(log_display_name(c, options_.project));
    PIER_TRY(auto targets, targets_for(containers, options_, paths_));
    PIER_CHECK(streamer_.add(targets));
    for (const auto& c : containers) followed_[c.name] = log_display_name(c, options_.project);

    PIER_TRY(auto records_watch, loop_.watch_fd(watcher_->fd(), event::kReadable,
                                                [this](int) { on_records_changed(); }));
    loop_.run();
    return exit_code_;
  }

 private:
  void on_records_changed() {
    auto alive = watcher_->drain();
    if (!alive || !*alive) {
      if (!alive) log::warn("{}", alive.error().to_string());
      streamer_.poll_all();  // the last lines written before `down` removed the records
      loop_.stop();
      return;
    }
    if (auto st = sync(); !st) log::warn("{}", st.error().to_string());
  }

  // Follows containers that appeared; stops following those whose record went away.
  Status sync() {
    PIER_TRY(auto records, state::RecordStore(paths_.records_dir()).list());
    PIER_TRY(auto containers, select_log_containers(records, options_));
    std::set<std::string> present;
    std::vector<state::ContainerRecord> added;
    for (const auto& c : containers) {
      present.insert(c.name);
      if (!followed_.count(c.name)) added.push_back(c);
    }
    for (auto it = followed_.begin(); it != followed_.end();) {
      if (present.count(it->first)) {
        ++it;
        continue;
      }
      streamer_.remove(it->second);
      it = followed_.erase(it);
    }
    if (added.empty()) return {};
    PIER_TRY(auto targets, targets_for(added, options_, paths_));
    PIER_CHECK(streamer_.add(targets));
    for (const auto& c : added) followed_[c.name] = log_display_name(c, options_.project);
    return {};
  }

  event::Loop& loop_;
  const ProjectLogsOptions& options_;
  const state::ProjectPaths& paths_;
  LogStreamer streamer_;
  std::unique_ptr<RecordsWatcher> watcher_;
  std::map<std::string, std::string> followed_;  // record name -> printed name
  int exit_code_ = 0;
};

}  // namespace

std::string log_display_name(const state::ContainerRecord& record, const std::string& project) {
  std::string default_name = fmt::format("{}-{}-{}", project, record.service, record.number);
  if (record.name == default_name) return record.name.substr(project.size() + 1);
  return record.name;
}

Result<std::vector<state::ContainerRecord>> select_log_containers(
    const std::vector<state::ContainerRecord>& records, const ProjectLogsOptions& options) {
  std::set<std::string> services(options.services.begin(), options.services.end());
  std::vector<state::ContainerRecord> out;
  std::set<std::string> services_seen;
  for (const auto& r : records) {
    if (r.oneoff || (!services.empty() && !services.count(r.service))) continue;
    services_seen.insert(r.service);
    if (options.index > 0 && r.number != options.index) continue;
    out.push_back(r);
  }
  if (options.index > 0 && out.empty() && !services_seen.empty())
    return Error(fmt::format("service {} has no container with index {}", *services_seen.begin(),
                             options.index));
  return out;
}

Result<int> print_project_logs(const ProjectLogsOptions& options, FILE* out, FILE* err) {
  PIER_TRY(state::ProjectPaths paths, state::project_paths(options.root, options.project));
  // No records directory: the project has never been up (or is down). Nothing to show
  // or follow.
  if (!dir_exists(paths.records_dir())) return 0;
  if (!options.follow) {
    PIER_TRY(auto records, state::RecordStore(paths.records_dir()).list());
    PIER_TRY(auto containers, select_log_containers(records, options));
    PIER_CHECK(print_once(containers, options, paths, out, err));
    return 0;
  }
  PIER_TRY(auto loop, event::make_uv_loop());
  Follow follow(*loop, options, paths, out, err);
  return follow.run();
}

}  // namespace pier::app::logs
