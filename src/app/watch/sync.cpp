#include "app/watch/sync.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "base/unique_fd.h"
#include "sys/in_root.h"
#include "sys/in_root_write.h"

namespace pier::app::watch {
namespace {

std::string join(const std::string& a, const std::string& b) { return b.empty() ? a : a + "/" + b; }

Status copy_entry(const sys::ContentRoot& root, const std::string& host, const std::string& target, int& count) {
  struct stat st {};
  if (::lstat(host.c_str(), &st) != 0) {
    if (errno != ENOENT && errno != ENOTDIR) return Error::system("stat", host, errno);
    PIER_CHECK(sys::remove_in_root(root, target));
    ++count;
    return {};
  }
  if (S_ISLNK(st.st_mode)) return {};
  if (S_ISDIR(st.st_mode)) {
    PIER_TRY(auto dir, sys::make_dirs_in_root(root, target));
    (void)dir;
    ++count;
    std::error_code ec;
    for (std::filesystem::directory_iterator it(host, ec), end; !ec && it != end; it.increment(ec)) {
      std::string name = it->path().filename().string();
      PIER_CHECK(copy_entry(root, host + "/" + name, target + "/" + name, count));
    }
    return {};
  }
  if (!S_ISREG(st.st_mode)) return {};  // a FIFO or a socket on the host: nothing to copy
  UniqueFd in(::open(host.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!in) {
    if (errno == ENOENT) return {};  // removed since: the next batch removes it
    return Error::system("open", host, errno);
  }
  PIER_CHECK(sys::write_file_in_root(root, target, in.get(), st.st_mode & 07777));
  ++count;
  return {};
}

}  // namespace

Result<int> sync_into(const state::ContainerRecord& container, const std::string& host_root, const std::string& target,
                      const std::set<std::string>& changed) {
  if (container.state != state::ContainerState::running || !state::process_matches(container.pid, container.pid_start_time))
    return Error("container " + container.name + " is not running");
  // The container's own view of its files: its root with its volumes and bind mounts.
  PIER_TRY(auto root, sys::ContentRoot::open("/proc/" + std::to_string(container.pid) + "/root"));
  root.path = container.name;
  int count = 0;
  for (const auto& rel : changed)
    PIER_CHECK(copy_entry(root, join(host_root, rel), join(target, rel), count)
                   .context("sync " + join(host_root, rel) + " to " + container.name + ":" + join(target, rel)));
  return count;
}

}  // namespace pier::app::watch
