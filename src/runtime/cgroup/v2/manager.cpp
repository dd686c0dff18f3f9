// cgroup v2: one unified tree; controllers enabled down the pier/<project> path.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <signal.h>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "base/round.h"
#include "base/strings.h"
#include "runtime/cgroup/files.h"
#include "runtime/cgroup/manager.h"

namespace pier::runtime {

Status attach_device_program(const std::string& dir, const std::vector<DeviceRule>& rules);

namespace {

class V2Manager final : public CgroupManager {
 public:
  V2Manager(std::string root, bool rootless) : root_(std::move(root)), rootless_(rootless) {}
  const char* name() const override { return "v2"; }

  std::vector<std::string> limit_controllers() override {
    if (!rootless_) return CgroupManager::limit_controllers();
    // What the delegated cgroup hands down: enabling fails while a process of ours sits
    // in it (the no-internal-processes rule), and then its children get no controller.
    enable_controllers_at(root_);
    auto enabled = cgfs::read(root_ + "/cgroup.subtree_control");
    std::vector<std::string> out;
    if (!enabled) return out;
    for (const auto& c : split(trim(*enabled), ' '))
      if (c == "memory" || c == "cpu" || c == "cpuset" || c == "pids" || c == "io") out.push_back(c);
    return out;
  }

  Status create(const std::string& rel, const Resources& res,
                const std::vector<DeviceRule>& devices) override {
    enable_controllers(rel);
    PIER_CHECK(cgfs::mkdir_p(root_, rel, nullptr));
    std::string d = dir(rel);
    // Rootless: a limit whose controller is not delegated is left out (up warned).
    std::vector<std::string> usable = limit_controllers();
    auto applies = [&](const char* c) { return std::find(usable.begin(), usable.end(), c) != usable.end(); };
    if (applies("memory")) PIER_CHECK(write_memory(d, res));
    if (applies("cpu") && res.cpus)
      PIER_CHECK(cgfs::write(d + "/cpu.max", fmt::format("{} 100000", round_to_int64(*res.cpus * 100000))));
    if (applies("cpu") && res.cpu_shares) {
      // The runc/crun conversion of shares [2, 262144] to weight [1, 10000].
      uint64_t w = 1 + ((std::max<uint64_t>(*res.cpu_shares, 2) - 2) * 9999) / 262142;
      PIER_CHECK(cgfs::write(d + "/cpu.weight", std::to_string(w)));
    }
    if (applies("cpuset") && !res.cpuset_cpus.empty()) PIER_CHECK(cgfs::write(d + "/cpuset.cpus", res.cpuset_cpus));
    if (applies("cpuset") && !res.cpuset_mems.empty()) PIER_CHECK(cgfs::write(d + "/cpuset.mems", res.cpuset_mems));
    if (applies("pids") && res.pids_limit)
      PIER_CHECK(cgfs::write(d + "/pids.max", *res.pids_limit > 0 ? std::to_string(*res.pids_limit) : "max"));
    if (applies("io") && res.blkio_weight) PIER_CHECK(write_io_weight(d, *res.blkio_weight));
    if (!applies("devices")) return {};
    return attach_device_program(d, devices);
  }

  int open_for_clone(const std::string& rel) override {
    return ::open(dir(rel).c_str(), O_DIRECTORY | O_PATH | O_CLOEXEC);
  }

  Status add_process(const std::string& rel, pid_t pid) override {
    return cgfs::write(dir(rel) + "/cgroup.procs", std::to_string(pid));
  }

  Result<std::vector<pid_t>> processes(const std::string& rel) override {
    return cgfs::read_pids(dir(rel) + "/cgroup.procs");
  }

  Result<CgroupStats> stats(const std::string& rel) override {
    CgroupStats s;
    std::string d = dir(rel);
    if (auto v = cgfs::read_u64(d + "/memory.current")) s.memory_usage = *v;
    if (auto v = cgfs::read_u64(d + "/memory.max")) s.memory_limit = *v;
    s.cpu_usage_ns = cgfs::read_key(d + "/cpu.stat", "usage_usec") * 1000;
    if (auto v = cgfs::read_u64(d + "/pids.current")) s.pids_current = *v;
    s.oom_kills = cgfs::read_key(d + "/memory.events", "oom_kill");
    s.memory_inactive_file = cgfs::read_key(d + "/memory.stat", "inactive_file");
    if (auto io = cgfs::read(d + "/io.stat")) {
      IoBytes bytes = parse_io_stat(*io);
      s.io_read_bytes = bytes.read;
      s.io_write_bytes = bytes.write;
    }
    return s;
  }

  Status freeze(const std::string& rel, bool frozen) override {
    std::string d = dir(rel);
    PIER_CHECK(cgfs::write(d + "/cgroup.freeze", frozen ? "1" : "0"));
    for (int i = 0; i < 1000; ++i) {
      if (cgfs::read_key(d + "/cgroup.events", "frozen") == (frozen ? 1u : 0u)) return {};
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return Error(fmt::format("freeze {}: state did not settle within 1 s", d));
  }

  Status kill_all(const std::string& rel) override {
    if (!exists(rel)) return {};
    std::string d = dir(rel);
    if (!cgfs::write(d + "/cgroup.kill", "1").ok()) {
      PIER_TRY(auto pids, processes(rel));
      for (pid_t p : pids) ::kill(p, SIGKILL);
    }
    for (int i = 0; i < 2000; ++i) {
      if (cgfs::read_key(d + "/cgroup.events", "populated") == 0) return {};
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    return Error(fmt::format("kill {}: processes remain after 1 s", d));
  }

  Status remove(const std::string& rel) override {
    return cgfs::remove_dir(dir(rel));
  }

  void remove_parents(const std::string& rel) override {
    std::string r = rel;
    for (int i = 0; i < 2; ++i) {
      auto slash = r.rfind('/');
      if (slash == std::string::npos) break;
      r.resize(slash);
      if (::rmdir(dir(r).c_str()) != 0) break;
    }
  }

  bool exists(const std::string& rel) override { return cgfs::is_dir(dir(rel)); }

  std::vector<FsMount> container_mounts() const override { return {{"", "cgroup2", ""}}; }

 private:
  std::string dir(const std::string& rel) const { return root_ + "/" + rel; }

  static Status write_memory(const std::string& d, const Resources& res) {
    if (res.memory) PIER_CHECK(cgfs::write(d + "/memory.max", std::to_string(*res.memory)));
    if (res.memory_swap) {
      std::string v = "max";
      if (*res.memory_swap >= 0) v = std::to_string(*res.memory_swap - res.memory.value_or(0));
      PIER_CHECK(cgfs::write(d + "/memory.swap.max", v));
    }
    if (res.memory_reservation) PIER_CHECK(cgfs::write(d + "/memory.low", std::to_string(*res.memory_reservation)));
    return {};
  }

  // Asks `path` to hand every controller it has down to its children (best effort).
  static void enable_controllers_at(const std::string& path) {
    auto available = cgfs::read(path + "/cgroup.controllers");
    if (!available) return;
    for (const auto& c : split(trim(*available), ' '))
      if (!c.empty()) (void)cgfs::write(path + "/cgroup.subtree_control", "+" + c);
  }

  // blkio weight 10..1000: BFQ's io.bfq.weight takes it as is (1..1000); io.weight
  // (1..10000) takes runc's and crun's linear conversion (10 -> 1, 1000 -> 10000).
  static Status write_io_weight(const std::string& d, uint16_t weight) {
    if (cgfs::is_file(d + "/io.bfq.weight")) return cgfs::write(d + "/io.bfq.weight", std::to_string(weight));
    uint64_t w = 1 + (static_cast<uint64_t>(std::clamp<uint16_t>(weight, 10, 1000)) - 10) * 9999 / 990;
    return cgfs::write(d + "/io.weight", "default " + std::to_string(w));
  }

  // Each ancestor must delegate the controllers to its children. Controllers the kernel
  // lacks (or that are busy in a hybrid setup) are skipped; limits then fail by name.
  void enable_controllers(const std::string& rel) {
    auto available = cgfs::read(root_ + "/cgroup.controllers");
    if (!available) return;
    auto controllers = split(trim(*available), ' ');
    auto parts = split(rel, '/');
    std::string path = root_;
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
      for (const auto& c : controllers)
        if (!c.empty()) (void)cgfs::write(path + "/cgroup.subtree_control", "+" + c);
      path += "/" + parts[i];
      (void)::mkdir(path.c_str(), 0755);
    }
    for (const auto& c : controllers)
      if (!c.empty()) (void)cgfs::write(path + "/cgroup.subtree_control", "+" + c);
  }

  std::string root_;
  bool rootless_;
};

}  // namespace

std::unique_ptr<CgroupManager> make_cgroup_v2(std::string root, bool rootless) {
  return std::make_unique<V2Manager>(std::move(root), rootless);
}

}  // namespace pier::runtime
