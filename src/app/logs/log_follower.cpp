#include "app/logs/log_follower.h"

#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "base/log.h"
#include "supervisor/logs/json_line.h"

namespace pier::app::logs {
namespace {

// On the log's own directory: writes to the file, and files appearing, renamed or
// removed (rotation). On an ancestor, while the log's directory does not exist yet:
// only directories appearing.
constexpr uint32_t kDirMask = IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
                              IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
constexpr uint32_t kAncestorMask = IN_CREATE | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

std::string parent_of(const std::string& dir) {
  std::string parent = std::filesystem::path(dir).parent_path().string();
  return parent.empty() ? "/" : parent;
}

}  // namespace

LogFollower::LogFollower(std::string path) : path_(std::move(path)) {
  dir_ = parent_of(path_);
}

Result<std::unique_ptr<LogFollower>> LogFollower::open(std::string path, bool from_start) {
  std::error_code ec;
  auto absolute = std::filesystem::absolute(path, ec);
  if (ec) return Error::system("resolve log path", path, ec.value());
  std::unique_ptr<LogFollower> f(new LogFollower(absolute.lexically_normal().string()));
  f->inotify_.reset(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (!f->inotify_) return Error::system("create inotify instance for", f->path_, errno);
  // Watch first, then look at the file: whatever happens after the look is an event.
  PIER_CHECK(f->watch_nearest());
  PIER_CHECK(f->open_file(!from_start));
  return f;
}

std::optional<FileId> LogFollower::file_id() const {
  if (!file_) return std::nullopt;
  return id_;
}

Status LogFollower::watch_nearest() {
  // Bounded: each round goes at least one directory deeper.
  for (int round = 0; round < 256; ++round) {
    std::string target = dir_;
    int wd = -1;
    for (;;) {
      uint32_t mask = target == dir_ ? kDirMask : kAncestorMask;
      wd = ::inotify_add_watch(inotify_.get(), target.c_str(), mask);
      if (wd >= 0) break;
      if ((errno != ENOENT && errno != ENOTDIR) || target == "/")
        return Error::system("watch directory", target, errno).context("following `" + path_ + "`");
      target = parent_of(target);
    }
    if (wd_ >= 0 && wd_ != wd) ::inotify_rm_watch(inotify_.get(), wd_);  // may be gone already
    wd_ = wd;
    watched_ = target;
    rewatch_ = false;
    if (watched_ == dir_) return {};
    // The next directory down may have appeared while we walked up, before the watch
    // could see it: if so, go down again.
    size_t from = watched_ == "/" ? 1 : watched_.size() + 1;
    std::string child = dir_.substr(0, dir_.find('/', from));
    if (!exists(child)) return {};
  }
  return {};
}

Status LogFollower::drain_events() {
  alignas(struct inotify_event) char buf[4096];
  for (;;) {
    ssize_t n = ::read(inotify_.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return {};
      return Error::system("read inotify events for", path_, errno);
    }
    if (n == 0) return {};
    // Which file changed matters little: read_new() looks at the file each time. Only
    // the loss of the watched directory needs handling here.
    for (char* p = buf; p < buf + n;) {
      auto* ev = reinterpret_cast<struct inotify_event*>(p);
      if (ev->wd == wd_ && (ev->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF))) {
        rewatch_ = true;
        if (ev->mask & IN_IGNORED) wd_ = -1;
      }
      p += sizeof(struct inotify_event) + ev->len;
    }
  }
}

Status LogFollower::open_file(bool at_end) {
  UniqueFd fd(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return {};
    return Error::system("open container log", path_, errno);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Error::system("stat container log", path_, errno);
  id_ = {st.st_dev, st.st_ino};
  offset_ = 0;
  buffer_.clear();
  skip_partial_ = false;
  if (at_end && st.st_size > 0) {
    offset_ = static_cast<uint64_t>(st.st_size);
    // Opened in the middle of a line being written: its rest is not a whole entry.
    char last = '\n';
    if (::pread(fd.get(), &last, 1, st.st_size - 1) == 1 && last != '\n') skip_partial_ = true;
  }
  file_ = std::move(fd);
  return {};
}

void LogFollower::take_lines(std::vector<LogEntry>& out) {
  size_t pos = 0;
  for (;;) {
    size_t nl = buffer_.find('\n', pos);
    if (nl == std::string::npos) break;
    std::string_view line(buffer_.data() + pos, nl - pos);
    pos = nl + 1;
    if (skip_partial_) {
      skip_partial_ = false;
      continue;
    }
    LogEntry entry;
    if (parse_json_line(line, entry)) {
      out.push_back(std::move(entry));
    } else if (skipped_++ == 0) {
      log::warn("skipping lines of `{}` that are not json-file log entries", path_);
    }
  }
  buffer_.erase(0, pos);
}

Status LogFollower::read_to_end(std::vector<LogEntry>& out) {
  struct stat st {};
  if (::fstat(file_.get(), &st) != 0) return Error::system("stat container log", path_, errno);
  if (static_cast<uint64_t>(st.st_size) < offset_) {
    // Truncated in place: what it holds now is new.
    offset_ = 0;
    buffer_.clear();
    skip_partial_ = false;
  }
  char buf[65536];
  for (;;) {
    ssize_t n = ::pread(file_.get(), buf, sizeof buf, static_cast<off_t>(offset_));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::system("read container log", path_, errno);
    }
    if (n == 0) return {};
    offset_ += static_cast<uint64_t>(n);
    buffer_.append(buf, static_cast<size_t>(n));
    take_lines(out);
  }
}

Result<std::vector<LogEntry>> LogFollower::read_new() {
  PIER_CHECK(drain_events());
  if (rewatch_ || watched_ != dir_) PIER_CHECK(watch_nearest());
  std::vector<LogEntry> out;
  // Bounded in case the file is replaced again and again while we read.
  for (int round = 0; round < 16; ++round) {
    if (!file_) {
      PIER_CHECK(open_file(false));  // a file that appeared after open: all of it is new
      if (!file_) break;
    }
    // Look at the path before draining our file: the writer renames and then
    // reopens, so once the path names another file (or none), nothing more will be
    // written to ours and reading it to its end loses nothing.
    struct stat st {};
    bool replaced;
    if (::stat(path_.c_str(), &st) != 0) {
      if (errno != ENOENT) return Error::system("stat container log", path_, errno);
      replaced = true;
    } else {
      replaced = FileId{st.st_dev, st.st_ino} != id_;
    }
    PIER_CHECK(read_to_end(out));
    if (!replaced) break;
    PIER_CHECK(read_rotated_after(out));
    file_.reset();  // an unfinished line left in the old file will never end: dropped
  }
  return out;
}

// Our file was rotated away. If the writer rotated more than once since we last read
// (our file is now `.k`, k > 1), the files between (`.k-1` ... `.1`) were written and
// rotated without us: read them whole before the current file.
Status LogFollower::read_rotated_after(std::vector<LogEntry>& out) {
  std::vector<std::string> newer;
  for (int i = 1;; ++i) {
    std::string file = path_ + "." + std::to_string(i);
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) return {};  // ours is not among them (or was removed)
    if (FileId{st.st_dev, st.st_ino} == id_) break;
    newer.push_back(std::move(file));
  }
  for (auto file = newer.rbegin(); file != newer.rend(); ++file) {
    UniqueFd fd(::open(file->c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
      if (errno == ENOENT) continue;  // rotated out of the kept set meanwhile
      return Error::system("open container log", *file, errno);
    }
    file_ = std::move(fd);
    offset_ = 0;
    buffer_.clear();
    skip_partial_ = false;
    PIER_CHECK(read_to_end(out));
  }
  return {};
}

}  // namespace pier::app::logs
