// ContainerDriver over runtime:: — each call is the runtime's own, nothing added.
#include "supervisor/container_driver.h"

#include "state/container_record.h"
#include "supervisor/container_teardown.h"
#include "sys/syscalls.h"

namespace pier::supervisor {
namespace {

class RuntimeDriver final : public ContainerDriver {
 public:
  Result<runtime::Container> spawn(const runtime::ContainerSpec& spec, const runtime::SpawnOptions& options) override {
    return runtime::spawn(spec, options);
  }
  Result<runtime::ExecHandle> exec(const runtime::Container& container, const runtime::Process& process) override {
    return runtime::exec_in(container, process);
  }
  Result<int> wait(int pidfd) override { return runtime::wait(pidfd); }
  Status kill(const runtime::Container& container, int signal) override { return runtime::kill(container, signal); }
  Status pause(const runtime::Container& container) override { return runtime::pause(container); }
  Status resume(const runtime::Container& container) override { return runtime::resume(container); }
  Result<runtime::CgroupStats> stats(const runtime::Container& container) override { return runtime::stats(container); }
  std::vector<std::string> ignored_limits(const runtime::Resources& res) override {
    return runtime::ignored_limits(res);
  }
  Status destroy(const std::string& project, const std::string& name, const std::string& state_dir) override {
    return runtime::destroy(project, name, state_dir);
  }
  Status remove(const state::ProjectPaths& paths, const std::string& name, const std::string& scratch_dir) override {
    return destroy_container(paths, name, scratch_dir);
  }
  void release_project(const std::string& project) override { runtime::release_project(project); }
  bool alive(pid_t pid, uint64_t start_time) override { return state::process_matches(pid, start_time); }
  UniqueFd open_pidfd(pid_t pid) override { return UniqueFd(sys::pidfd_open(pid)); }
};

}  // namespace

std::unique_ptr<ContainerDriver> make_runtime_driver() { return std::make_unique<RuntimeDriver>(); }

}  // namespace pier::supervisor
