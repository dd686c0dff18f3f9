// The sealed copy of the running binary (runtime/security/sealed_exe.h), both kinds: the
// detached overlay root gets, and the memfd copy a process without the privilege to
// mount falls back to. Neither may be a way to write the binary on disk.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "runtime/security/sealed_exe.h"

using namespace pier;

namespace {

std::string contents(int fd) {
  std::string out;
  char buf[65536];
  ssize_t n;
  off_t offset = 0;
  while ((n = ::pread(fd, buf, sizeof buf, offset)) > 0) {
    out.append(buf, static_cast<size_t>(n));
    offset += n;
  }
  return out;
}

// What checks the handle: a number of failed expectations (0 = all held), so that it
// can run in a child that changed its credentials.
int check_sealed_handle() {
  int failures = 0;
  auto exe = runtime::open_sealed_exe();
  if (!exe) return 100;
  UniqueFd self(::open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
  struct stat a {}, b {};
  ::fstat(self.get(), &a);
  ::fstat(exe->get(), &b);
  failures += a.st_dev == b.st_dev && a.st_ino == b.st_ino;  // not the file on disk
  std::string path = "/proc/self/fd/" + std::to_string(exe->get());
  UniqueFd readable(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  failures += !readable || contents(readable.get()) != contents(self.get());  // the same program
  // A container's root passes mode bits (CAP_DAC_OVERRIDE); so does the owner who
  // adds the write bit back: only the seal (or the read-only mount) may stop the write.
  (void)::chmod(path.c_str(), 0755);
  UniqueFd writable(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  failures += writable && ::write(writable.get(), "X", 1) == 1;  // and no way to change it
  return failures;
}

}  // namespace

TEST_CASE("the sealed copy is the same program and cannot be written", "[root]") {
  // As root: the detached overlay (or the memfd where the kernel lacks `lowerdir+` fds).
  CHECK(check_sealed_handle() == 0);
  CHECK_FALSE(runtime::runs_from_sealed_exe());

  // Without the privilege to mount: the sealed memfd copy.
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    if (::setresgid(65534, 65534, 65534) != 0 || ::setresuid(65534, 65534, 65534) != 0) ::_exit(101);
    ::_exit(check_sealed_handle());
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}
