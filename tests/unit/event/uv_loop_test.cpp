#include <catch2/catch.hpp>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <cerrno>
#include <csignal>
#include <thread>
#include <unistd.h>

#include "base/unique_fd.h"
#include "event/loop.h"

using namespace pier;
using namespace pier::event;
using namespace std::chrono_literals;

namespace {
std::unique_ptr<Loop> new_loop() {
  auto loop = make_uv_loop();
  REQUIRE(loop.ok());
  return std::move(loop).value();
}
}  // namespace

TEST_CASE("uv loop runs timers and stops when nothing is left", "[event]") {
  auto loop = new_loop();
  int fired = 0;
  auto timer = loop->create_timer([&] { ++fired; });
  timer->start(1ms);
  loop->run();
  CHECK(fired == 1);
}

TEST_CASE("uv timer destroyed from inside its own callback", "[event]") {
  auto loop = new_loop();
  int fired = 0;
  std::unique_ptr<Timer> timer = loop->create_timer([&] {
    ++fired;
    timer.reset();
  });
  timer->start(1ms, 1ms);
  loop->run();
  CHECK(fired == 1);
}

TEST_CASE("uv fd watch sees a readable socket", "[event]") {
  auto loop = new_loop();
  int sv[2];
  REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
  UniqueFd a(sv[0]), b(sv[1]);
  bool readable = false;
  auto watch = loop->watch_fd(a.get(), kReadable, [&](int ev) { readable = ev & kReadable; });
  REQUIRE(watch.ok());
  REQUIRE(write(b.get(), "x", 1) == 1);
  CHECK(loop->run_until([&] { return readable; }, 2000ms));
}

TEST_CASE("uv post from another thread runs on the loop", "[event]") {
  auto loop = new_loop();
  std::thread::id ran_on;
  bool done = false;
  std::thread t([&] { loop->post([&] { ran_on = std::this_thread::get_id(); done = true; }); });
  CHECK(loop->run_until([&] { return done; }, 2000ms));
  t.join();
  CHECK(ran_on == std::this_thread::get_id());
}

TEST_CASE("uv pidfd watch fires when the child exits", "[event]") {
  auto loop = new_loop();
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) _exit(0);
  UniqueFd pidfd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
  if (!pidfd.valid() && errno == ENOSYS) {  // e.g. under valgrind 3.19
    waitpid(pid, nullptr, 0);
    WARN("skipped: pidfd_open is not available here");
    return;
  }
  REQUIRE(pidfd.valid());
  bool exited = false;
  auto watch = loop->watch_pidfd(pidfd.get(), [&] { exited = true; });
  REQUIRE(watch.ok());
  CHECK(loop->run_until([&] { return exited; }, 5000ms));
  waitpid(pid, nullptr, 0);
}

TEST_CASE("uv signal watch", "[event]") {
  auto loop = new_loop();
  bool got = false;
  auto watch = loop->watch_signal(SIGUSR2, [&] { got = true; });
  REQUIRE(watch.ok());
  kill(getpid(), SIGUSR2);
  CHECK(loop->run_until([&] { return got; }, 2000ms));
}

namespace {
struct Tracked : DeferredDeletable {
  explicit Tracked(bool& gone) : gone_(gone) {}
  ~Tracked() override { gone_ = true; }
  bool& gone_;
};
}  // namespace

TEST_CASE("uv deferred deletion runs on the next iteration", "[event]") {
  auto loop = new_loop();
  bool gone = false, checked = false;
  auto timer = loop->create_timer([&] {
    loop->defer_delete(std::make_unique<Tracked>(gone));
    checked = !gone;
  });
  timer->start(1ms);
  CHECK(loop->run_until([&] { return gone; }, 2000ms));
  CHECK(checked);
}

// An exited child's pidfd stays readable. A watch that fired must stop polling it, or
// the loop wakes on every iteration and burns a core while the owner keeps the watch.
TEST_CASE("uv pidfd watch stops polling once it fired", "[event]") {
  auto loop = new_loop();
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) _exit(0);
  UniqueFd pidfd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
  if (!pidfd.valid() && errno == ENOSYS) {
    waitpid(pid, nullptr, 0);
    WARN("skipped: pidfd_open is not available here");
    return;
  }
  REQUIRE(pidfd.valid());
  int fired = 0;
  auto watch = loop->watch_pidfd(pidfd.get(), [&] { ++fired; });
  REQUIRE(watch.ok());
  REQUIRE(loop->run_until([&] { return fired == 1; }, 5000ms));
  waitpid(pid, nullptr, 0);
  // Nothing else is armed but a 200 ms deadline: an idle loop wakes once for it, where
  // a poll left armed on the pidfd would wake it on every iteration.
  int wakeups = 0;
  loop->run_until([&] { return ++wakeups < 0; }, 200ms);
  CHECK(fired == 1);
  CHECK(wakeups < 10);
}
