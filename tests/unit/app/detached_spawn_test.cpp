// spawn_detached with /bin/sh as the program: what the started process gets (session,
// parent, descriptors, environment, signals) is read back from its own /proc files,
// which it copies into the log before it exits.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "app/detached_spawn.h"
#include "base/atomic_file.h"
#include "base/unique_fd.h"

using namespace pier;
using namespace std::chrono_literals;

namespace {

// The log once the program has written its last line ("end").
std::string wait_for_end(const std::string& log) {
  auto text = [&] {
    auto r = read_file(log);
    return r ? *r : std::string();
  };
  for (auto deadline = std::chrono::steady_clock::now() + 10s; std::chrono::steady_clock::now() < deadline;) {
    if (text().find("end\n") != std::string::npos) break;
    std::this_thread::sleep_for(10ms);
  }
  return text();
}

std::string field(const std::string& text, const std::string& name) {
  auto at = text.find(name + "=");
  if (at == std::string::npos) return "";
  auto end = text.find('\n', at);
  return text.substr(at + name.size() + 1, end - at - name.size() - 1);
}

}  // namespace

TEST_CASE("spawn_detached: a new session, not its leader, not our child, only the fds it was given",
          "[app][spawn]") {
  char tmpl[] = "/tmp/pier-spawn-XXXXXX";
  std::filesystem::path dir = ::mkdtemp(tmpl);
  const std::string log = (dir / "out.log").string();
  UniqueFd sh(::open("/bin/sh", O_PATH | O_CLOEXEC));
  REQUIRE(sh.valid());
  int kept[2], other[2];
  REQUIRE(::pipe(kept) == 0);   // not close-on-exec: only the one named goes along
  REQUIRE(::pipe(other) == 0);
  // A handler of this process, and a blocked signal: neither reaches the program.
  struct sigaction handler {};
  handler.sa_handler = [](int) {};
  struct sigaction old_usr1 {};
  ::sigaction(SIGUSR1, &handler, &old_usr1);
  sigset_t block, old_mask;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR2);
  ::pthread_sigmask(SIG_BLOCK, &block, &old_mask);

  app::DetachedProgram program;
  program.exe_fd = sh.get();
  program.argv = {"sh", "-c",
                  "echo pid=$$; echo sid=$(cut -d' ' -f6 /proc/$$/stat); echo ppid=$(cut -d' ' -f4 /proc/$$/stat); "
                  "echo cwd=$(pwd); echo links=$(for f in /proc/$$/fd/*; do readlink $f; done | tr '\\n' ' '); "
                  "echo greeting=$GREETING; "
                  "grep -E '^(SigBlk|SigCgt)' /proc/$$/status | tr -d '\\t' | sed 's/:/=/'; "
                  "read line <&" + std::to_string(kept[0]) + "; echo stdin=$(cat); echo end"};
  program.env = {"GREETING=hello", "PATH=/usr/bin:/bin"};
  program.log = log;
  program.inherited_fds = {kept[0]};
  // The program reads one line from the kept pipe: it then runs while the caller has
  // gone on (the call returned before it finished).
  REQUIRE(app::spawn_detached(program));
  ::sigaction(SIGUSR1, &old_usr1, nullptr);
  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  REQUIRE(::write(kept[1], "go\n", 3) == 3);
  std::string out = wait_for_end(log);
  INFO(out);
  const std::string pid = field(out, "pid");
  REQUIRE_FALSE(pid.empty());
  CHECK(field(out, "sid") != std::to_string(::getsid(0)));  // a session of its own...
  CHECK(field(out, "sid") != pid);                           // ...which it does not lead
  CHECK(field(out, "ppid") != std::to_string(::getpid()));   // not this process's child
  CHECK(field(out, "cwd") == "/");
  // The read end of `kept` (its write end is of the same pipe: once), nothing of `other`.
  auto pipe_name = [](int fd) {
    struct stat st {};
    ::fstat(fd, &st);
    return "pipe:[" + std::to_string(st.st_ino) + "]";
  };
  const std::string links = field(out, "links");
  CHECK(links.find("/dev/null") != std::string::npos);
  CHECK(links.find(log) != std::string::npos);
  auto at = links.find(pipe_name(kept[0]));
  CHECK(at != std::string::npos);
  CHECK(links.find(pipe_name(kept[0]), at + 1) == std::string::npos);
  CHECK(links.find(pipe_name(other[0])) == std::string::npos);
  CHECK(field(out, "greeting") == "hello");
  CHECK(field(out, "SigBlk") == "0000000000000000");
  CHECK(field(out, "stdin").empty());  // /dev/null
  CHECK((std::filesystem::status(log).permissions() & std::filesystem::perms::all) ==
        (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
  for (int fd : {kept[0], kept[1], other[0], other[1]}) ::close(fd);
  std::filesystem::remove_all(dir);
}

TEST_CASE("spawn_detached: a program that cannot run is no error of the call", "[app][spawn]") {
  // The exec happens in the program's process: 127 goes to whoever reaps it.
  char tmpl[] = "/tmp/pier-spawn-XXXXXX";
  std::filesystem::path dir = ::mkdtemp(tmpl);
  UniqueFd not_a_program(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  app::DetachedProgram program;
  program.exe_fd = not_a_program.get();
  program.argv = {"nothing"};
  program.log = (dir / "out.log").string();
  CHECK(app::spawn_detached(program));
  std::filesystem::remove_all(dir);
}
