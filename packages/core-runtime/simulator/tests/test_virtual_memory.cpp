// Virtual memory: reservations, physical memory and the mappings between them.
#include <cstring>
#include <numeric>
#include <string>
#include <vector>

#include "sim_fixture.h"

using namespace sim_test;

namespace {

constexpr size_t kPage = size_t{2} << 20;

aclrtPhysicalMemProp hugePagesOf(uint32_t device) {
  aclrtPhysicalMemProp prop{};
  prop.handleType = ACL_MEM_HANDLE_TYPE_NONE;
  prop.allocationType = ACL_MEM_ALLOCATION_TYPE_PINNED;
  prop.memAttr = ACL_HBM_MEM_HUGE;
  prop.location.type = ACL_MEM_LOCATION_TYPE_DEVICE;
  prop.location.id = device;
  return prop;
}

size_t freeDeviceBytes() {
  size_t free = 0;
  size_t total = 0;
  CHECK_ACL(aclrtGetMemInfo(ACL_HBM_MEM, &free, &total));
  return free;
}

// Two handles mapped back to back read as one range: copies and fills cross
// the seam, and what is written through the mapping lives in the handle.
void checkContiguousAcrossHandles() {
  void* base = nullptr;
  CHECK_ACL(aclrtReserveMemAddress(&base, 4 * kPage, 0, nullptr, 1));
  CHECK_EQ(reinterpret_cast<uintptr_t>(base) % kPage, 0u);
  const aclrtPhysicalMemProp prop = hugePagesOf(0);
  aclrtDrvMemHandle first = nullptr;
  aclrtDrvMemHandle second = nullptr;
  CHECK_ACL(aclrtMallocPhysical(&first, kPage, &prop, 0));
  CHECK_ACL(aclrtMallocPhysical(&second, kPage, &prop, 0));
  auto* bytes = static_cast<uint8_t*>(base);
  CHECK_ACL(aclrtMapMem(bytes, kPage, 0, first, 0));
  CHECK_ACL(aclrtMapMem(bytes + kPage, kPage, 0, second, 0));

  const size_t span = 4096;
  std::vector<uint8_t> pattern(span);
  std::iota(pattern.begin(), pattern.end(), uint8_t{3});
  uint8_t* seam = bytes + kPage - span / 2;
  CHECK_ACL(aclrtMemcpy(seam, span, pattern.data(), span, ACL_MEMCPY_HOST_TO_DEVICE));
  CHECK_ACL(aclrtMemcpy(bytes, span, seam, span, ACL_MEMCPY_DEVICE_TO_DEVICE));
  std::vector<uint8_t> back(span);
  CHECK_ACL(aclrtMemcpy(back.data(), span, bytes, span, ACL_MEMCPY_DEVICE_TO_HOST));
  CHECK(back == pattern);
  aclrtStream stream = nullptr;
  CHECK_ACL(aclrtCreateStream(&stream));
  CHECK_ACL(aclrtMemsetAsync(seam, span, 0x5a, span, stream));
  CHECK_ACL(aclrtSynchronizeStream(stream));
  CHECK_ACL(aclrtMemcpy(back.data(), span, seam, span, ACL_MEMCPY_DEVICE_TO_HOST));
  CHECK(back == std::vector<uint8_t>(span, 0x5a));
  // Past the mapped pages lies no memory: a copy running into them is refused.
  CHECK_ACL_ERROR(aclrtMemcpy(bytes + 2 * kPage - 16, 32, pattern.data(), 32, ACL_MEMCPY_HOST_TO_DEVICE),
                  ACL_ERROR_INVALID_PARAM);

  // Remapped elsewhere, the second handle still holds what was written to it.
  CHECK_ACL(aclrtUnmapMem(bytes + kPage));
  CHECK_ACL(aclrtMapMem(bytes + 3 * kPage, kPage, 0, second, 0));
  CHECK_ACL(aclrtMemcpy(back.data(), span / 2, bytes + 3 * kPage, span / 2, ACL_MEMCPY_DEVICE_TO_HOST));
  CHECK(std::vector<uint8_t>(back.begin(), back.begin() + span / 2) == std::vector<uint8_t>(span / 2, 0x5a));

  CHECK_ACL(aclrtDestroyStream(stream));
  CHECK_ACL(aclrtUnmapMem(bytes));
  CHECK_ACL(aclrtUnmapMem(bytes + 3 * kPage));
  CHECK_ACL(aclrtFreePhysical(first));
  CHECK_ACL(aclrtFreePhysical(second));
  CHECK_ACL(aclrtReleaseMemAddress(base));
}

}  // namespace

TEST_CASE(mapped_handles_form_one_contiguous_device_range) {
  ScopedSimulator sim;
  checkContiguousAcrossHandles();
}

TEST_CASE(mapped_handles_stay_out_of_host_reach_when_device_memory_is_protected) {
  ScopedSimulator sim({{"TORCH_NPU_SIM_PROTECT", std::string("1")}});
  checkContiguousAcrossHandles();
}

TEST_CASE(physical_memory_counts_against_the_device_until_freed) {
  ScopedSimulator sim({{"TORCH_NPU_SIM_HBM_MB", std::string("16")}});
  const size_t before = freeDeviceBytes();
  const aclrtPhysicalMemProp prop = hugePagesOf(0);
  aclrtDrvMemHandle handle = nullptr;
  CHECK_ACL(aclrtMallocPhysical(&handle, 4 * kPage, &prop, 0));
  CHECK_EQ(freeDeviceBytes(), before - 4 * kPage);
  aclrtDrvMemHandle too_much = nullptr;
  CHECK_ACL_ERROR(aclrtMallocPhysical(&too_much, 6 * kPage, &prop, 0), ACL_ERROR_RT_MEMORY_ALLOCATION);
  CHECK(recentErrorContains("Out of memory"));
  CHECK_ACL(aclrtFreePhysical(handle));
  CHECK_EQ(freeDeviceBytes(), before);
  CHECK_ACL_ERROR(aclrtFreePhysical(handle), ACL_ERROR_INVALID_PARAM);
}

TEST_CASE(virtual_memory_calls_refuse_bad_arguments) {
  ScopedSimulator sim({{"TORCH_NPU_SIM_DEVICE_COUNT", std::string("2")}});
  void* base = nullptr;
  int on_stack = 0;
  CHECK_ACL_ERROR(aclrtReserveMemAddress(nullptr, kPage, 0, nullptr, 0), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL_ERROR(aclrtReserveMemAddress(&base, kPage + 1, 0, nullptr, 0), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL_ERROR(aclrtReserveMemAddress(&base, kPage, 3, nullptr, 0), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL_ERROR(aclrtReserveMemAddress(&base, kPage, 0, &on_stack, 0), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL_ERROR(aclrtReserveMemAddress(&base, kPage, 0, nullptr, 2), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL(aclrtReserveMemAddress(&base, 2 * kPage, 0, nullptr, 0));
  auto* bytes = static_cast<uint8_t*>(base);

  aclrtPhysicalMemProp prop = hugePagesOf(0);
  aclrtDrvMemHandle handle = nullptr;
  CHECK_ACL_ERROR(aclrtMallocPhysical(&handle, kPage, nullptr, 0), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL_ERROR(aclrtMallocPhysical(&handle, kPage / 2, &prop, 0), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL_ERROR(aclrtMallocPhysical(&handle, kPage, &prop, 1), ACL_ERROR_INVALID_PARAM);
  prop.location.id = 7;
  CHECK_ACL_ERROR(aclrtMallocPhysical(&handle, kPage, &prop, 0), ACL_ERROR_RT_INVALID_DEVICEID);
  prop = hugePagesOf(0);
  prop.memAttr = ACL_DDR_MEM_HUGE;
  CHECK_ACL_ERROR(aclrtMallocPhysical(&handle, kPage, &prop, 0), ACL_ERROR_INVALID_PARAM);
  CHECK(recentErrorContains("not simulated"));
  prop = hugePagesOf(1);
  CHECK_ACL(aclrtMallocPhysical(&handle, kPage, &prop, 0));

  CHECK_ACL_ERROR(aclrtMapMem(&on_stack, kPage, 0, handle, 0), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL_ERROR(aclrtMapMem(bytes + 4096, kPage, 0, handle, 0), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL_ERROR(aclrtMapMem(bytes, 2 * kPage, 0, handle, 0), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL_ERROR(aclrtMapMem(bytes, kPage, kPage, handle, 0), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL_ERROR(aclrtMapMem(bytes, kPage, 0, &on_stack, 0), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL(aclrtMapMem(bytes + kPage, kPage, 0, handle, 0));
  CHECK_ACL_ERROR(aclrtMapMem(bytes + kPage, kPage, 0, handle, 0), ACL_ERROR_INVALID_PARAM);
  CHECK(recentErrorContains("overlaps a mapping"));
  // Memory of device 1 is found as device 1's: copying into it works from device 0 too.
  const uint32_t value = 0x12345678;
  CHECK_ACL(aclrtMemcpy(bytes + kPage, sizeof value, &value, sizeof value, ACL_MEMCPY_HOST_TO_DEVICE));

  CHECK_ACL_ERROR(aclrtFreePhysical(handle), ACL_ERROR_INVALID_PARAM);
  CHECK(recentErrorContains("still mapped"));
  CHECK_ACL_ERROR(aclrtReleaseMemAddress(base), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL_ERROR(aclrtUnmapMem(bytes), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL_ERROR(aclrtUnmapMem(&on_stack), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL_ERROR(aclrtFree(bytes + kPage), ACL_ERROR_RT_MEMORY_FREE);
  CHECK_ACL(aclrtUnmapMem(bytes + kPage));
  CHECK_ACL(aclrtFreePhysical(handle));
  CHECK_ACL(aclrtReleaseMemAddress(base));
  CHECK_ACL_ERROR(aclrtReleaseMemAddress(base), ACL_ERROR_INVALID_PARAM);
}

TEST_CASE(finalize_releases_what_is_still_reserved_and_mapped) {
  ScopedSimulator sim;
  void* base = nullptr;
  CHECK_ACL(aclrtReserveMemAddress(&base, kPage, 0, nullptr, 1));
  const aclrtPhysicalMemProp prop = hugePagesOf(0);
  aclrtDrvMemHandle handle = nullptr;
  CHECK_ACL(aclrtMallocPhysical(&handle, kPage, &prop, 0));
  CHECK_ACL(aclrtMapMem(base, kPage, 0, handle, 0));
  CHECK_ACL(sim.finalize());
  CHECK_ACL(aclInit(nullptr));
  CHECK_ACL(aclrtSetDevice(0));
  // The next session knows nothing of the old reservation.
  CHECK_ACL_ERROR(aclrtReleaseMemAddress(base), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL(aclFinalize());
}
