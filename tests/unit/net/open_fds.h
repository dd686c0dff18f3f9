// How many file descriptors this process holds: flood tests check that a server
// keeps its own share bounded.
#pragma once

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <functional>

namespace pier::net::test {

inline size_t open_fds() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

// Runs `wait` with RLIMIT_NOFILE at the lowest free descriptor number, so the next
// accept4 gets EMFILE, and returns the CPU milliseconds it took: a listener that spins
// on a backlog it cannot take burns the whole wait. The limit is restored after.
inline long cpu_ms_out_of_fds(const std::function<void()>& wait) {
  rlimit saved{};
  if (getrlimit(RLIMIT_NOFILE, &saved) != 0) return -1;
  int lowest = dup(0);
  close(lowest);
  rlimit tight = saved;
  tight.rlim_cur = rlim_t(lowest);
  if (setrlimit(RLIMIT_NOFILE, &tight) != 0) return -1;
  auto cpu = [] {
    rusage r{};
    getrusage(RUSAGE_SELF, &r);
    return (r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1000L + (r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1000;
  };
  long before = cpu();
  wait();
  long used = cpu() - before;
  setrlimit(RLIMIT_NOFILE, &saved);
  return used;
}

}  // namespace pier::net::test
