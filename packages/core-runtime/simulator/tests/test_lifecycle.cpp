// aclInit / aclFinalize, configuration, devices, error text, fork safety.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "sim_fixture.h"

using namespace sim_test;

TEST_CASE(init_finalize_lifecycle) {
  // Before aclInit: runtime calls fail, the device count is available.
  CHECK_ACL_ERROR(aclrtSetDevice(0), ACL_ERROR_UNINITIALIZE);
  void* ptr = nullptr;
  CHECK_ACL_ERROR(aclrtMalloc(&ptr, 64, ACL_MEM_MALLOC_HUGE_FIRST), ACL_ERROR_UNINITIALIZE);
  CHECK_ACL_ERROR(aclrtSynchronizeStream(nullptr), ACL_ERROR_UNINITIALIZE);
  CHECK_ACL_ERROR(aclFinalize(), ACL_ERROR_UNINITIALIZE);
  uint32_t count = 0;
  CHECK_ACL(aclrtGetDeviceCount(&count));
  CHECK_EQ(count, 8u);  // the default, an Atlas 800T A2

  CHECK_ACL(aclInit(nullptr));
  CHECK_ACL_ERROR(aclInit(nullptr), ACL_ERROR_REPEAT_INITIALIZE);
  CHECK_ACL(aclrtSetDevice(1));
  CHECK_ACL(aclFinalize());
  CHECK_ACL_ERROR(aclFinalize(), ACL_ERROR_UNINITIALIZE);

  // A second session starts clean: the thread's device did not carry over.
  CHECK_ACL(aclInit(""));
  int32_t device = -1;
  CHECK_ACL_ERROR(aclrtGetDevice(&device), ACL_ERROR_RT_CONTEXT_NULL);
  CHECK_ACL(aclFinalize());
}

TEST_CASE(init_requires_a_readable_config_file) {
  CHECK_ACL_ERROR(aclInit("/nonexistent/dir/acl.json"), ACL_ERROR_INVALID_PARAM);
  char path[] = "/tmp/npu_sim_acl_XXXXXX";
  const int fd = mkstemp(path);
  CHECK(fd >= 0);
  CHECK(write(fd, "{}", 2) == 2);
  close(fd);
  const aclError error = aclInit(path);
  unlink(path);
  CHECK_ACL(error);
  CHECK_ACL(aclFinalize());
}

TEST_CASE(environment_configures_the_simulated_machine) {
  ScopedSimulator sim({{"TORCH_NPU_SIM_DEVICE_COUNT", "3"},
                       {"TORCH_NPU_SIM_HBM_MB", "64"},
                       {"TORCH_NPU_SIM_SOC_NAME", "Ascend910_9391"}});
  uint32_t count = 0;
  CHECK_ACL(aclrtGetDeviceCount(&count));
  CHECK_EQ(count, 3u);
  CHECK_EQ(std::string(aclrtGetSocName()), std::string("Ascend910_9391"));
  for (int32_t device = 0; device < 3; ++device) {
    CHECK_ACL(aclrtSetDevice(device));
    size_t free = 0;
    size_t total = 0;
    CHECK_ACL(aclrtGetMemInfo(ACL_HBM_MEM, &free, &total));
    CHECK_EQ(total, size_t{64} << 20);
    CHECK_EQ(free, total);
  }
}

TEST_CASE(defaults_without_environment) {
  ScopedSimulator sim;
  uint32_t count = 0;
  CHECK_ACL(aclrtGetDeviceCount(&count));
  CHECK_EQ(count, 8u);  // the default, an Atlas 800T A2
  CHECK_EQ(std::string(aclrtGetSocName()), std::string("Ascend910B1"));
  size_t free = 0;
  size_t total = 0;
  CHECK_ACL(aclrtGetMemInfo(ACL_HBM_MEM, &free, &total));
  CHECK_EQ(total, size_t{8192} << 20);
}

TEST_CASE(malformed_environment_fails_init) {
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"TORCH_NPU_SIM_DEVICE_COUNT", "two"},
           {"TORCH_NPU_SIM_DEVICE_COUNT", "-1"},
           {"TORCH_NPU_SIM_HBM_MB", "0"},
           {"TORCH_NPU_SIM_HBM_MB", "12x"},
           {"TORCH_NPU_SIM_SOC_NAME", ""},
           {"TORCH_NPU_SIM_CANN_VERSION", ""}}) {
    ScopedEnvironment env({{name, value}});
    CHECK_ACL_ERROR(aclInit(nullptr), ACL_ERROR_INVALID_PARAM);
    CHECK(std::strstr(aclGetRecentErrMsg(), name.c_str()) != nullptr);
  }
}

TEST_CASE(cann_version_parts) {
  aclCANNPackageVersion version;
  // Available before aclInit.
  CHECK_ACL(aclsysGetCANNVersion(ACL_PKG_NAME_CANN, &version));
  CHECK_EQ(std::string(version.version), std::string("8.5.0"));
  CHECK_EQ(std::string(version.majorVersion), std::string("8"));
  CHECK_EQ(std::string(version.minorVersion), std::string("5"));
  CHECK_EQ(std::string(version.releaseVersion), std::string("0"));
  CHECK_EQ(std::string(version.patchVersion), std::string("0"));
  CHECK_ACL_ERROR(aclsysGetCANNVersion(ACL_PKG_NAME_CANN, nullptr), ACL_ERROR_INVALID_PARAM);

  ScopedSimulator sim({{"TORCH_NPU_SIM_CANN_VERSION", "8.3.RC1"}}, 0);
  CHECK_ACL(aclsysGetCANNVersion(ACL_PKG_NAME_RUNTIME, &version));
  CHECK_EQ(std::string(version.version), std::string("8.3.RC1"));
  CHECK_EQ(std::string(version.majorVersion), std::string("8"));
  CHECK_EQ(std::string(version.minorVersion), std::string("3"));
  CHECK_EQ(std::string(version.releaseVersion), std::string("RC1"));
  CHECK_EQ(std::string(version.patchVersion), std::string("0"));
}

TEST_CASE(visible_devices_limit_and_renumber) {
  const std::vector<std::pair<std::string, uint32_t>> cases = {
      {"2,0", 2}, {"3", 1}, {" 1 , 2 ", 2}, {"3,9,1", 1}, {"1,1", 1}, {"x,0", 0}, {"", 0}, {"0,1,2,3", 4}};
  for (const auto& [visible, expected] : cases) {
    ScopedEnvironment env({{"TORCH_NPU_SIM_DEVICE_COUNT", "4"}, {"ASCEND_RT_VISIBLE_DEVICES", visible}});
    uint32_t before_init = 99;
    CHECK_ACL(aclrtGetDeviceCount(&before_init));
    CHECK_EQ(before_init, expected);
    ScopedSimulator sim({}, -1);
    uint32_t count = 99;
    CHECK_ACL(aclrtGetDeviceCount(&count));
    CHECK_EQ(count, expected);
    CHECK_ACL_ERROR(aclrtSetDevice(static_cast<int32_t>(expected)), ACL_ERROR_RT_INVALID_DEVICEID);
    if (expected > 0) CHECK_ACL(aclrtSetDevice(static_cast<int32_t>(expected) - 1));
  }
}

TEST_CASE(invalid_device_ids) {
  ScopedSimulator sim;
  CHECK_ACL_ERROR(aclrtSetDevice(-1), ACL_ERROR_RT_INVALID_DEVICEID);
  CHECK_ACL_ERROR(aclrtSetDevice(8), ACL_ERROR_RT_INVALID_DEVICEID);
  CHECK(std::strstr(aclGetRecentErrMsg(), "invalid device id 8") != nullptr);
  CHECK_ACL_ERROR(aclrtResetDevice(9), ACL_ERROR_RT_INVALID_DEVICEID);
  aclrtUtilizationInfo info{};
  CHECK_ACL_ERROR(aclrtGetDeviceUtilizationRate(8, &info), ACL_ERROR_RT_INVALID_DEVICEID);
  int32_t can_access = -1;
  CHECK_ACL_ERROR(aclrtDeviceCanAccessPeer(&can_access, 0, 8), ACL_ERROR_RT_INVALID_DEVICEID);
  CHECK_ACL(aclrtDeviceCanAccessPeer(&can_access, 0, 1));
  CHECK_EQ(can_access, 1);
  CHECK_ACL(aclrtDeviceCanAccessPeer(&can_access, 1, 1));
  CHECK_EQ(can_access, 0);
}

TEST_CASE(current_device_is_per_thread) {
  ScopedSimulator sim({}, 1);
  int32_t device = -1;
  CHECK_ACL(aclrtGetDevice(&device));
  CHECK_EQ(device, 1);

  aclError other_before = ACL_SUCCESS;
  aclError other_set = ACL_ERROR_INVALID_PARAM;
  int32_t other_device = -1;
  std::thread other([&] {
    int32_t ignored = -1;
    other_before = aclrtGetDevice(&ignored);
    other_set = aclrtSetDevice(0);
    aclrtGetDevice(&other_device);
  });
  other.join();
  CHECK_EQ(other_before, ACL_ERROR_RT_CONTEXT_NULL);
  CHECK_EQ(other_set, ACL_SUCCESS);
  CHECK_EQ(other_device, 0);
  CHECK_ACL(aclrtGetDevice(&device));
  CHECK_EQ(device, 1);

  // Resetting the current device releases the thread's context.
  CHECK_ACL(aclrtResetDevice(1));
  CHECK_ACL_ERROR(aclrtGetDevice(&device), ACL_ERROR_RT_CONTEXT_NULL);
  CHECK_ACL_ERROR(aclrtSynchronizeDevice(), ACL_ERROR_RT_CONTEXT_NULL);
}

TEST_CASE(recent_error_message_is_per_thread) {
  ScopedSimulator sim;
  std::string fresh_thread_message = "unset";
  bool fresh_was_null = true;
  std::thread([&] {
    const char* message = aclGetRecentErrMsg();
    fresh_was_null = message == nullptr;
    if (message) fresh_thread_message = message;
  }).join();
  CHECK(!fresh_was_null);
  CHECK_EQ(fresh_thread_message, std::string());

  CHECK_ACL_ERROR(aclrtFree(nullptr), ACL_ERROR_INVALID_PARAM);
  const std::string mine = aclGetRecentErrMsg();
  CHECK(mine.find("aclrtFree") != std::string::npos);

  std::thread([] { aclrtSetDevice(42); }).join();
  CHECK_EQ(std::string(aclGetRecentErrMsg()), mine);
}

namespace {

// What a forked child reports through its exit status.
enum ChildOutcome : int { kChildOk = 0, kChildCountFailed = 10, kChildNotRefused = 11 };

int childBody() {
  // Lock-free queries keep working; everything else is refused at once
  // instead of deadlocking on a lock some parent thread held at fork time.
  uint32_t count = 0;
  if (aclrtGetDeviceCount(&count) != ACL_SUCCESS || count != 8) return kChildCountFailed;
  if (aclrtSetDevice(0) == ACL_SUCCESS) return kChildNotRefused;
  void* ptr = nullptr;
  if (aclrtMalloc(&ptr, 512, ACL_MEM_MALLOC_HUGE_FIRST) == ACL_SUCCESS) return kChildNotRefused;
  if (aclrtSynchronizeStream(nullptr) == ACL_SUCCESS) return kChildNotRefused;
  if (npuSimDeviceOfPointer(ptr) != -1) return kChildNotRefused;
  return kChildOk;
}

}  // namespace

TEST_CASE(forked_child_never_deadlocks) {
  ScopedSimulator sim;
  std::atomic<bool> stop{false};
  // Keep simulator locks busy in the parent so that forks land while they
  // are held.
  auto hammer = [&](int32_t device) {
    aclrtSetDevice(device);
    aclrtStream stream = nullptr;
    aclrtCreateStream(&stream);
    // One buffer per stream: the two streams are not ordered.
    void* buffers[2] = {};
    aclrtMalloc(&buffers[0], 4096, ACL_MEM_MALLOC_HUGE_FIRST);
    aclrtMalloc(&buffers[1], 4096, ACL_MEM_MALLOC_HUGE_FIRST);
    while (!stop.load()) {
      aclrtMemsetAsync(buffers[0], 4096, 1, 4096, stream);
      aclrtMemsetAsync(buffers[1], 4096, 2, 4096, nullptr);
      aclrtSynchronizeStream(stream);
      void* scratch = nullptr;
      if (aclrtMalloc(&scratch, 1024, ACL_MEM_MALLOC_HUGE_FIRST) == ACL_SUCCESS) aclrtFree(scratch);
    }
    aclrtSynchronizeDevice();
    aclrtFree(buffers[0]);
    aclrtFree(buffers[1]);
    aclrtDestroyStream(stream);
  };
  std::thread first(hammer, 0);
  std::thread second(hammer, 1);

  std::string failure;
  for (int round = 0; round < 20 && failure.empty(); ++round) {
    const pid_t child = fork();
    if (child == 0) {
      // exit(), not _exit(): static destructors and atexit handlers run, as
      // when a forked data-loader worker finishes.
      std::exit(childBody());
    }
    if (child < 0) {
      failure = "fork failed";
      break;
    }
    int status = 0;
    pid_t done = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while ((done = waitpid(child, &status, WNOHANG)) == 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (done == 0) {
      kill(child, SIGKILL);
      waitpid(child, &status, 0);
      failure = "forked child hung (round " + std::to_string(round) + ")";
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != kChildOk) {
      failure = "forked child failed with status " + std::to_string(status) + " (round " + std::to_string(round) + ")";
    }
  }
  stop = true;
  first.join();
  second.join();
  if (!failure.empty()) failCheck(__FILE__, __LINE__, failure);
}
