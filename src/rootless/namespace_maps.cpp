#include "rootless/namespace_maps.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <vector>

#include "base/atomic_file.h"
#include "base/unique_fd.h"

namespace pier::rootless {
namespace {

std::string user_name(uid_t uid) {
  std::vector<char> buf(16384);
  struct passwd pw {};
  struct passwd* found = nullptr;
  if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) != 0 || !found) return "";
  return pw.pw_name;
}

// The helper on PATH, then in the directories Debian installs it to: a command started
// with a clean environment may have no PATH at all.
std::string find_helper(const std::string& name) {
  std::string dirs = std::getenv("PATH") ? std::getenv("PATH") : "";
  dirs += ":/usr/bin:/bin:/usr/sbin:/sbin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t colon = dirs.find(':', start);
    std::string dir = dirs.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    if (!dir.empty() && dir.front() == '/') {
      std::string path = dir + "/" + name;
      if (::access(path.c_str(), X_OK) == 0) return path;
    }
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return "";
}

std::vector<IdRange> ranges_in(const char* file, const std::string& user, unsigned long id) {
  auto text = read_file(file);
  return text ? subordinate_ranges(*text, user, id) : std::vector<IdRange>{};
}

Status run_helper(const std::string& helper, pid_t pid, const std::vector<MapLine>& map) {
  std::vector<std::string> args{helper, std::to_string(pid)};
  for (auto& a : map_arguments(map)) args.push_back(std::move(a));
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t child = ::fork();
  if (child < 0) return Error::system("fork for", helper, errno);
  if (child == 0) {
    ::execv(helper.c_str(), argv.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0)
    if (errno != EINTR) return Error::system("wait for", helper, errno);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
  std::string how = WIFEXITED(status) ? "exited with status " + std::to_string(WEXITSTATUS(status))
                                      : "was killed by signal " + std::to_string(WTERMSIG(status));
  return Error("map ids of pier's user namespace: `" + helper + "` " + how)
      .hint("check this user's lines in /etc/subuid and /etc/subgid (docs/rootless.md)");
}

}  // namespace

NamespaceMaps plan_maps() {
  NamespaceMaps maps;
  uid_t uid = ::getuid();
  gid_t gid = ::getgid();
  std::string user = user_name(uid);
  auto uids = ranges_in("/etc/subuid", user, uid);
  auto gids = ranges_in("/etc/subgid", user, uid);
  maps.newuidmap = find_helper("newuidmap");
  maps.newgidmap = find_helper("newgidmap");
  std::string who = user.empty() ? "uid " + std::to_string(uid) : "user `" + user + "`";
  if (uids.empty() || gids.empty()) {
    maps.single_id_reason = who + " has no subordinate " + std::string(uids.empty() ? "uids in /etc/subuid" : "gids in /etc/subgid");
  } else if (maps.newuidmap.empty() || maps.newgidmap.empty()) {
    maps.single_id_reason = "newuidmap and newgidmap (Debian package `uidmap`) are not installed";
  }
  if (!maps.single_id_reason.empty()) {
    maps.newuidmap.clear();
    maps.newgidmap.clear();
    maps.uid = {{0, uid, 1}};
    maps.gid = {{0, gid, 1}};
    return maps;
  }
  maps.uid = build_map(uid, uids);
  maps.gid = build_map(gid, gids);
  return maps;
}

Status apply_maps(pid_t pid, const NamespaceMaps& maps) {
  if (!maps.newuidmap.empty()) {
    PIER_CHECK(run_helper(maps.newuidmap, pid, maps.uid));
    return run_helper(maps.newgidmap, pid, maps.gid);
  }
  // Without CAP_SETGID outside, a gid map is accepted only once setgroups is denied, so
  // the namespace can never drop a supplementary group the user has (user_namespaces(7)).
  std::string proc = "/proc/" + std::to_string(pid);
  auto write = [&](const std::string& file, const std::string& text) -> Status {
    UniqueFd fd(::open((proc + "/" + file).c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd || ::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
      return Error::system("write", proc + "/" + file, errno);
    return {};
  };
  PIER_CHECK(write("setgroups", "deny"));
  PIER_CHECK(write("uid_map", map_text(maps.uid)));
  return write("gid_map", map_text(maps.gid));
}

}  // namespace pier::rootless
