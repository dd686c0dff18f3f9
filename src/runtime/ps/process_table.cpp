#include "runtime/ps/process_table.h"

#include <dirent.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include <fmt/format.h>

#include "base/atomic_file.h"
#include "runtime/cgroup/manager.h"

namespace pier::runtime {
namespace {

// What ps needs from /proc/<pid>/stat (fields counted from 1, as proc(5) does).
struct Stat {
  std::string comm;
  long ppid = 0;
  unsigned long tty_nr = 0;
  unsigned long long utime = 0, stime = 0, starttime = 0;  // clock ticks
};

bool read_stat(pid_t pid, Stat& out) {
  auto text = read_file(fmt::format("/proc/{}/stat", pid));
  if (!text) return false;
  // comm (field 2) may hold spaces and parentheses: everything up to the last ')'.
  auto open = text->find('('), close = text->rfind(')');
  if (open == std::string::npos || close == std::string::npos) return false;
  out.comm = text->substr(open + 1, close - open - 1);
  std::vector<std::string> f;  // f[0] is field 3 (state)
  size_t i = close + 2;
  while (i < text->size()) {
    size_t end = text->find(' ', i);
    if (end == std::string::npos) end = text->size();
    f.push_back(text->substr(i, end - i));
    i = end + 1;
  }
  if (f.size() < 20) return false;
  out.ppid = std::strtol(f[1].c_str(), nullptr, 10);
  out.tty_nr = std::strtoul(f[4].c_str(), nullptr, 10);
  out.utime = std::strtoull(f[11].c_str(), nullptr, 10);
  out.stime = std::strtoull(f[12].c_str(), nullptr, 10);
  out.starttime = std::strtoull(f[19].c_str(), nullptr, 10);
  return true;
}

// The effective uid (second number of the `Uid:` line), as ps -ef shows it.
std::string user_of(pid_t pid) {
  auto text = read_file(fmt::format("/proc/{}/status", pid));
  if (!text) return "?";
  auto at = text->find("\nUid:");
  if (at == std::string::npos) return "?";
  char* end = nullptr;
  std::strtoul(text->c_str() + at + 5, &end, 10);
  uid_t uid = static_cast<uid_t>(std::strtoul(end, nullptr, 10));
  struct passwd pw {}, *found = nullptr;
  char buf[4096];
  if (::getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 && found) return pw.pw_name;
  return std::to_string(uid);
}

std::string command_of(pid_t pid, const std::string& comm) {
  auto text = read_file(fmt::format("/proc/{}/cmdline", pid));
  if (!text || text->empty()) return "[" + comm + "]";  // kernel threads, zombies
  std::string cmd = *text;
  while (!cmd.empty() && cmd.back() == '\0') cmd.pop_back();
  std::replace(cmd.begin(), cmd.end(), '\0', ' ');
  return cmd;
}

std::string tty_name(unsigned long tty_nr) {
  if (tty_nr == 0) return "?";
  unsigned maj = major(tty_nr), min = minor(tty_nr);
  if (maj >= 136 && maj <= 143) return fmt::format("pts/{}", (maj - 136) * 256 + min);
  if (maj == 4) return min < 64 ? fmt::format("tty{}", min) : fmt::format("ttyS{}", min - 64);
  return "?";
}

// ps's STIME: the time of day for a process started in the last 24 hours, the date
// ("Nov23") this year, the year before that.
std::string start_text(time_t started, time_t now) {
  std::tm tm{}, now_tm{};
  ::localtime_r(&started, &tm);
  ::localtime_r(&now, &now_tm);
  char buf[32];
  const char* format = now - started < 24 * 3600 ? "%H:%M" : tm.tm_year == now_tm.tm_year ? "%b%d" : "%Y";
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

std::string cpu_time_text(unsigned long long seconds) {
  unsigned long long days = seconds / 86400;
  std::string hms = fmt::format("{:02}:{:02}:{:02}", seconds / 3600 % 24, seconds / 60 % 60, seconds % 60);
  return days ? fmt::format("{}-{}", days, hms) : hms;
}

// Boot time and uptime, for the start time and the CPU share (C).
struct Clock {
  long hz = ::sysconf(_SC_CLK_TCK);
  time_t boot = 0;
  double uptime = 0;
};

Clock read_clock() {
  Clock c;
  if (auto stat = read_file("/proc/stat")) {
    if (auto at = stat->find("\nbtime "); at != std::string::npos)
      c.boot = static_cast<time_t>(std::strtoll(stat->c_str() + at + 7, nullptr, 10));
  }
  if (auto up = read_file("/proc/uptime")) c.uptime = std::strtod(up->c_str(), nullptr);
  return c;
}

}  // namespace

std::vector<PsRow> ps_rows(std::vector<pid_t> pids) {
  std::sort(pids.begin(), pids.end());
  Clock clock = read_clock();
  time_t now = ::time(nullptr);
  std::vector<PsRow> rows;
  for (pid_t pid : pids) {
    Stat st;
    if (!read_stat(pid, st)) continue;
    unsigned long long cpu_ticks = st.utime + st.stime;
    double age = clock.uptime - static_cast<double>(st.starttime) / clock.hz;
    // ps's C: integer percent of the process's lifetime spent on a CPU, at most 99.
    long c = age > 0 ? std::min(99L, static_cast<long>(cpu_ticks * 100.0 / clock.hz / age)) : 0;
    time_t started = clock.boot + static_cast<time_t>(st.starttime / clock.hz);
    rows.push_back({user_of(pid), std::to_string(pid), std::to_string(st.ppid), std::to_string(c),
                    start_text(started, now), tty_name(st.tty_nr), cpu_time_text(cpu_ticks / clock.hz),
                    command_of(pid, st.comm)});
  }
  return rows;
}

Result<std::vector<pid_t>> cgroup_pids(const std::string& rel) {
  // An empty name would be the hierarchy's root: every process of the host.
  if (rel.empty()) return Error("the container has no cgroup recorded");
  PIER_TRY(CgroupManager* manager, cgroup_manager());
  if (!manager->exists(rel)) return Error("cgroup `" + rel + "` does not exist (" + manager->name() + ")");
  return manager->processes(rel);
}

Result<std::vector<pid_t>> container_pids(const std::string& cgroup, pid_t pid) {
  if (!cgroup.empty()) return cgroup_pids(cgroup);
  const std::string ns = fmt::format("/proc/{}/ns/pid", pid);
  struct stat init{};
  if (::stat(ns.c_str(), &init) != 0) return Error::system("stat", ns, errno);
  std::vector<pid_t> out;
  DIR* proc = ::opendir("/proc");
  if (!proc) return Error::system("opendir", "/proc", errno);
  while (dirent* e = ::readdir(proc)) {
    char* end = nullptr;
    long p = std::strtol(e->d_name, &end, 10);
    if (p <= 0 || *end) continue;
    struct stat st{};
    // A process that exits meanwhile (or that we may not inspect) is not listed.
    if (::stat(fmt::format("/proc/{}/ns/pid", p).c_str(), &st) == 0 && st.st_dev == init.st_dev &&
        st.st_ino == init.st_ino)
      out.push_back(static_cast<pid_t>(p));
  }
  ::closedir(proc);
  return out;
}

}  // namespace pier::runtime
