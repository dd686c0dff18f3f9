#include "sys/build_id.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <string>

using pier::sys::build_id_of_file;
using pier::sys::own_build_id;

namespace {

std::string temp_dir() {
  char dir[] = "/tmp/pier-build-id-XXXXXX";
  REQUIRE(::mkdtemp(dir));
  return dir;
}

}  // namespace

TEST_CASE("build id: the program's own, from memory, is the one in its file") {
  // Debian's toolchain links every program with --build-id (a 20-byte SHA-1 note).
  REQUIRE(own_build_id().size() == 40);
  auto from_file = build_id_of_file("/proc/self/exe");
  REQUIRE(from_file.ok());
  CHECK(*from_file == own_build_id());
}

TEST_CASE("build id: a file that is not a program is an error, and a FIFO does not block") {
  std::string dir = temp_dir();
  std::string text = dir + "/text", truncated = dir + "/truncated", fifo = dir + "/fifo";
  std::ofstream(text) << "#!/bin/sh\necho not an ELF program\n";
  {
    // An ELF program's first bytes, cut short before the program headers.
    std::ifstream self("/proc/self/exe", std::ios::binary);
    std::string head(40, '\0');
    self.read(head.data(), static_cast<std::streamsize>(head.size()));
    std::ofstream(truncated, std::ios::binary) << head;
  }
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK_FALSE(build_id_of_file(text).ok());
  CHECK_FALSE(build_id_of_file(truncated).ok());
  CHECK_FALSE(build_id_of_file(fifo).ok());
  CHECK_FALSE(build_id_of_file(dir + "/missing").ok());
  CHECK_FALSE(build_id_of_file(dir).ok());
  for (const auto& f : {text, truncated, fifo}) ::unlink(f.c_str());
  ::rmdir(dir.c_str());
}
