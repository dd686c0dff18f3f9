// Runner for the integration suites without a leak check of their own.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "integration/root_only.h"

int main(int argc, char** argv) {
  if (pier::test::must_skip_without_root(argc, argv)) return pier::test::kSkipExitCode;
  return Catch::Session().run(argc, argv);
}
