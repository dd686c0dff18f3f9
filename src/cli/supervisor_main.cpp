// pier-supervisor: the supervisor process alone, as `pier __supervise` runs it, linked
// without the CLI's commands. The CLI starts it from a sealed copy when it is installed
// beside pier (app/supervisor_connect.cpp); users never run it.
//
//   pier-supervisor --root ROOT __supervise PROJECT
#include <cstdio>
#include <cstring>

#include "cli/process_start.h"
#include "supervisor/daemon.h"

int main(int argc, char** argv) {
  if (argc != 5 || std::strcmp(argv[1], "--root") != 0 || std::strcmp(argv[3], "__supervise") != 0) {
    std::fprintf(stderr, "usage: pier-supervisor --root ROOT __supervise PROJECT (pier starts it)\n");
    return 2;
  }
  if (!pier::cli::start_pier_process()) return 1;
  return pier::supervisor::supervise(argv[2], argv[4]);
}
