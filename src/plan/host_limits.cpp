#include "plan/host_limits.h"

#include <linux/capability.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>

#include "sys/user_namespace.h"

namespace pier::plan {

std::optional<int> rlimit_resource(std::string_view name) {
  struct Row {
    std::string_view name;
    int resource;
  };
  // The names Docker accepts (go-units ulimit.go).
  static constexpr Row kRows[] = {
      {"as", RLIMIT_AS},         {"core", RLIMIT_CORE},       {"cpu", RLIMIT_CPU},
      {"data", RLIMIT_DATA},     {"fsize", RLIMIT_FSIZE},     {"locks", RLIMIT_LOCKS},
      {"memlock", RLIMIT_MEMLOCK}, {"msgqueue", RLIMIT_MSGQUEUE}, {"nice", RLIMIT_NICE},
      {"nofile", RLIMIT_NOFILE}, {"nproc", RLIMIT_NPROC},     {"rss", RLIMIT_RSS},
      {"rtprio", RLIMIT_RTPRIO}, {"rttime", RLIMIT_RTTIME},   {"sigpending", RLIMIT_SIGPENDING},
      {"stack", RLIMIT_STACK},
  };
  for (const auto& r : kRows)
    if (r.name == name) return r.resource;
  return std::nullopt;
}

bool has_sys_resource() {
  // The kernel asks for CAP_SYS_RESOURCE in the initial user namespace to raise a hard
  // rlimit or lower oom_score_adj: the full set a rootless pier holds in its own
  // namespace does not count.
  if (!sys::in_initial_user_namespace()) return false;
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (::syscall(SYS_capget, &header, data) != 0) return false;
  return data[CAP_SYS_RESOURCE / 32].effective & (1u << (CAP_SYS_RESOURCE % 32));
}

uint64_t max_hard_rlimit(int resource) {
  if (has_sys_resource()) return RLIM_INFINITY;
  rlimit cur{};
  if (::getrlimit(static_cast<__rlimit_resource>(resource), &cur) != 0) return RLIM_INFINITY;
  return cur.rlim_max;
}

int own_oom_score_adj() {
  int value = 0;
  if (FILE* f = std::fopen("/proc/self/oom_score_adj", "re")) {
    if (std::fscanf(f, "%d", &value) != 1) value = 0;
    std::fclose(f);
  }
  return value;
}

}  // namespace pier::plan
