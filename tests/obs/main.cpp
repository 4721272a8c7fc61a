// The OBS plugin tests: one process per test case (CTest runs them under xvfb-run), so each starts libobs
// fresh and ends with libobs's own leak counter, which must be 0.
#define CATCH_CONFIG_RUNNER
#include "tests/obs/obs_host.h"

#include <catch2/catch.hpp>

#include <cstdio>

int main(int argc, char** argv) {
  const int failures = Catch::Session().run(argc, argv);
  const long leaks = tha4::obs_test::ObsHost::shutdown();
  if (leaks != 0) {
    std::fprintf(stderr, "libobs reports %ld leaked allocations after obs_shutdown\n", leaks);
    return failures == 0 ? 1 : failures;
  }
  // stderr: stdout is the test list when CTest discovers the test cases.
  std::fprintf(stderr, "libobs: 0 leaked allocations after obs_shutdown\n");
  return failures;
}
