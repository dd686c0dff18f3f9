#include <catch2/catch.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "base/shared_library.h"

using namespace pier;

namespace {

struct Ended {
  int exit_code = -1;
  std::string stderr_text;
};

// Runs `fn` in a forked child with stderr on a pipe: how the process ends and what it said.
template <class Fn>
Ended in_child(Fn fn) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(fds[1], STDERR_FILENO);
    fn();
    ::_exit(0);
  }
  ::close(fds[1]);
  Ended ended;
  char buf[512];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) ended.stderr_text.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  if (WIFEXITED(status)) ended.exit_code = WEXITSTATUS(status);
  return ended;
}

}  // namespace

TEST_CASE("a shared library is loaded at its first call and its functions are called", "[base]") {
  // zlib: on every Debian system, and not linked into this test binary.
  SharedLibrary zlib("libz.so.1", "zlib1g");
  auto* version = zlib.function<const char*()>("zlibVersion");
  REQUIRE(version != nullptr);
  CHECK(std::strncmp(version(), "1.", 2) == 0);
  CHECK(zlib.symbol("zlibVersion") == reinterpret_cast<void*>(version));
}

TEST_CASE("a library that cannot be loaded ends the process naming it and its package", "[base]") {
  Ended ended = in_child([] {
    SharedLibrary missing("libpier-test-missing.so.7", "pier-test-missing7");
    missing.symbol("anything");
  });
  CHECK(ended.exit_code == 127);
  CHECK_THAT(ended.stderr_text, Catch::Contains("libpier-test-missing.so.7: cannot load it"));
  CHECK_THAT(ended.stderr_text, Catch::Contains("install the Debian package `pier-test-missing7`"));
}

TEST_CASE("a function the library lacks ends the process naming the library and the function", "[base]") {
  Ended ended = in_child([] {
    SharedLibrary zlib("libz.so.1", "zlib1g");
    zlib.symbol("pier_no_such_function");
  });
  CHECK(ended.exit_code == 127);
  CHECK_THAT(ended.stderr_text, Catch::Contains("libz.so.1: it lacks a function pier calls"));
  CHECK_THAT(ended.stderr_text, Catch::Contains("pier_no_such_function"));
}
