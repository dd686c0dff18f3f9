#include <cstdio>

#include "cli/version_info.h"

int main() {
  std::printf("pier version %s\n", PIER_VERSION);
  return 0;
}
