#include "app/logs/log_streamer.h"

#include <sys/stat.h>

#include <set>

#include "base/log.h"

namespace pier::app::logs {
namespace {

// A source being dropped, destroyed on the next loop iteration: it may be dropped
// from inside its own fd watch's callback.
struct RetiredSource final : event::DeferredDeletable {
  std::unique_ptr<LogFollower> follower;
  std::unique_ptr<event::FdWatch> watch;
};

std::optional<FileId> id_of(const std::string& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return std::nullopt;
  return FileId{st.st_dev, st.st_ino};
}

}  // namespace

LogStreamer::LogStreamer(event::Loop& loop, PrinterOptions options, FILE* out, FILE* err)
    : loop_(loop), printer_(options, out, err) {
  on_error_ = [](const std::string& name, const Error& error) {
    log::warn("stopped following the logs of {}: {}", name, error.to_string());
  };
}

LogStreamer::~LogStreamer() = default;

Status LogStreamer::add(const std::string& name, const std::string& log_path, bool from_start,
                        const ReadOptions& backlog) {
  return add({FollowTarget{name, log_path, from_start, backlog}});
}

// The rotated files first (except one the follower already holds, if a rotation came
// between), then what the follower reads of the current file: no entry twice, none lost.
Result<std::vector<LogEntry>> LogStreamer::backlog(const FollowTarget& target,
                                                    LogFollower& follower) {
  std::vector<LogEntry> entries;
  if (!target.from_start) return entries;
  std::optional<FileId> current = follower.file_id();
  for (const auto& file : log_files(follower.path())) {
    if (file == follower.path()) continue;
    if (current && id_of(file) == current) continue;
    PIER_TRY(auto older, read_log_file(file));
    entries.insert(entries.end(), std::make_move_iterator(older.begin()),
                   std::make_move_iterator(older.end()));
  }
  PIER_TRY(auto now, follower.read_new());
  entries.insert(entries.end(), std::make_move_iterator(now.begin()),
                 std::make_move_iterator(now.end()));
  filter_entries(entries, target.backlog);
  return entries;
}

Status LogStreamer::add(const std::vector<FollowTarget>& targets) {
  std::vector<std::unique_ptr<LogFollower>> followers;
  std::vector<std::vector<LogEntry>> backlogs;
  std::set<std::string> names;
  for (const auto& t : targets) {
    if (contains(t.name) || !names.insert(t.name).second)
      return Error("already following the logs of " + t.name);
    PIER_TRY(auto follower, LogFollower::open(t.log_path, t.from_start));
    PIER_TRY(auto entries, backlog(t, *follower));
    followers.push_back(std::move(follower));
    backlogs.push_back(std::move(entries));
  }
  for (const auto& t : targets) printer_.add_name(t.name);
  for (const auto& e : merge_by_time(std::move(backlogs))) printer_.print(targets[e.source].name, e.entry);
  printer_.flush();
  for (size_t i = 0; i < targets.size(); ++i) {
    const std::string& name = targets[i].name;
    PIER_TRY(auto watch, loop_.watch_fd(followers[i]->fd(), event::kReadable,
                                        [this, name](int) { print_new(name); }));
    sources_[name] = Source{std::move(followers[i]), std::move(watch), targets[i].backlog.until_ns};
  }
  return {};
}

// What the container's follower has that is new and within `until`; nullopt (and
// the source dropped) if its log cannot be read.
std::optional<std::vector<LogEntry>> LogStreamer::take_new(const std::string& name) {
  auto it = sources_.find(name);
  if (it == sources_.end()) return std::nullopt;  // retired, its watch not yet destroyed
  auto entries = it->second.follower->read_new();
  if (!entries) {
    on_error_(name, entries.error());
    retire(name);
    return std::nullopt;
  }
  if (auto until = it->second.until_ns)
    std::erase_if(*entries, [&](const LogEntry& e) { return e.time_ns > *until; });
  return std::move(*entries);
}

void LogStreamer::print_new(const std::string& name) {
  auto entries = take_new(name);
  if (!entries) return;
  for (const auto& e : *entries) printer_.print(name, e);
  printer_.flush();
}

void LogStreamer::remove(const std::string& name) {
  if (!contains(name)) return;
  print_new(name);
  retire(name);
}

void LogStreamer::poll_all() {
  std::vector<std::string> names;
  for (const auto& [name, _] : sources_) names.push_back(name);
  std::vector<std::vector<LogEntry>> news;
  for (const auto& name : names) news.push_back(take_new(name).value_or(std::vector<LogEntry>{}));
  for (const auto& e : merge_by_time(std::move(news))) printer_.print(names[e.source], e.entry);
  printer_.flush();
}

void LogStreamer::retire(const std::string& name) {
  auto it = sources_.find(name);
  if (it == sources_.end()) return;
  auto retired = std::make_unique<RetiredSource>();
  retired->follower = std::move(it->second.follower);
  retired->watch = std::move(it->second.watch);
  sources_.erase(it);
  loop_.defer_delete(std::move(retired));
}

}  // namespace pier::app::logs
