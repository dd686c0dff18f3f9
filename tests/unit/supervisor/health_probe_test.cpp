// ProbeRun on the fake loop, over a real child: the result is reported once, and the
// run (its pidfd and exit watch) is handed back only after the child was reaped.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <optional>
#include <string>

#include "event/fake/fake_loop.h"
#include "supervisor/health_probe.h"

using namespace pier;
using namespace pier::supervisor;
using namespace std::chrono_literals;

namespace {

struct Child {
  runtime::ExecHandle handle;
  int pidfd = -1;
};

// A forked child that exits with `code`, or waits to be killed when `code` < 0.
Child fork_child(int code) {
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (code < 0) pause();
    _exit(code < 0 ? 0 : code);
  }
  Child c;
  c.handle.pid = pid;
  c.handle.pidfd = UniqueFd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
  REQUIRE(c.handle.pidfd.valid());
  c.pidfd = c.handle.pidfd.get();
  return c;
}

bool fd_open(int fd) { return fcntl(fd, F_GETFD) != -1; }

}  // namespace

TEST_CASE("a probe run reports its exit, then is freed with its pidfd", "[supervisor]") {
  event::FakeLoop loop;
  auto child = fork_child(0);
  std::unique_ptr<ProbeRun> owned;
  std::optional<bool> passed;
  int handed_back = 0;
  auto run = ProbeRun::start(loop, std::move(child.handle), {}, 1000ms, [&](ProbeResult r) { passed = r.passed(); },
                             [&](ProbeRun& r) {
                               ++handed_back;
                               CHECK(&r == owned.get());
                               loop.defer_delete(std::move(owned));
                             });
  REQUIRE(run.ok());
  owned = std::move(*run);
  loop.exit_process(child.pidfd);
  CHECK(passed == std::optional<bool>(true));
  CHECK(handed_back == 1);
  CHECK_FALSE(owned);
  CHECK(loop.deferred_count() == 0);
  CHECK_FALSE(fd_open(child.pidfd));
  CHECK(loop.timer_count() == 0);
}

TEST_CASE("a probe run that times out fails at once and is freed once reaped", "[supervisor]") {
  event::FakeLoop loop;
  auto child = fork_child(-1);
  std::unique_ptr<ProbeRun> owned;
  std::vector<bool> results;
  int handed_back = 0;
  auto run = ProbeRun::start(loop, std::move(child.handle), {}, 500ms,
                             [&](ProbeResult r) { results.push_back(r.passed()); },
                             [&](ProbeRun&) {
                               ++handed_back;
                               loop.defer_delete(std::move(owned));
                             });
  REQUIRE(run.ok());
  owned = std::move(*run);
  loop.advance(501ms);
  CHECK(results == std::vector<bool>{false});
  CHECK(handed_back == 0);  // killed, not reaped yet: still held
  CHECK(fd_open(child.pidfd));
  loop.exit_process(child.pidfd);  // the SIGKILL'd child is reaped here
  CHECK(results == std::vector<bool>{false});
  CHECK(handed_back == 1);
  CHECK_FALSE(fd_open(child.pidfd));
}

TEST_CASE("a probe run keeps its exit code and the first 4 KiB of its output", "[supervisor]") {
  event::FakeLoop loop;
  int ends[2];
  REQUIRE(pipe2(ends, O_CLOEXEC) == 0);
  // 10 KiB: more than is kept, less than a pipe holds, so the child exits without a reader.
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    std::string text = "broken-db\n" + std::string(10 * 1024, 'x');
    (void)!write(ends[1], text.data(), text.size());
    _exit(3);
  }
  close(ends[1]);
  runtime::ExecHandle handle;
  handle.pid = pid;
  handle.pidfd = UniqueFd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
  int pidfd = handle.pidfd.get();
  std::unique_ptr<ProbeRun> owned;
  std::optional<ProbeResult> result;
  auto run = ProbeRun::start(loop, std::move(handle), UniqueFd(ends[0]), 1000ms, [&](ProbeResult r) { result = r; },
                             [&](ProbeRun&) { loop.defer_delete(std::move(owned)); });
  REQUIRE(run.ok());
  owned = std::move(*run);
  loop.make_ready(ends[0], event::kReadable);
  loop.exit_process(pidfd);
  REQUIRE(result);
  CHECK(result->exit_code == 3);
  CHECK_FALSE(result->passed());
  CHECK(result->output.size() == kProbeOutputMax);
  CHECK(result->output.rfind("broken-db\nxxx", 0) == 0);
  CHECK_FALSE(fd_open(ends[0]));
}

TEST_CASE("a probe run past its timeout reports Docker's -1 and says so", "[supervisor]") {
  event::FakeLoop loop;
  auto child = fork_child(-1);
  std::unique_ptr<ProbeRun> owned;
  std::optional<ProbeResult> result;
  auto run = ProbeRun::start(loop, std::move(child.handle), {}, 500ms, [&](ProbeResult r) { result = r; },
                             [&](ProbeRun&) { loop.defer_delete(std::move(owned)); });
  REQUIRE(run.ok());
  owned = std::move(*run);
  loop.advance(501ms);
  REQUIRE(result);
  CHECK(result->exit_code == -1);
  CHECK_THAT(result->output, Catch::Contains("exceeded timeout"));
  loop.exit_process(child.pidfd);
}

TEST_CASE("probe history keeps the last 5 results, oldest first", "[supervisor]") {
  ProbeHistory history;
  for (int i = 1; i <= 7; ++i) history.add({i, "run " + std::to_string(i)});
  REQUIRE(history.results().size() == kProbeResultsKept);
  CHECK(history.results().front().exit_code == 3);
  CHECK(history.results().back().output == "run 7");
  history.clear();
  CHECK(history.results().empty());
}
