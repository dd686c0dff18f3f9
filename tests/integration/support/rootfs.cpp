#include "integration/support/rootfs.h"

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/strings.h"

namespace fs = std::filesystem;

namespace pier::test {

namespace {

// Built once per test binary, removed at exit (the string is leaked on purpose so it
// outlives every static destructor).
const std::string& shared_dir() {
  static const std::string* dir = [] {
    std::string tmpl = this_run_prefix() + "layers-XXXXXX";
    auto* d = new std::string(::mkdtemp(tmpl.data()));
    ::chmod(d->c_str(), 0755);  // a user-namespaced root must reach the layers
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(*dir, ec);
    });
    return d;
  }();
  return *dir;
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

std::string build_base() {
  std::string d = shared_dir() + "/base";
  for (const char* sub : {"", "/bin", "/sbin", "/etc", "/proc", "/sys", "/dev", "/tmp", "/root", "/home/app", "/data"})
    fs::create_directories(d + sub);
  fs::copy_file("/bin/busybox", d + "/bin/busybox", fs::copy_options::overwrite_existing);
  FILE* list = ::popen("/bin/busybox --list", "r");
  char name[128];
  while (list && std::fgets(name, sizeof name, list)) {
    std::string applet = std::string(trim(name));
    if (applet.empty() || applet == "busybox") continue;
    std::error_code ec;
    fs::create_symlink("busybox", d + "/bin/" + applet, ec);
  }
  if (list) ::pclose(list);
  write_text(d + "/etc/passwd",
             "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n"
             "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
  write_text(d + "/etc/group", "root:x:0:\nwheel:x:10:app\naudio:x:29:app\napp:x:1000:\nstaff:x:50:\n");
  ::chmod((d + "/tmp").c_str(), 01777);
  return d;
}

std::string build_probe() {
  std::string d = shared_dir() + "/probe";
  fs::create_directories(d);
  fs::copy_file(PIER_PROBE_BINARY, d + "/probe", fs::copy_options::overwrite_existing);
  ::chmod((d + "/probe").c_str(), 0755);
  return d;
}

}  // namespace

const std::string& RunResult::operator[](const std::string& key) const {
  static const std::string empty;
  auto it = values.find(key);
  return it == values.end() ? empty : it->second;
}

std::string TestRoot::base_layer() {
  static const std::string d = build_base();
  return d;
}
std::string TestRoot::probe_layer() {
  static const std::string d = build_probe();
  return d;
}

TestRoot::TestRoot() {
  std::string tmpl = this_run_prefix() + "XXXXXX";
  root_ = ::mkdtemp(tmpl.data());
  ::chmod(root_.c_str(), 0755);
  project_ = "it" + std::to_string(::getpid()) + "-" + root_.substr(root_.size() - 6);
}

TestRoot::~TestRoot() {
  runtime::release_project(project_);
  std::error_code ec;
  fs::remove_all(root_, ec);
}

std::string TestRoot::unique(const std::string& prefix) { return prefix + std::to_string(++counter_); }

runtime::ContainerSpec TestRoot::spec(const std::vector<std::string>& probe_args) {
  runtime::ContainerSpec s;
  s.project = project_;
  s.name = unique("c");
  s.layers = {probe_layer(), base_layer()};
  s.state_dir = root_ + "/state-" + s.name;
  s.process.argv = {"/probe"};
  s.process.argv.insert(s.process.argv.end(), probe_args.begin(), probe_args.end());
  return s;
}

RunResult TestRoot::run(runtime::ContainerSpec spec) {
  RunResult r;
  int pipefd[2];
  REQUIRE(::pipe2(pipefd, O_CLOEXEC) == 0);
  spec.process.stdio[1] = pipefd[1];
  spec.process.stdio[2] = pipefd[1];
  auto c = runtime::spawn(spec);
  ::close(pipefd[1]);
  if (!c) {
    ::close(pipefd[0]);
    r.error = c.error().to_string();
    (void)runtime::destroy(spec.project, spec.name, spec.state_dir);
    return r;
  }
  r.started = true;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(pipefd[0], buf, sizeof buf)) > 0) r.output.append(buf, static_cast<size_t>(n));
  ::close(pipefd[0]);
  auto code = runtime::wait(c->pidfd.get());
  r.exit_code = code ? *code : -1;
  auto st = runtime::destroy(spec.project, spec.name, spec.state_dir);
  if (!st) r.error = st.error().to_string();
  r.values = parse_values(r.output);
  return r;
}

std::map<std::string, std::string> parse_values(const std::string& output) {
  std::map<std::string, std::string> out;
  for (const auto& line : split(output, '\n')) {
    auto eq = line.find('=');
    if (eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return out;
}

bool running_as_root() { return ::geteuid() == 0; }

// ctest runs several test processes at once: each counts only its own mounts.
std::string this_run_prefix() { return "/tmp/pier-it-" + std::to_string(::getpid()) + "-"; }

int count_mounts_under(const std::string& prefix) {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    auto parts = split(line, ' ');
    if (parts.size() > 4 && starts_with(parts[4], prefix)) ++n;
  }
  return n;
}

}  // namespace pier::test
