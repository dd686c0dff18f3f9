// cgroup v1: one directory per hierarchy; limits go to the hierarchy owning the controller.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <fmt/format.h>

#include <chrono>
#include <thread>

#include "base/round.h"
#include "base/strings.h"
#include "base/unique_fd.h"
#include "runtime/cgroup/files.h"
#include "runtime/cgroup/manager.h"

namespace pier::runtime {

namespace {

class V1Manager final : public CgroupManager {
 public:
  explicit V1Manager(std::vector<V1Hierarchy> h) : hierarchies_(std::move(h)) {}
  const char* name() const override { return "v1"; }

  Status create(const std::string& rel, const Resources& res,
                const std::vector<DeviceRule>& devices) override {
    // Without the devices controller nothing would stop the container opening any host
    // device node it can reach or make (with CAP_MKNOD, Docker's default): fail closed.
    const std::string devices_dir = path_of("devices", rel);
    if (devices_dir.empty() && restricts_devices(devices))
      return Error("device access control: no v1 devices hierarchy is mounted, so the container could use "
                   "every host device; refusing to start it")
          .hint("mount the devices controller (mount -t cgroup -o devices cgroup /sys/fs/cgroup/devices) "
                "or boot with the unified hierarchy (cgroup v2)");
    for (const auto& h : hierarchies_) {
      PIER_CHECK(cgfs::mkdir_p(h.root, rel, nullptr));
      if (has(h, "cpuset")) PIER_CHECK(inherit_cpuset_path(h.root, rel));
    }
    PIER_CHECK(apply_memory(rel, res));
    PIER_CHECK(apply_cpu(rel, res));
    PIER_CHECK(apply_misc(rel, res));
    if (!devices_dir.empty()) PIER_CHECK(apply_devices(devices_dir, devices));
    return {};
  }

  int open_for_clone(const std::string&) override { return -1; }

  Result<std::vector<UniqueFd>> open_for_self_attach(const std::string& rel) override {
    std::vector<UniqueFd> tasks;
    for (const auto& h : hierarchies_) {
      std::string path = h.root + "/" + rel + "/tasks";
      UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
      if (!fd) return Error::system("open", path, errno);
      tasks.push_back(std::move(fd));
    }
    return tasks;
  }

  Status add_process(const std::string& rel, pid_t pid) override {
    std::string text = std::to_string(pid);
    for (const auto& h : hierarchies_) PIER_CHECK(cgfs::write(h.root + "/" + rel + "/cgroup.procs", text));
    return {};
  }

  Result<std::vector<pid_t>> processes(const std::string& rel) override {
    std::string dir = path_of("pids", rel);
    if (dir.empty()) dir = hierarchies_.front().root + "/" + rel;
    // A supervisor killed inside create() leaves the cgroup in only some hierarchies.
    // Processes join only after create() made them all, so such a cgroup has none.
    if (!cgfs::is_dir(dir)) return std::vector<pid_t>{};
    return cgfs::read_pids(dir + "/cgroup.procs");
  }

  Result<CgroupStats> stats(const std::string& rel) override {
    CgroupStats s;
    if (auto m = path_of("memory", rel); !m.empty()) {
      PIER_TRY(s.memory_usage, cgfs::read_u64(m + "/memory.usage_in_bytes"));
      PIER_TRY(uint64_t limit, cgfs::read_u64(m + "/memory.limit_in_bytes"));
      s.memory_limit = limit >= (uint64_t{1} << 62) ? 0 : limit;
      s.oom_kills = cgfs::read_key(m + "/memory.oom_control", "oom_kill");
      s.memory_inactive_file = cgfs::read_key(m + "/memory.stat", "total_inactive_file");
    }
    if (auto b = path_of("blkio", rel); !b.empty()) {
      // The throttle files count every I/O whatever the scheduler (Docker reads them too).
      if (auto io = cgfs::read(b + "/blkio.throttle.io_service_bytes_recursive")) {
        IoBytes bytes = parse_blkio_service_bytes(*io);
        s.io_read_bytes = bytes.read;
        s.io_write_bytes = bytes.write;
      }
    }
    if (auto c = path_of("cpuacct", rel); !c.empty()) {
      PIER_TRY(s.cpu_usage_ns, cgfs::read_u64(c + "/cpuacct.usage"));
    }
    if (auto p = path_of("pids", rel); !p.empty()) {
      PIER_TRY(s.pids_current, cgfs::read_u64(p + "/pids.current"));
    }
    return s;
  }

  Status freeze(const std::string& rel, bool frozen) override {
    std::string dir = path_of("freezer", rel);
    if (dir.empty()) return Error("freeze: no v1 freezer hierarchy is mounted");
    const char* want = frozen ? "FROZEN" : "THAWED";
    PIER_CHECK(cgfs::write(dir + "/freezer.state", want));
    for (int i = 0; i < 1000; ++i) {
      PIER_TRY(std::string state, cgfs::read(dir + "/freezer.state"));
      if (trim(state) == want) return {};
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return Error(fmt::format("freeze {}: still not {} after 1 s", dir, want));
  }

  Status kill_all(const std::string& rel) override {
    if (!exists(rel)) return {};
    if (auto pids = processes(rel); pids.ok() && pids->empty()) return {};
    // Freeze first so nothing forks between reading the list and the kills.
    bool frozen = !path_of("freezer", rel).empty() && freeze(rel, true).ok();
    for (int round = 0; round < 2000; ++round) {
      PIER_TRY(auto pids, processes(rel));
      if (pids.empty()) break;
      for (pid_t p : pids) ::kill(p, SIGKILL);
      if (frozen) {
        PIER_CHECK(freeze(rel, false));
        frozen = false;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    if (frozen) PIER_CHECK(freeze(rel, false));
    return {};
  }

  Status remove(const std::string& rel) override {
    Status first;
    for (const auto& h : hierarchies_) {
      auto st = cgfs::remove_dir(h.root + "/" + rel);
      if (!st && first) first = std::move(st);
    }
    return first;
  }

  void remove_parents(const std::string& rel) override {
    for (const auto& h : hierarchies_) {
      std::string r = rel;
      // pier/<project> then pier: EBUSY/ENOTEMPTY means another container still uses them.
      for (int i = 0; i < 2; ++i) {
        auto slash = r.rfind('/');
        if (slash == std::string::npos) break;
        r.resize(slash);
        if (::rmdir((h.root + "/" + r).c_str()) != 0) break;
      }
    }
  }

  std::vector<FsMount> container_mounts() const override {
    std::vector<FsMount> out;
    for (const auto& h : hierarchies_) out.push_back({h.controllers, "cgroup", h.controllers});
    return out;
  }

  bool exists(const std::string& rel) override {
    for (const auto& h : hierarchies_)
      if (cgfs::is_dir(h.root + "/" + rel)) return true;
    return false;
  }

 private:
  static bool has(const V1Hierarchy& h, const std::string& controller) {
    for (const auto& c : split(h.controllers, ','))
      if (c == controller) return true;
    return false;
  }
  std::string path_of(const std::string& controller, const std::string& rel) const {
    for (const auto& h : hierarchies_)
      if (has(h, controller)) return h.root + "/" + rel;
    return {};
  }

  // A new v1 cpuset cgroup starts empty and refuses tasks: copy the parent's sets into
  // every level still empty (another container may have just created pier/<project>).
  static Status inherit_cpuset_path(const std::string& root, const std::string& rel) {
    std::string parent = root;
    for (const auto& part : split(rel, '/')) {
      std::string dir = parent + "/" + part;
      for (const char* file : {"/cpuset.cpus", "/cpuset.mems"}) {
        PIER_TRY(std::string mine, cgfs::read(dir + file));
        if (!trim(mine).empty()) continue;
        PIER_TRY(std::string value, cgfs::read(parent + file));
        if (!trim(value).empty()) PIER_CHECK(cgfs::write(dir + file, std::string(trim(value))));
      }
      parent = dir;
    }
    return {};
  }

  // One open per file: each write() to devices.allow/deny is one rule.
  static Status apply_devices(const std::string& dir, const std::vector<DeviceRule>& rules) {
    UniqueFd allow, deny;
    for (const auto& rule : rules) {
      UniqueFd& fd = rule.allow ? allow : deny;
      std::string path = dir + (rule.allow ? "/devices.allow" : "/devices.deny");
      if (!fd) fd.reset(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
      if (!fd) return Error::system("open", path, errno);
      std::string text = rule.to_v1();
      if (::write(fd.get(), text.data(), text.size()) < 0) return Error::system("write `" + text + "` to", path, errno);
    }
    return {};
  }

  Status apply_memory(const std::string& rel, const Resources& res) {
    std::string m = path_of("memory", rel);
    if (m.empty()) {
      if (res.memory || res.memory_swap || res.memory_reservation)
        return Error("memory limit: no v1 memory hierarchy is mounted");
      return {};
    }
    if (res.memory) PIER_CHECK(cgfs::write(m + "/memory.limit_in_bytes", std::to_string(*res.memory)));
    if (res.memory_swap) {
      auto st = cgfs::write(m + "/memory.memsw.limit_in_bytes", std::to_string(*res.memory_swap));
      if (!st) return std::move(st).error().hint("the kernel may lack swap accounting (swapaccount=1)");
    }
    if (res.memory_reservation)
      PIER_CHECK(cgfs::write(m + "/memory.soft_limit_in_bytes", std::to_string(*res.memory_reservation)));
    return {};
  }

  Status apply_cpu(const std::string& rel, const Resources& res) {
    std::string c = path_of("cpu", rel);
    if (!c.empty() && res.cpus) {
      constexpr int64_t period = 100000;
      PIER_CHECK(cgfs::write(c + "/cpu.cfs_period_us", std::to_string(period)));
      PIER_CHECK(cgfs::write(c + "/cpu.cfs_quota_us", std::to_string(round_to_int64(*res.cpus * period))));
    }
    if (!c.empty() && res.cpu_shares) PIER_CHECK(cgfs::write(c + "/cpu.shares", std::to_string(*res.cpu_shares)));
    std::string s = path_of("cpuset", rel);
    if (!s.empty() && !res.cpuset_cpus.empty()) PIER_CHECK(cgfs::write(s + "/cpuset.cpus", res.cpuset_cpus));
    if (!s.empty() && !res.cpuset_mems.empty()) PIER_CHECK(cgfs::write(s + "/cpuset.mems", res.cpuset_mems));
    return {};
  }

  Status apply_misc(const std::string& rel, const Resources& res) {
    if (res.pids_limit) {
      std::string p = path_of("pids", rel);
      if (p.empty()) return Error("pids limit: no v1 pids hierarchy is mounted");
      std::string v = *res.pids_limit > 0 ? std::to_string(*res.pids_limit) : "max";
      PIER_CHECK(cgfs::write(p + "/pids.max", v));
    }
    if (res.blkio_weight) {
      std::string b = path_of("blkio", rel);
      std::string v = std::to_string(*res.blkio_weight);
      if (b.empty()) return Error("blkio weight: no v1 blkio hierarchy is mounted");
      if (cgfs::is_dir(b) && cgfs::write(b + "/blkio.weight", v).ok()) return {};
      auto st = cgfs::write(b + "/blkio.bfq.weight", v);
      if (!st) return std::move(st).error().hint("the block I/O scheduler must be bfq (or cfq) for a weight");
    }
    return {};
  }

  std::vector<V1Hierarchy> hierarchies_;
};

}  // namespace

std::unique_ptr<CgroupManager> make_cgroup_v1(std::vector<V1Hierarchy> hierarchies) {
  return std::make_unique<V1Manager>(std::move(hierarchies));
}

}  // namespace pier::runtime
