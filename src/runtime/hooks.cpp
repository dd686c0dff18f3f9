#include "runtime/hooks.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fmt/format.h>

#include "base/atomic_file.h"
#include "base/dirs.h"
#include "base/log.h"
#include "base/unique_fd.h"
#include "sys/syscalls.h"

namespace pier::runtime {

namespace {

constexpr size_t kOutputTail = 2048;         // of a failed hook's output, in its error
constexpr size_t kPoststopFileLimit = 1 << 20;

std::string json_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\', out += c;
    else if (static_cast<unsigned char>(c) < 0x20) out += fmt::format("\\u{:04x}", static_cast<unsigned char>(c));
    else out += c;
  }
  return out + "\"";
}

std::string json_strings(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + json_quote(items[i]);
  return out + "]";
}

std::string hooks_json(const Hooks& h) {
  std::string out = "{";
  bool first = true;
  auto stage = [&](const char* name, const std::vector<Hook>& hooks) {
    if (hooks.empty()) return;
    out += fmt::format("{}\"{}\":[", first ? "" : ",", name);
    first = false;
    for (size_t i = 0; i < hooks.size(); ++i)
      out += fmt::format("{}{{\"path\":{},\"args\":{},\"env\":{},\"timeout\":{}}}", i ? "," : "", json_quote(hooks[i].path),
                         json_strings(hooks[i].args), json_strings(hooks[i].env), hooks[i].timeout);
    out += "]";
  };
  stage("createRuntime", h.create_runtime);
  stage("createContainer", h.create_container);
  stage("startContainer", h.start_container);
  stage("poststart", h.poststart);
  stage("poststop", h.poststop);
  return out + "}";
}

// The poststop hooks, NUL-separated: path, timeout, argc, args, envc, env per hook.
std::string encode_hooks(const std::vector<Hook>& hooks) {
  std::string out;
  auto field = [&](std::string_view s) { out.append(s).push_back('\0'); };
  for (const auto& h : hooks) {
    field(h.path);
    field(std::to_string(h.timeout));
    field(std::to_string(h.args.size()));
    for (const auto& a : h.args) field(a);
    field(std::to_string(h.env.size()));
    for (const auto& e : h.env) field(e);
  }
  return out;
}

Result<std::vector<Hook>> decode_hooks(const std::string& text) {
  std::vector<std::string> f;
  for (size_t at = 0; at < text.size();) {
    size_t end = text.find('\0', at);
    if (end == std::string::npos) return Error("truncated poststop hooks file");
    f.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  std::vector<Hook> out;
  size_t i = 0;
  auto number = [&]() -> Result<size_t> {
    if (i >= f.size()) return Error("truncated poststop hooks file");
    size_t n = 0;
    for (char c : f[i]) {
      if (c < '0' || c > '9' || n > 100000) return Error("corrupt poststop hooks file");
      n = n * 10 + static_cast<size_t>(c - '0');
    }
    ++i;
    return n;
  };
  auto list = [&](std::vector<std::string>& into) -> Status {
    PIER_TRY(size_t n, number());
    if (n > f.size() - i) return Error("truncated poststop hooks file");
    into.assign(f.begin() + static_cast<long>(i), f.begin() + static_cast<long>(i + n));
    i += n;
    return {};
  };
  while (i < f.size()) {
    Hook h;
    h.path = f[i++];
    PIER_TRY(size_t timeout, number());
    h.timeout = static_cast<int>(timeout);
    PIER_CHECK(list(h.args));
    PIER_CHECK(list(h.env));
    out.push_back(std::move(h));
  }
  return out;
}

// The forked hook process: only async-signal-safe calls until execve (the parent is
// multi-threaded). Joins the namespaces first, so `cwd` is looked up in them.
[[noreturn]] void hook_failed(int out, const char* what, int code) {
  (void)!::write(out, what, __builtin_strlen(what));
  ::_exit(code);
}

[[noreturn]] void exec_hook(const Hook& hook, char* const* argv, char* const* envp, int in, int out,
                            const HookPlace& place) {
  auto die = [&](const char* what, int code) { hook_failed(out, what, code); };
  if (place.pidfd >= 0 && ::setns(place.pidfd, static_cast<int>(place.ns_flags)) < 0)
    die("pier: cannot join the container's namespaces\n", 126);
  struct sigaction dfl{};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &dfl, nullptr);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  if (::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(out, 2) < 0) die("pier: cannot set up stdio\n", 126);
  sys::close_range(3, ~0U, 0);
  if (::chdir(place.cwd.c_str()) < 0 && ::chdir("/") < 0) die("pier: cannot chdir\n", 126);
  ::execve(hook.path.c_str(), argv, envp);
  hook_failed(out, "pier: cannot execute the hook\n", 127);
}

// What a hook printed, the last kOutputTail bytes.
std::string output_tail(int fd) {
  struct stat st{};
  if (::fstat(fd, &st) < 0 || st.st_size <= 0) return {};
  off_t from = st.st_size > static_cast<off_t>(kOutputTail) ? st.st_size - static_cast<off_t>(kOutputTail) : 0;
  std::string buf(static_cast<size_t>(st.st_size - from), '\0');
  ssize_t n = ::pread(fd, buf.data(), buf.size(), from);
  buf.resize(n > 0 ? static_cast<size_t>(n) : 0);
  while (!buf.empty() && (buf.back() == '\n' || buf.back() == ' ')) buf.pop_back();
  return buf;
}

// Waits for the hook until its timeout; kills it after. The exit code, or -1 on timeout.
Result<int> wait_with_timeout(int pidfd, int timeout_s) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{pidfd, POLLIN, 0};
    int rc = left.count() > 0 ? ::poll(&p, 1, static_cast<int>(left.count())) : 0;
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) return Error::system("poll", "hook", errno);
    siginfo_t info{};
    if (rc == 0) sys::pidfd_send_signal(pidfd, SIGKILL);
    int w;
    do w = ::waitid(P_PIDFD, static_cast<id_t>(pidfd), &info, WEXITED);
    while (w < 0 && errno == EINTR);
    if (w < 0) return Error::system("waitid", "hook", errno);
    if (rc == 0) return -1;
    return info.si_code == CLD_EXITED ? info.si_status : 128 + info.si_status;
  }
}

Status run_hook(const Hook& hook, const char* stage, const std::string& state, const HookPlace& place) {
  // Everything the child needs exists before the fork.
  std::vector<std::string> args = hook.args.empty() ? std::vector<std::string>{hook.path} : hook.args;
  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env = hook.env;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  // The state goes into a pipe before the hook starts (it is far below a pipe's
  // capacity), so neither side waits on the other.
  int p[2];
  if (::pipe2(p, O_CLOEXEC) < 0) return Error::system("pipe", "hook", errno);
  UniqueFd in(p[0]), in_w(p[1]);
  if (::write(in_w.get(), state.data(), state.size()) != static_cast<ssize_t>(state.size()))
    return Error::system("write", "hook state", errno);
  in_w.reset();
  UniqueFd out(::memfd_create("pier-hook-output", MFD_CLOEXEC));
  if (!out) return Error::system("memfd_create", "hook output", errno);
  int pidfd_raw = -1;
  pid_t pid = sys::clone_with(0, &pidfd_raw, SIGCHLD);
  if (pid < 0) return Error::system("fork", hook.path, errno);
  if (pid == 0) exec_hook(hook, argv.data(), envp.data(), in.get(), out.get(), place);
  UniqueFd pidfd(pidfd_raw);
  PIER_TRY(int code, wait_with_timeout(pidfd.get(), hook.timeout));
  if (code == 0) return {};
  std::string what = code < 0 ? fmt::format("timed out after {} s and was killed", hook.timeout)
                              : code > 128 ? fmt::format("was killed by signal {}", code - 128)
                                           : fmt::format("exited with status {}", code);
  Error e(fmt::format("{} hook `{}` {}", stage, hook.path, what));
  if (std::string tail = output_tail(out.get()); !tail.empty()) e.hint("it printed: " + tail);
  return e;
}

}  // namespace

std::string state_json(const HookState& s) {
  return fmt::format(R"({{"ociVersion":"1.0.2","id":{},"status":{},"pid":{},"bundle":{},"annotations":{{}}}})",
                     json_quote(s.id), json_quote(s.status), s.pid, json_quote(s.bundle));
}

Status run_hooks(const std::vector<Hook>& hooks, const char* stage, const HookState& state, const HookPlace& place) {
  const std::string json = state_json(state);
  for (const auto& h : hooks) PIER_CHECK(run_hook(h, stage, json, place));
  return {};
}

std::string bundle_dir(const std::string& state_dir) { return state_dir + "/bundle"; }

Status write_bundle(const ContainerSpec& spec, const std::string& rootfs) {
  if (spec.hooks.empty()) return {};
  const std::string dir = bundle_dir(spec.state_dir);
  PIER_CHECK(make_dirs(dir, 0700).context("hook bundle"));
  std::string config = fmt::format(R"({{"ociVersion":"1.0.2","root":{{"path":{}}},"hooks":{}}})", json_quote(rootfs),
                                   hooks_json(spec.hooks));
  PIER_CHECK(write_file_atomic(dir + "/config.json", config, 0600));
  if (!spec.hooks.poststop.empty()) PIER_CHECK(write_file_atomic(dir + "/poststop", encode_hooks(spec.hooks.poststop), 0600));
  return {};
}

void run_poststop_hooks(const std::string& state_dir, const std::string& name) {
  const std::string dir = bundle_dir(state_dir);
  auto text = read_file(dir + "/poststop", kPoststopFileLimit, O_NOFOLLOW);
  if (!text) return;  // no poststop hooks (or no bundle at all)
  auto hooks = decode_hooks(*text);
  if (!hooks) {
    log::warn("container {}: poststop hooks: {}", name, hooks.error().to_string());
    return;
  }
  HookPlace place;
  place.cwd = dir;
  if (auto st = run_hooks(*hooks, "poststop", {name, "stopped", 0, dir}, place); !st)
    log::warn("container {}: {}", name, st.error().to_string());
}

}  // namespace pier::runtime
