#include "app/watch/change_feed.h"

#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>

namespace pier::app::watch {
namespace {

// Compose's quiet period: a save that writes several files is one batch.
constexpr auto kQuietPeriod = std::chrono::milliseconds(500);
constexpr uint32_t kEvents = IN_CLOSE_WRITE | IN_MODIFY | IN_ATTRIB | IN_CREATE | IN_DELETE | IN_MOVED_FROM |
                             IN_MOVED_TO | IN_DONT_FOLLOW | IN_EXCL_UNLINK | IN_ONLYDIR;

std::string child(const std::string& dir, const std::string& name) { return dir.empty() ? name : dir + "/" + name; }

}  // namespace

Result<std::unique_ptr<ChangeFeed>> ChangeFeed::start(event::Loop& loop, const std::string& root,
                                                      builder::IgnoreMatcher ignore, OnBatch on_batch) {
  struct stat st {};
  if (::stat(root.c_str(), &st) != 0) return Error::system("watch", root, errno);
  std::unique_ptr<ChangeFeed> feed(new ChangeFeed(loop, root, std::move(ignore), std::move(on_batch)));
  if (!S_ISDIR(st.st_mode)) {
    auto p = std::filesystem::path(root);
    feed->root_ = p.parent_path().string();
    feed->file_name_ = p.filename().string();
  }
  feed->inotify_ = UniqueFd(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (!feed->inotify_) return Error::system("inotify_init1", root, errno);
  if (feed->file_name_.empty()) PIER_CHECK(feed->add_tree(""));
  else {
    int wd = ::inotify_add_watch(feed->inotify_.get(), feed->root_.c_str(), kEvents);
    if (wd < 0) return Error::system("inotify_add_watch", feed->root_, errno);
    feed->dirs_[wd] = "";
  }
  auto* raw = feed.get();
  feed->quiet_ = loop.create_timer([raw] {
    auto batch = std::exchange(raw->pending_, {});
    if (!batch.empty()) raw->on_batch_(batch);
  });
  PIER_TRY(feed->watch_, loop.watch_fd(feed->inotify_.get(), event::kReadable, [raw](int) { raw->read_events(); }));
  return feed;
}

Status ChangeFeed::add_tree(const std::string& rel) {
  if (!rel.empty() && ignore_.ignored(rel) && !ignore_.may_include_below(rel)) return {};
  std::string dir = rel.empty() ? root_ : root_ + "/" + rel;
  int wd = ::inotify_add_watch(inotify_.get(), dir.c_str(), kEvents);
  if (wd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return {};  // gone, or replaced, meanwhile
    if (errno == ENOSPC)
      return Error::system("inotify_add_watch", dir, errno).hint("raise fs.inotify.max_user_watches");
    return Error::system("inotify_add_watch", dir, errno);
  }
  dirs_[wd] = rel;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_directory(ec) && !it->is_symlink(ec)) PIER_CHECK(add_tree(child(rel, it->path().filename().string())));
  return {};
}

void ChangeFeed::read_events() {
  alignas(inotify_event) char buffer[16384];
  for (;;) {
    ssize_t n = ::read(inotify_.get(), buffer, sizeof buffer);
    if (n <= 0) break;
    for (char* p = buffer; p < buffer + n;) {
      auto* e = reinterpret_cast<inotify_event*>(p);
      p += sizeof(inotify_event) + e->len;
      if (e->mask & IN_Q_OVERFLOW) {
        pending_.insert("");  // lost events: everything may have changed
        continue;
      }
      auto dir = dirs_.find(e->wd);
      if (dir == dirs_.end()) continue;
      if (e->mask & IN_IGNORED) {
        dirs_.erase(dir);
        continue;
      }
      std::string name = e->len ? std::string(e->name) : std::string();
      if (!file_name_.empty()) {
        if (name == file_name_) pending_.insert("");
        continue;
      }
      std::string rel = name.empty() ? dir->second : child(dir->second, name);
      if (!rel.empty() && ignore_.ignored(rel)) continue;
      pending_.insert(rel);
      if ((e->mask & (IN_CREATE | IN_MOVED_TO)) && (e->mask & IN_ISDIR)) (void)add_tree(rel);
    }
  }
  if (!pending_.empty()) quiet_->start(kQuietPeriod);
}

}  // namespace pier::app::watch
