// Device and host memory: capacity, validation, copies and fills.
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <numeric>
#include <string>
#include <vector>

#include "npu_sim/sim_extensions.h"
#include "sim_fixture.h"

using namespace sim_test;

namespace {

size_t residentBytes() {
  std::ifstream statm("/proc/self/statm");
  size_t total_pages = 0;
  size_t resident_pages = 0;
  statm >> total_pages >> resident_pages;
  return resident_pages * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace

TEST_CASE(malloc_is_aligned_usable_and_free_checks_pointers) {
  ScopedSimulator sim;
  for (size_t size : {size_t{1}, size_t{100}, size_t{513}, size_t{300} << 10, size_t{3} << 20}) {
    void* device = nullptr;
    CHECK_ACL(aclrtMalloc(&device, size, ACL_MEM_MALLOC_HUGE_FIRST));
    CHECK_EQ(reinterpret_cast<uintptr_t>(device) % 512, 0u);
    std::vector<uint8_t> pattern(size);
    std::iota(pattern.begin(), pattern.end(), uint8_t{7});
    CHECK_ACL(aclrtMemcpy(device, size, pattern.data(), size, ACL_MEMCPY_HOST_TO_DEVICE));
    std::vector<uint8_t> back(size);
    CHECK_ACL(aclrtMemcpy(back.data(), size, device, size, ACL_MEMCPY_DEVICE_TO_HOST));
    CHECK(back == pattern);
    if (size > 1) {
      CHECK_ACL_ERROR(aclrtFree(static_cast<uint8_t*>(device) + 1), ACL_ERROR_RT_MEMORY_FREE);
    }
    CHECK_ACL(aclrtFree(device));
    CHECK_ACL_ERROR(aclrtFree(device), ACL_ERROR_RT_MEMORY_FREE);
  }
  int on_stack = 0;
  CHECK_ACL_ERROR(aclrtFree(&on_stack), ACL_ERROR_RT_MEMORY_FREE);
  CHECK_ACL_ERROR(aclrtFree(nullptr), ACL_ERROR_INVALID_PARAM);
  void* device = nullptr;
  CHECK_ACL_ERROR(aclrtMalloc(&device, 0, ACL_MEM_MALLOC_HUGE_FIRST), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL_ERROR(aclrtMalloc(nullptr, 64, ACL_MEM_MALLOC_HUGE_FIRST), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL_ERROR(aclrtMalloc(&device, 64, static_cast<aclrtMemMallocPolicy>(3)), ACL_ERROR_INVALID_PARAM);

  aclError without_device = ACL_SUCCESS;
  std::thread([&] {
    void* ptr = nullptr;
    without_device = aclrtMalloc(&ptr, 64, ACL_MEM_MALLOC_HUGE_FIRST);
  }).join();
  CHECK_EQ(without_device, ACL_ERROR_RT_CONTEXT_NULL);
}

TEST_CASE(out_of_memory_then_recovery) {
  ScopedSimulator sim({{"TORCH_NPU_SIM_HBM_MB", "64"}}, 0);
  const size_t mib = size_t{1} << 20;
  void* first = nullptr;
  CHECK_ACL(aclrtMalloc(&first, 40 * mib, ACL_MEM_MALLOC_HUGE_FIRST));
  void* second = nullptr;
  CHECK_ACL_ERROR(aclrtMalloc(&second, 40 * mib, ACL_MEM_MALLOC_HUGE_FIRST), ACL_ERROR_RT_MEMORY_ALLOCATION);
  const std::string message = aclGetRecentErrMsg();
  CHECK(message.find("Out of memory") != std::string::npos);
  CHECK(message.find("device 0") != std::string::npos);
  CHECK(message.find(std::to_string(40 * mib)) != std::string::npos);

  size_t free = 0;
  size_t total = 0;
  CHECK_ACL(aclrtGetMemInfo(ACL_HBM_MEM, &free, &total));
  CHECK_EQ(total, 64 * mib);
  CHECK_EQ(free, 24 * mib);

  CHECK_ACL(aclrtFree(first));
  CHECK_ACL(aclrtMalloc(&second, 40 * mib, ACL_MEM_MALLOC_HUGE_FIRST));
  CHECK_ACL(aclrtFree(second));

  // The whole capacity can be used, and not one block more.
  void* everything = nullptr;
  CHECK_ACL(aclrtMalloc(&everything, 64 * mib, ACL_MEM_MALLOC_HUGE_FIRST));
  void* one_more = nullptr;
  CHECK_ACL_ERROR(aclrtMalloc(&one_more, 1, ACL_MEM_MALLOC_HUGE_FIRST), ACL_ERROR_RT_MEMORY_ALLOCATION);
  CHECK_ACL(aclrtGetMemInfo(ACL_HBM_MEM, &free, &total));
  CHECK_EQ(free, 0u);
  CHECK_ACL(aclrtFree(everything));
}

TEST_CASE(untouched_capacity_costs_no_host_memory) {
  // A 32 GiB device: more than many hosts have, which must not matter as
  // long as the memory is not written (the host budget raised to allow it).
  ScopedSimulator sim({{"TORCH_NPU_SIM_HBM_MB", "32768"}, {"TORCH_NPU_SIM_HOST_MEMORY_MB", "65536"}}, 0);
  const size_t before = residentBytes();
  const size_t size = (size_t{32} << 30) - 512;
  void* huge = nullptr;
  CHECK_ACL(aclrtMalloc(&huge, size, ACL_MEM_MALLOC_HUGE_FIRST));
  CHECK_ACL(aclrtMemset(huge, size, 0x5a, 4096));
  CHECK_ACL(aclrtMemset(static_cast<uint8_t*>(huge) + size - 4096, 4096, 0x5a, 4096));
  CHECK(residentBytes() < before + (size_t{64} << 20));
  CHECK_ACL(aclrtFree(huge));
}

TEST_CASE(devices_have_independent_capacity) {
  ScopedSimulator sim({{"TORCH_NPU_SIM_DEVICE_COUNT", "3"}, {"TORCH_NPU_SIM_HBM_MB", "32"}});
  const size_t mib = size_t{1} << 20;
  void* blocks[3] = {};
  for (int32_t device = 0; device < 3; ++device) {
    CHECK_ACL(aclrtSetDevice(device));
    CHECK_ACL(aclrtMalloc(&blocks[device], 30 * mib, ACL_MEM_MALLOC_HUGE_FIRST));
    CHECK_EQ(npuSimDeviceOfPointer(blocks[device]), device);
    CHECK_EQ(npuSimDeviceOfPointer(static_cast<uint8_t*>(blocks[device]) + 30 * mib - 1), device);
  }
  CHECK_ACL(aclrtSetDevice(1));
  void* extra = nullptr;
  CHECK_ACL_ERROR(aclrtMalloc(&extra, 4 * mib, ACL_MEM_MALLOC_HUGE_FIRST), ACL_ERROR_RT_MEMORY_ALLOCATION);
  CHECK(recentErrorContains("device 1"));
  size_t free = 0;
  size_t total = 0;
  CHECK_ACL(aclrtGetMemInfo(ACL_HBM_MEM, &free, &total));
  CHECK_EQ(free, 2 * mib);

  // Freeing on device 0 (from a thread whose device is 1) helps only device 0.
  CHECK_ACL(aclrtFree(blocks[0]));
  CHECK_EQ(npuSimDeviceOfPointer(blocks[0]), -1);
  CHECK_ACL_ERROR(aclrtMalloc(&extra, 4 * mib, ACL_MEM_MALLOC_HUGE_FIRST), ACL_ERROR_RT_MEMORY_ALLOCATION);
  CHECK_ACL(aclrtSetDevice(0));
  CHECK_ACL(aclrtMalloc(&extra, 4 * mib, ACL_MEM_MALLOC_HUGE_FIRST));

  aclrtUtilizationInfo info{};
  CHECK_ACL(aclrtGetDeviceUtilizationRate(2, &info));
  CHECK_EQ(info.memoryUtilization, 94);  // 30 of 32 MiB
  CHECK_ACL(aclrtGetDeviceUtilizationRate(0, &info));
  CHECK_EQ(info.memoryUtilization, 13);  // 4 of 32 MiB

  int on_stack = 0;
  CHECK_EQ(npuSimDeviceOfPointer(&on_stack), -1);
  CHECK_EQ(npuSimDeviceOfPointer(nullptr), -1);
  CHECK_ACL(aclrtFree(extra));
  CHECK_ACL(aclrtFree(blocks[1]));
  CHECK_ACL(aclrtFree(blocks[2]));
}

TEST_CASE(host_memory_limit_is_shared_by_all_devices) {
  // Two 64 GiB devices on a host that may commit 48 MiB to them.
  ScopedSimulator sim({{"TORCH_NPU_SIM_HBM_MB", "65536"}, {"TORCH_NPU_SIM_HOST_MEMORY_MB", "48"}}, 0);
  const size_t mib = size_t{1} << 20;
  void* on_device0 = nullptr;
  CHECK_ACL(aclrtMalloc(&on_device0, 30 * mib, ACL_MEM_MALLOC_HUGE_FIRST));
  CHECK_ACL(aclrtSetDevice(1));
  void* on_device1 = nullptr;
  CHECK_ACL_ERROR(aclrtMalloc(&on_device1, 30 * mib, ACL_MEM_MALLOC_HUGE_FIRST), ACL_ERROR_RT_MEMORY_ALLOCATION);
  const std::string message = aclGetRecentErrMsg();
  CHECK(message.find("Out of memory: the host, not device 1, is the limit") != std::string::npos);
  CHECK(message.find(std::to_string(48 * mib)) != std::string::npos);
  CHECK(message.find("TORCH_NPU_SIM_HOST_MEMORY_MB") != std::string::npos);
  // The device itself still reports its own capacity as free.
  size_t free = 0;
  size_t total = 0;
  CHECK_ACL(aclrtGetMemInfo(ACL_HBM_MEM, &free, &total));
  CHECK_EQ(total, size_t{65536} * mib);
  // What fits in the rest of the budget succeeds, and freeing on one device helps the other.
  CHECK_ACL(aclrtMalloc(&on_device1, 18 * mib, ACL_MEM_MALLOC_HUGE_FIRST));
  CHECK_ACL(aclrtFree(on_device1));
  CHECK_ACL(aclrtFree(on_device0));
  CHECK_ACL(aclrtMalloc(&on_device1, 48 * mib, ACL_MEM_MALLOC_HUGE_FIRST));
  CHECK_ACL(aclrtFree(on_device1));
}

TEST_CASE(memcpy_checks_kind_and_ranges) {
  ScopedSimulator sim;
  uint8_t* device = nullptr;
  CHECK_ACL(aclrtMalloc(reinterpret_cast<void**>(&device), 1024, ACL_MEM_MALLOC_HUGE_FIRST));
  uint8_t* other = nullptr;
  CHECK_ACL(aclrtMalloc(reinterpret_cast<void**>(&other), 1024, ACL_MEM_MALLOC_HUGE_FIRST));
  std::vector<uint8_t> host(1024, 3);
  std::vector<uint8_t> host2(1024, 0);

  CHECK_ACL(aclrtMemcpy(device, 1024, host.data(), 1024, ACL_MEMCPY_HOST_TO_DEVICE));
  CHECK_ACL(aclrtMemcpy(other, 1024, device, 1024, ACL_MEMCPY_DEVICE_TO_DEVICE));
  CHECK_ACL(aclrtMemcpy(host2.data(), 1024, other, 1024, ACL_MEMCPY_DEVICE_TO_HOST));
  CHECK(host2 == host);
  CHECK_ACL(aclrtMemcpy(host2.data(), 1024, host.data(), 1024, ACL_MEMCPY_HOST_TO_HOST));
  // ACL_MEMCPY_DEFAULT works out the direction.
  CHECK_ACL(aclrtMemcpy(device, 1024, host.data(), 16, ACL_MEMCPY_DEFAULT));
  CHECK_ACL(aclrtMemcpy(host2.data(), 1024, device, 16, ACL_MEMCPY_DEFAULT));
  CHECK_ACL(aclrtMemcpy(other, 1024, device + 512, 512, ACL_MEMCPY_DEFAULT));
  CHECK_ACL(aclrtMemcpy(host2.data(), 1024, host.data(), 16, ACL_MEMCPY_DEFAULT));

  // Wrong direction for the kind.
  CHECK_ACL_ERROR(aclrtMemcpy(host2.data(), 1024, host.data(), 16, ACL_MEMCPY_HOST_TO_DEVICE), ACL_ERROR_INVALID_PARAM);
  CHECK(recentErrorContains("not device memory"));
  CHECK_ACL_ERROR(aclrtMemcpy(device, 1024, other, 16, ACL_MEMCPY_HOST_TO_DEVICE), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL_ERROR(aclrtMemcpy(host2.data(), 1024, host.data(), 16, ACL_MEMCPY_DEVICE_TO_HOST), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL_ERROR(aclrtMemcpy(device, 1024, host.data(), 16, ACL_MEMCPY_HOST_TO_HOST), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL_ERROR(aclrtMemcpy(device, 1024, host.data(), 16, ACL_MEMCPY_DEVICE_TO_DEVICE), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL_ERROR(aclrtMemcpy(device, 1024, host.data(), 16, static_cast<aclrtMemcpyKind>(7)), ACL_ERROR_INVALID_PARAM);

  // Ranges that leave the allocation, destMax, null pointers.
  CHECK_ACL_ERROR(aclrtMemcpy(device + 1000, 100, host.data(), 100, ACL_MEMCPY_HOST_TO_DEVICE), ACL_ERROR_INVALID_PARAM);
  CHECK(recentErrorContains("overruns"));
  CHECK_ACL_ERROR(aclrtMemcpy(host2.data(), 1024, other + 1, 1024, ACL_MEMCPY_DEVICE_TO_HOST), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL_ERROR(aclrtMemcpy(device, 8, host.data(), 16, ACL_MEMCPY_HOST_TO_DEVICE), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL_ERROR(aclrtMemcpy(nullptr, 16, host.data(), 16, ACL_MEMCPY_HOST_TO_DEVICE), ACL_ERROR_INVALID_PARAM);

  // The asynchronous variant checks the same way before anything is queued.
  CHECK_ACL_ERROR(aclrtMemcpyAsync(device + 1000, 100, host.data(), 100, ACL_MEMCPY_HOST_TO_DEVICE, nullptr),
                  ACL_ERROR_INVALID_PARAM);
  CHECK_ACL_ERROR(aclrtMemcpyAsync(device, 8, host.data(), 16, ACL_MEMCPY_HOST_TO_DEVICE, nullptr),
                  ACL_ERROR_INVALID_PARAM);
  CHECK_ACL(aclrtMemcpyAsync(device, 1024, host.data(), 0, ACL_MEMCPY_HOST_TO_DEVICE, nullptr));

  // Freed memory is no longer device memory.
  CHECK_ACL(aclrtFree(other));
  CHECK_ACL_ERROR(aclrtMemcpy(other, 16, host.data(), 16, ACL_MEMCPY_HOST_TO_DEVICE), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL(aclrtFree(device));
}

TEST_CASE(memset_checks_ranges) {
  ScopedSimulator sim;
  uint8_t* device = nullptr;
  CHECK_ACL(aclrtMalloc(reinterpret_cast<void**>(&device), 4096, ACL_MEM_MALLOC_HUGE_FIRST));
  CHECK_ACL(aclrtMemset(device, 4096, 0xab, 4096));
  CHECK_ACL(aclrtMemsetAsync(device + 100, 200, 0x11, 200, nullptr));
  CHECK_ACL(aclrtSynchronizeStream(nullptr));
  std::vector<uint8_t> back(4096);
  CHECK_ACL(aclrtMemcpy(back.data(), 4096, device, 4096, ACL_MEMCPY_DEVICE_TO_HOST));
  for (size_t index = 0; index < back.size(); ++index) {
    CHECK_EQ(int{back[index]}, (index >= 100 && index < 300) ? 0x11 : 0xab);
  }
  CHECK_ACL_ERROR(aclrtMemset(device, 10, 0, 20), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL_ERROR(aclrtMemset(device + 4000, 200, 0, 200), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL_ERROR(aclrtMemset(back.data(), 16, 0, 16), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL_ERROR(aclrtMemset(nullptr, 16, 0, 16), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL_ERROR(aclrtMemsetAsync(device + 4000, 200, 0, 200, nullptr), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL_ERROR(aclrtMemsetAsync(back.data(), 16, 0, 16, nullptr), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL(aclrtFree(device));
}

TEST_CASE(pinned_host_memory) {
  ScopedSimulator sim;
  void* pinned = nullptr;
  CHECK_ACL(aclrtMallocHost(&pinned, 10000));
  CHECK_EQ(reinterpret_cast<uintptr_t>(pinned) % 512, 0u);
  std::memset(pinned, 0x42, 10000);
  CHECK_EQ(npuSimDeviceOfPointer(pinned), -1);
  void* device = nullptr;
  CHECK_ACL(aclrtMalloc(&device, 10000, ACL_MEM_MALLOC_HUGE_FIRST));
  CHECK_ACL(aclrtMemcpyAsync(device, 10000, pinned, 10000, ACL_MEMCPY_HOST_TO_DEVICE, nullptr));
  CHECK_ACL(aclrtSynchronizeStream(nullptr));
  CHECK_ACL_ERROR(aclrtFreeHost(device), ACL_ERROR_RT_MEMORY_FREE);
  CHECK_ACL(aclrtFreeHost(pinned));
  CHECK_ACL_ERROR(aclrtFreeHost(pinned), ACL_ERROR_RT_MEMORY_FREE);
  int on_stack = 0;
  CHECK_ACL_ERROR(aclrtFreeHost(&on_stack), ACL_ERROR_RT_MEMORY_FREE);
  CHECK_ACL_ERROR(aclrtFreeHost(nullptr), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL_ERROR(aclrtMallocHost(&pinned, 0), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL(aclrtFree(device));
}

TEST_CASE(mem_info_attributes) {
  ScopedSimulator sim;
  size_t free = 0;
  size_t total = 0;
  CHECK_ACL(aclrtGetMemInfo(ACL_HBM_MEM_HUGE, &free, &total));
  CHECK_ACL_ERROR(aclrtGetMemInfo(ACL_DDR_MEM, &free, &total), ACL_ERROR_RT_INVALID_MEMORY_TYPE);
  CHECK_ACL_ERROR(aclrtGetMemInfo(ACL_HBM_MEM, nullptr, &total), ACL_ERROR_INVALID_PARAM);
  aclError without_device = ACL_SUCCESS;
  std::thread([&] { without_device = aclrtGetMemInfo(ACL_HBM_MEM, &free, &total); }).join();
  CHECK_EQ(without_device, ACL_ERROR_RT_CONTEXT_NULL);
}

TEST_CASE(free_waits_for_queued_work) {
  ScopedSimulator sim;
  void* buffer = nullptr;
  CHECK_ACL(aclrtMalloc(&buffer, size_t{1} << 20, ACL_MEM_MALLOC_HUGE_FIRST));
  Gate gate;
  CHECK_ACL(npuSimLaunchHostTask(nullptr, &Gate::waitTask, &gate));
  CHECK_ACL(aclrtMemsetAsync(buffer, size_t{1} << 20, 7, size_t{1} << 20, nullptr));
  std::atomic<bool> freed{false};
  aclError free_result = ACL_ERROR_INVALID_PARAM;
  std::thread freeing([&] {
    free_result = aclrtFree(buffer);
    freed = true;
  });
  // Give a wrongly eager free every chance to return (and unmap) early.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const bool freed_too_early = freed.load();
  gate.open();
  freeing.join();
  CHECK(!freed_too_early);
  CHECK_EQ(free_result, ACL_SUCCESS);
}

TEST_CASE(protected_device_memory_faults_on_the_host_while_every_api_path_works) {
  ScopedEnvironment env({{"TORCH_NPU_SIM_PROTECT", std::string("1")}});
  ScopedSimulator sim;
  constexpr size_t kCount = 1000;
  void* device = nullptr;
  CHECK_ACL(aclrtMalloc(&device, kCount * sizeof(float), ACL_MEM_MALLOC_HUGE_FIRST));
  // The simulator reaches the memory through a second mapping.
  auto* view = static_cast<float*>(npuSimHostAddress(device));
  CHECK(view != nullptr && static_cast<void*>(view) != device);
  CHECK(npuSimHostAddress(static_cast<float*>(device) + 7) == view + 7);
  int host_value = 0;
  CHECK(npuSimHostAddress(&host_value) == &host_value);

  std::vector<float> input(kCount);
  std::iota(input.begin(), input.end(), 0.0f);
  CHECK_ACL(aclrtMemcpy(device, kCount * sizeof(float), input.data(), kCount * sizeof(float),
                        ACL_MEMCPY_HOST_TO_DEVICE));
  CHECK_EQ(view[999], 999.0f);
  CHECK_ACL(aclrtMemsetAsync(static_cast<float*>(device) + 500, 4, 0, 4, nullptr));
  CHECK_ACL(aclrtSynchronizeStream(nullptr));
  std::vector<float> output(kCount, -1.0f);
  CHECK_ACL(aclrtMemcpyAsync(output.data(), kCount * sizeof(float), device, kCount * sizeof(float),
                             ACL_MEMCPY_DEVICE_TO_HOST, nullptr));
  CHECK_ACL(aclrtSynchronizeStream(nullptr));
  CHECK_EQ(output[499], 499.0f);
  CHECK_EQ(output[500], 0.0f);
  CHECK_EQ(output[501], 501.0f);

  // Host code reading the device address dies with SIGSEGV (in a child, so
  // this process lives on).
  std::fflush(nullptr);
  const pid_t child = fork();
  if (child == 0) {
    volatile float value = *static_cast<volatile float*>(device);
    (void)value;
    _exit(0);
  }
  int status = 0;
  CHECK_EQ(waitpid(child, &status, 0), child);
  CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
  CHECK_ACL(aclrtFree(device));
}
