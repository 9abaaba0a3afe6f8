// Runs every registered test case, or those named on the command line.
//   npu_sim_tests [--list] [name...]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>

#include "test_harness.h"

namespace sim_test {

std::vector<TestCase>& registeredTests() {
  static std::vector<TestCase> tests;
  return tests;
}

}  // namespace sim_test

namespace {

// Tests set these explicitly; values inherited from the caller's shell must
// not change what they see.
void clearSimulatorEnvironment() {
  for (const char* name : {"TORCH_NPU_SIM_DEVICE_COUNT", "TORCH_NPU_SIM_HBM_MB", "TORCH_NPU_SIM_SOC_NAME",
                           "TORCH_NPU_SIM_CANN_VERSION", "ASCEND_RT_VISIBLE_DEVICES", "ASCEND_LAUNCH_BLOCKING"}) {
    unsetenv(name);
  }
}

bool selected(const char* name, int argc, char** argv) {
  if (argc <= 1) return true;
  for (int index = 1; index < argc; ++index) {
    if (std::strcmp(argv[index], name) == 0) return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "--list") == 0) {
    for (const auto& test : sim_test::registeredTests()) std::printf("%s\n", test.name);
    return 0;
  }
  clearSimulatorEnvironment();
  int run = 0;
  int failed = 0;
  for (const auto& test : sim_test::registeredTests()) {
    if (!selected(test.name, argc, argv)) continue;
    ++run;
    std::printf("[ RUN  ] %s\n", test.name);
    std::fflush(stdout);
    const auto start = std::chrono::steady_clock::now();
    try {
      test.body();
      const auto ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
      std::printf("[   OK ] %s (%lld ms)\n", test.name, static_cast<long long>(ms));
    } catch (const std::exception& error) {
      ++failed;
      std::printf("[ FAIL ] %s\n         %s\n", test.name, error.what());
    }
    std::fflush(stdout);
  }
  if (run == 0) {
    std::printf("no test matched\n");
    return 1;
  }
  std::printf("%d test(s), %d failed\n", run, failed);
  return failed == 0 ? 0 : 1;
}
