// RUN: one container from the runtime on the stage's layers with a fresh upper dir.
#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <optional>

#include <fmt/format.h>

#include "base/atomic_file.h"
#include "base/scope_exit.h"
#include "builder/executor/build_network.h"
#include "builder/executor/executor.h"
#include "image/layer_view.h"
#include "net/network.h"
#include "net/rootless/connector.h"
#include "runtime/container.h"
#include "runtime/rootfs.h"
#include "sys/user_namespace.h"

namespace pier::builder::detail {
namespace {

constexpr size_t kTailBytes = 8192;

// Output as lines to `progress`; the tail kept for the error message.
class OutputSink {
 public:
  explicit OutputSink(const BuildProgress& progress) : progress_(progress) {}
  void feed(const char* data, size_t n) {
    partial_.append(data, n);
    size_t start = 0;
    for (size_t nl; (nl = partial_.find('\n', start)) != std::string::npos; start = nl + 1)
      line(partial_.substr(start, nl - start));
    partial_.erase(0, start);
    if (partial_.size() > 65536) {
      line(partial_);
      partial_.clear();
    }
  }
  void flush() {
    if (!partial_.empty()) line(partial_);
    partial_.clear();
  }
  const std::string& tail() const { return tail_; }

 private:
  void line(const std::string& text) {
    if (progress_) progress_({BuildEvent::Kind::output, text, 0});
    tail_ += text + "\n";
    if (tail_.size() > kTailBytes) tail_.erase(0, tail_.size() - kTailBytes);
  }
  const BuildProgress& progress_;
  std::string partial_, tail_;
};

Result<UniqueFd> stdin_memfd(const std::string& data) {
  UniqueFd fd(::memfd_create("pier-build-stdin", MFD_CLOEXEC));
  if (!fd) return Error::system("memfd_create", "RUN stdin", errno);
  for (size_t done = 0; done < data.size();) {
    ssize_t w = ::write(fd.get(), data.data() + done, data.size() - done);
    if (w < 0) return Error::system("write", "RUN stdin", errno);
    done += static_cast<size_t>(w);
  }
  ::lseek(fd.get(), 0, SEEK_SET);
  return fd;
}

// A bind target the runtime had to create in the upper dir (the lower layers lack it)
// is not the step's content.
void drop_mount_points(const RunInput& input, const std::vector<std::string>& targets) {
  image::LayerView lower(input.layer_dirs);
  for (const auto& t : targets) {
    std::string up = input.state_dir + "/upper" + t;
    struct stat st {};
    if (::lstat(up.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size != 0) continue;
    auto below = lower.resolve(t, image::LayerView::Last::keep);
    // Dropped only when known to be missing below, not when the lookup failed.
    if (below && !*below) ::unlink(up.c_str());
  }
}

}  // namespace

Result<RunOutcome> run_in_container(const image::Store& store, const RunInput& input, const BuildProgress& progress) {
  runtime::ContainerSpec spec;
  spec.project = input.project;
  spec.name = input.name;
  spec.state_dir = input.state_dir;
  spec.layers = input.layer_dirs;
  if (spec.layers.empty()) spec.layers.push_back(input.empty_dir);  // scratch: an empty lower
  spec.hostname = "pier-build";
  spec.shm_size = input.shm_size;
  spec.process.argv = input.argv;
  spec.process.env = input.env;
  spec.process.user = input.user;
  spec.process.workdir = input.workdir.empty() ? "/" : input.workdir;
  std::vector<std::string> generated;
  std::string hosts = "127.0.0.1\tlocalhost pier-build\n::1\tlocalhost ip6-localhost ip6-loopback\n";
  for (const auto& [host, addr] : input.extra_hosts) hosts += addr + "\t" + host + "\n";
  spec.files.push_back({"/etc/hosts", hosts});
  generated.push_back("/etc/hosts");
  if (input.network != "none") {
    if (input.network == "host") spec.namespaces.net = runtime::NamespaceMode::host();
    auto resolv = read_file("/etc/resolv.conf");
    if (resolv && input.network == "default" && sys::rootless())
      resolv = std::string("nameserver ") + net::rootless::kPastaDnsRelay + "\n";
    if (resolv) {
      spec.files.push_back({"/etc/resolv.conf", *resolv});
      generated.push_back("/etc/resolv.conf");
    }
  }

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return Error::system("pipe", "RUN output", errno);
  UniqueFd out_read(pipe_fds[0]), out_write(pipe_fds[1]);
  UniqueFd in_fd;
  if (!input.stdin_data.empty()) {
    PIER_TRY(in_fd, stdin_memfd(input.stdin_data));
    spec.process.stdio[0] = in_fd.get();
  }
  spec.process.stdio[1] = out_write.get();
  spec.process.stdio[2] = out_write.get();

  runtime::SpawnOptions options;
  std::optional<net::Endpoint> endpoint;
  ScopeExit release([&] {
    if (endpoint) input.bridge->release(*endpoint);
  });
  // Rootless, a user cannot make the build's bridge in the host's network namespace:
  // the step's own namespace is connected to the outside by a pasta of its own, as
  // rootless Podman's builds are (no way to the host's loopback, no ports forwarded).
  std::string connector_pid = input.state_dir + ".connector.pid";
  std::string connector_log = input.state_dir + ".connector.log";
  ScopeExit stop_connector([&] {
    if (input.network != "default" || !sys::rootless()) return;
    (void)net::rootless::stop_connector(connector_pid);
    ::unlink(connector_log.c_str());
  });
  if (input.network == "default" && sys::rootless()) {
    options.before_exec = [&](pid_t pid, int) -> Status {
      PIER_TRY(auto ns, net::ContainerNetns::from_pid(pid));
      PIER_CHECK(ns.bring_up_loopback());
      auto started = net::rootless::start_connector(
          {fmt::format("/proc/self/fd/{}", ns.fd()), connector_pid, connector_log, ns.fd()});
      if (!started) return std::move(started).error().context("connect the RUN step's network");
      return {};
    };
  } else if (input.network == "default") {
    options.before_exec = [&](pid_t pid, int) -> Status {
      PIER_TRY(endpoint, input.bridge->attach(pid, input.name));
      return {};
    };
  } else if (input.network == "none") {
    options.before_exec = [](pid_t pid, int) -> Status {
      PIER_TRY(auto ns, net::ContainerNetns::from_pid(pid));
      return ns.bring_up_loopback();
    };
  }
  ScopeExit cleanup([&] { (void)runtime::destroy(input.project, input.name, input.state_dir); });
  PIER_TRY(runtime::Container container, runtime::spawn(spec, options));
  out_write.reset();
  in_fd.reset();

  OutputSink sink(progress);
  char buf[16384];
  bool exited = false;
  for (;;) {
    pollfd fds[2] = {{out_read.get(), POLLIN, 0}, {container.pidfd.get(), POLLIN, 0}};
    int n = ::poll(fds, exited ? 1 : 2, exited ? 0 : -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::system("poll", "RUN output", errno);
    if (fds[1].revents & POLLIN) exited = true;
    if (fds[0].revents & (POLLIN | POLLHUP)) {
      ssize_t r = ::read(out_read.get(), buf, sizeof buf);
      if (r > 0) {
        sink.feed(buf, static_cast<size_t>(r));
        continue;
      }
      if (r == 0) break;  // every writer closed
      if (errno == EINTR) continue;
      return Error::system("read", "RUN output", errno);
    }
    // Exited and nothing more to read now: a background process may hold the pipe;
    // it is killed with the cgroup below.
    if (exited && n == 0) break;
  }
  sink.flush();
  PIER_TRY(int code, runtime::wait(container.pidfd.get()));
  RunOutcome outcome;
  outcome.exit_code = code;
  outcome.output_tail = sink.tail();
  // Whatever the step left running goes before its upper dir is read.
  PIER_CHECK(runtime::destroy(input.project, input.name, ""));
  if (code != 0) return outcome;
  drop_mount_points(input, generated);
  PIER_TRY(LayerTar tar, LayerTar::create(store));
  PIER_CHECK(tar.add_upper_dir(input.state_dir + "/upper"));
  PIER_TRY(outcome.layer, tar.commit());
  return outcome;
}

}  // namespace pier::builder::detail
