#include "net/rootless/connector.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <sstream>
#include <thread>

#include "base/atomic_file.h"
#include "base/unique_fd.h"

extern char** environ;

namespace pier::net::rootless {

namespace {

using namespace std::chrono_literals;

// How long a connector may take to set the namespace up.
constexpr auto kStartTimeout = 10s;

std::optional<std::string> find_on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (dir.empty()) continue;
    std::string candidate = dir + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

std::string comm_of(pid_t pid) {
  auto text = read_file(fmt::format("/proc/{}/comm", pid));
  if (!text) return "";
  std::string name = *text;
  while (!name.empty() && name.back() == '\n') name.pop_back();
  return name;
}

// The last line the connector printed, for the error.
std::string last_line(const std::string& log_file) {
  auto text = read_file(log_file, 64 * 1024, 0);
  if (!text) return "";
  std::istringstream lines(*text);
  std::string line, last;
  while (std::getline(lines, line))
    if (!line.empty()) last = line;
  return last;
}

std::string tun_hint() {
  if (::access("/dev/net/tun", R_OK | W_OK) == 0) return "";
  return "; /dev/net/tun is not readable and writable by this user (it is mode 0666 on most systems: "
         "`sudo chmod 0666 /dev/net/tun`)";
}

// posix_spawn with stdin from /dev/null, stdout and stderr to the log, in a session
// of its own (no terminal signal reaches it), and `keep_fd` passed through as itself.
Result<pid_t> spawn(const std::vector<std::string>& argv, const std::string& log_file, int keep_fd = -1) {
  UniqueFd log(::open(log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!log) return Error::system("create connector log", log_file, errno);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, log.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, log.get(), 2);
  // dup2 onto itself clears FD_CLOEXEC (posix_spawn_file_actions_adddup2, POSIX 2024).
  if (keep_fd >= 0) posix_spawn_file_actions_adddup2(&actions, keep_fd, keep_fd);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0].c_str(), &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return Error::system("start", argv[0], rc);
  return pid;
}

// pasta sets the namespace up, writes its pid file, and goes to the background: the
// process we started exits 0 then, or with the failure.
Status start_pasta(const std::string& binary, const ConnectorFiles& files) {
  PIER_TRY(pid_t pid, spawn(pasta_arguments(binary, files), files.log_file, files.netns_fd));
  auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  int status = 0;
  for (;;) {
    pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0) return Error::system("wait for", binary, errno);
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return Error(fmt::format("start {}: not ready after {} s", binary, kStartTimeout.count()));
    }
    std::this_thread::sleep_for(5ms);
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && running_connector(files.pid_file)) return {};
  Error e(fmt::format("start {} for {}: {}", binary, files.netns, last_line(files.log_file)));
  e.hint(fmt::format("its output is in {}{}", files.log_file, tun_hint()));
  return e;
}

// slirp4netns stays in the foreground: it is started in a session of its own and
// says on `--ready-fd` when the namespace is configured.
Status start_slirp4netns(const std::string& binary, const ConnectorFiles& files) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return Error::system("create pipe for", binary, errno);
  UniqueFd ready_read(pipe_fds[0]), ready_write(pipe_fds[1]);
  PIER_TRY(pid_t pid, spawn(slirp4netns_arguments(binary, files.netns, ready_write.get()), files.log_file,
                            ready_write.get()));
  ready_write.reset();
  pollfd p{ready_read.get(), POLLIN, 0};
  char byte = 0;
  bool ready = ::poll(&p, 1, static_cast<int>(std::chrono::milliseconds(kStartTimeout).count())) == 1 &&
               ::read(ready_read.get(), &byte, 1) == 1 && byte == '1';
  if (!ready) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    Error e(fmt::format("start {} for {}: {}", binary, files.netns, last_line(files.log_file)));
    e.hint(fmt::format("its output is in {}{}", files.log_file, tun_hint()));
    return e;
  }
  return write_file_atomic(files.pid_file, fmt::format("{}\n", pid), 0600);
}

}  // namespace

std::vector<std::string> pasta_arguments(const std::string& binary, const ConnectorFiles& files) {
  return {binary, "--config-net", "--netns", files.netns, "--pid", files.pid_file,
          // No port forwarding of its own in either direction: published ports are
          // pier's proxy's, and the host's ports stay unreachable from containers.
          "-t", "none", "-u", "none", "-T", "none", "-U", "none",
          // The gateway address is not the host's loopback: a container reaches no
          // service that listens on the host's 127.0.0.1, as with rootful pier.
          "--no-map-gw", "--dns-forward", kPastaDnsRelay, "--quiet"};
}

std::vector<std::string> slirp4netns_arguments(const std::string& binary, const std::string& netns, int ready_fd) {
  return {binary, "--configure", "--mtu=65520", "--disable-host-loopback", "--netns-type=path",
          fmt::format("--ready-fd={}", ready_fd), netns, "tap0"};
}

Result<std::string> start_connector(const ConnectorFiles& files) {
  if (auto pasta = find_on_path("pasta")) {
    PIER_CHECK(start_pasta(*pasta, files));
    return std::string("pasta");
  }
  if (auto slirp = find_on_path("slirp4netns")) {
    PIER_CHECK(start_slirp4netns(*slirp, files));
    return std::string("slirp4netns");
  }
  Error e("connect the rootless network namespace to the outside: neither `pasta` nor `slirp4netns` is on PATH");
  e.hint("install the `passt` package (it provides pasta; `slirp4netns` also works): sudo apt install passt");
  return e;
}

std::optional<pid_t> running_connector(const std::string& pid_file) {
  auto text = read_file(pid_file);
  if (!text) return std::nullopt;
  pid_t pid = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), pid);
  if (ec != std::errc() || pid <= 0) return std::nullopt;
  std::string name = comm_of(pid);
  if (name != "pasta" && name != "passt" && name != "slirp4netns" && name != "pasta.avx2" && name != "passt.avx2")
    return std::nullopt;
  return pid;
}

std::optional<IpAddress> dns_relay(const std::string& pid_file) {
  auto pid = running_connector(pid_file);
  if (!pid) return std::nullopt;
  const char* relay = comm_of(*pid) == "slirp4netns" ? "10.0.2.3" : kPastaDnsRelay;
  return IpAddress::parse(relay).value();
}

Status stop_connector(const std::string& pid_file) {
  if (auto pid = running_connector(pid_file)) {
    ::kill(*pid, SIGTERM);
    for (int i = 0; i < 100 && running_connector(pid_file); ++i) {
      ::waitpid(*pid, nullptr, WNOHANG);  // slirp4netns is our child when we started it
      std::this_thread::sleep_for(10ms);
    }
    if (running_connector(pid_file)) ::kill(*pid, SIGKILL);
    ::waitpid(*pid, nullptr, WNOHANG);
  }
  if (::unlink(pid_file.c_str()) != 0 && errno != ENOENT) return Error::system("remove", pid_file, errno);
  return {};
}

}  // namespace pier::net::rootless
