// No cgroups: a rootless pier whose user was not delegated a cgroup v2 subtree (no
// systemd user session, or a cgroup v1 host whose hierarchies belong to root). The
// container still starts; nothing limits it, and its processes are found through its
// PID namespace instead (spawn requires a private one: its init dying kills the rest).
#include <fmt/format.h>

#include "runtime/cgroup/manager.h"

namespace pier::runtime {

namespace {

Error no_cgroup(const char* operation, const std::string& rel) {
  return Error(fmt::format("{} {}: the container has no cgroup, since pier runs rootless and no cgroup v2 subtree is "
                           "delegated to this user",
                           operation, rel))
      .hint("run pier from a session whose cgroup the user owns (systemd's user@.service delegates one)");
}

class NoCgroupManager final : public CgroupManager {
 public:
  const char* name() const override { return "none"; }
  bool tracks_processes() const override { return false; }
  std::vector<std::string> limit_controllers() override { return {}; }
  Status create(const std::string&, const Resources&, const std::vector<DeviceRule>&) override { return {}; }
  int open_for_clone(const std::string&) override { return -1; }
  Status add_process(const std::string&, pid_t) override { return {}; }
  Result<std::vector<pid_t>> processes(const std::string& rel) override { return no_cgroup("list processes of", rel); }
  Result<CgroupStats> stats(const std::string& rel) override { return no_cgroup("read the figures of", rel); }
  Status freeze(const std::string& rel, bool frozen) override { return no_cgroup(frozen ? "freeze" : "thaw", rel); }
  Status kill_all(const std::string&) override { return {}; }
  Status remove(const std::string&) override { return {}; }
  void remove_parents(const std::string&) override {}
  bool exists(const std::string&) override { return false; }
  std::vector<FsMount> container_mounts() const override { return {}; }
};

}  // namespace

std::unique_ptr<CgroupManager> make_no_cgroup() { return std::make_unique<NoCgroupManager>(); }

}  // namespace pier::runtime
