// C entry points: memory.
//
// aclrtMemcpy and aclrtMemset run on the calling thread at once; like their
// CANN counterparts they are not ordered after work queued on streams, so
// callers synchronize first. The *Async variants are stream tasks.
#include <algorithm>
#include <cstring>
#include <vector>

#include "acl/acl_rt.h"
#include "api_support.h"
#include "memory_access.h"
#include "runtime.h"
#include "thread_context.h"

using namespace npu_sim;

namespace {

// Whether a side of the copy is host memory that aclrtMallocHost did not
// pin: copying it asynchronously is one of the calls a capture makes unsafe.
bool copiesPageableHostMemory(Session& session, const void* dst, const void* src, size_t count) {
  for (const void* side : {dst, src}) {
    if (!session.findDeviceMemory(side) && !session.pinnedHostMemory().contains(side, count)) return true;
  }
  return false;
}

}  // namespace

extern "C" {

aclError aclrtMalloc(void** devPtr, size_t size, aclrtMemMallocPolicy policy) {
  return guarded("aclrtMalloc", [&]() -> aclError {
    if (devPtr == nullptr) return fail(ACL_ERROR_INVALID_PARAM, "aclrtMalloc: devPtr is null");
    if (size == 0) return fail(ACL_ERROR_INVALID_PARAM, "aclrtMalloc: size is 0");
    const int64_t raw_policy = rawEnumValue(policy);
    if (raw_policy < ACL_MEM_MALLOC_HUGE_FIRST || raw_policy > ACL_MEM_MALLOC_NORMAL_ONLY) {
      return fail(ACL_ERROR_INVALID_PARAM, "aclrtMalloc: unknown policy %lld", static_cast<long long>(raw_policy));
    }
    Session* session = nullptr;
    Device* device = nullptr;
    if (aclError error = requireSession("aclrtMalloc", session); error != ACL_SUCCESS) return error;
    if (aclError error = requireCurrentDevice("aclrtMalloc", *session, device); error != ACL_SUCCESS) return error;
    return device->memory().allocate(size, devPtr);
  });
}

aclError aclrtFree(void* devPtr) {
  return guarded("aclrtFree", [&]() -> aclError {
    if (devPtr == nullptr) return fail(ACL_ERROR_INVALID_PARAM, "aclrtFree: devPtr is null");
    Session* session = nullptr;
    if (aclError error = requireSession("aclrtFree", session); error != ACL_SUCCESS) return error;
    const std::optional<DeviceBlock> block = session->findDeviceMemory(devPtr);
    if (!block || block->span.base != devPtr) {
      return fail(ACL_ERROR_RT_MEMORY_FREE, "aclrtFree: %p is not the start of a live device allocation", devPtr);
    }
    // Tasks already queued may still use the block; unmapping it under them
    // would crash the process instead of reporting anything. Like cudaFree,
    // freeing therefore waits for the owning device's streams.
    session->synchronizeDevice(*block->device);
    return block->device->memory().release(devPtr);
  });
}

aclError aclrtMallocHost(void** hostPtr, size_t size) {
  return guarded("aclrtMallocHost", [&]() -> aclError {
    if (hostPtr == nullptr) return fail(ACL_ERROR_INVALID_PARAM, "aclrtMallocHost: hostPtr is null");
    if (size == 0) return fail(ACL_ERROR_INVALID_PARAM, "aclrtMallocHost: size is 0");
    Session* session = nullptr;
    if (aclError error = requireSession("aclrtMallocHost", session); error != ACL_SUCCESS) return error;
    return session->pinnedHostMemory().allocate(size, hostPtr);
  });
}

aclError aclrtFreeHost(void* hostPtr) {
  return guarded("aclrtFreeHost", [&]() -> aclError {
    if (hostPtr == nullptr) return fail(ACL_ERROR_INVALID_PARAM, "aclrtFreeHost: hostPtr is null");
    Session* session = nullptr;
    if (aclError error = requireSession("aclrtFreeHost", session); error != ACL_SUCCESS) return error;
    return session->pinnedHostMemory().release(hostPtr);
  });
}

aclError aclrtGetMemInfo(aclrtMemAttr attr, size_t* free, size_t* total) {
  return guarded("aclrtGetMemInfo", [&]() -> aclError {
    if (free == nullptr || total == nullptr) return fail(ACL_ERROR_INVALID_PARAM, "aclrtGetMemInfo: free or total is null");
    Session* session = nullptr;
    Device* device = nullptr;
    if (aclError error = requireSession("aclrtGetMemInfo", session); error != ACL_SUCCESS) return error;
    if (aclError error = requireCurrentDevice("aclrtGetMemInfo", *session, device); error != ACL_SUCCESS) return error;
    const int64_t raw_attr = rawEnumValue(attr);
    switch (raw_attr) {
      case ACL_HBM_MEM:
      case ACL_HBM_MEM_HUGE:
      case ACL_HBM_MEM_NORMAL:
        break;
      case ACL_DDR_MEM:
      case ACL_DDR_MEM_HUGE:
      case ACL_DDR_MEM_NORMAL:
        // The simulated SoCs, like the 910 series, have HBM only.
        return fail(ACL_ERROR_RT_INVALID_MEMORY_TYPE, "aclrtGetMemInfo: the simulated device has no DDR memory");
      default:
        return fail(ACL_ERROR_INVALID_PARAM, "aclrtGetMemInfo: unknown memory attribute %lld",
                    static_cast<long long>(raw_attr));
    }
    const uint64_t capacity = device->memory().capacity();
    *total = capacity;
    *free = capacity - device->memory().used();
    return ACL_SUCCESS;
  });
}

aclError aclrtGetMemUceInfo(int32_t deviceId, aclrtMemUceInfo* memUceInfoArray, size_t arraySize, size_t* retSize) {
  return guarded("aclrtGetMemUceInfo", [&]() -> aclError {
    if (retSize == nullptr || (memUceInfoArray == nullptr && arraySize != 0)) {
      return fail(ACL_ERROR_INVALID_PARAM, "aclrtGetMemUceInfo: retSize or memUceInfoArray is null");
    }
    Session* session = nullptr;
    Device* device = nullptr;
    if (aclError error = requireSession("aclrtGetMemUceInfo", session); error != ACL_SUCCESS) return error;
    if (aclError error = requireDevice("aclrtGetMemUceInfo", *session, deviceId, device); error != ACL_SUCCESS) {
      return error;
    }
    const std::vector<MemoryErrorRange> ranges = device->memoryErrors().ranges();
    *retSize = std::min(ranges.size(), arraySize);
    for (size_t i = 0; i < *retSize; ++i) {
      memUceInfoArray[i] = aclrtMemUceInfo{};
      memUceInfoArray[i].addr = const_cast<void*>(ranges[i].addr);
      memUceInfoArray[i].len = ranges[i].len;
    }
    return ACL_SUCCESS;
  });
}

aclError aclrtMemUceRepair(int32_t deviceId, aclrtMemUceInfo* memUceInfoArray, size_t arraySize) {
  return guarded("aclrtMemUceRepair", [&]() -> aclError {
    if (memUceInfoArray == nullptr && arraySize != 0) {
      return fail(ACL_ERROR_INVALID_PARAM, "aclrtMemUceRepair: memUceInfoArray is null");
    }
    Session* session = nullptr;
    Device* device = nullptr;
    if (aclError error = requireSession("aclrtMemUceRepair", session); error != ACL_SUCCESS) return error;
    if (aclError error = requireDevice("aclrtMemUceRepair", *session, deviceId, device); error != ACL_SUCCESS) {
      return error;
    }
    for (size_t i = 0; i < arraySize; ++i) {
      if (!device->memoryErrors().repair(MemoryErrorRange{memUceInfoArray[i].addr, memUceInfoArray[i].len})) {
        return fail(ACL_ERROR_INVALID_PARAM, "aclrtMemUceRepair: device %d has no memory error at [%p, +%zu)",
                    deviceId, memUceInfoArray[i].addr, memUceInfoArray[i].len);
      }
    }
    return ACL_SUCCESS;
  });
}

aclError aclrtMemcpy(void* dst, size_t destMax, const void* src, size_t count, aclrtMemcpyKind kind) {
  return guarded("aclrtMemcpy", [&]() -> aclError {
    Session* session = nullptr;
    if (aclError error = requireSession("aclrtMemcpy", session); error != ACL_SUCCESS) return error;
    if (aclError error = refuseUnsafeCallDuringCapture("aclrtMemcpy", *session); error != ACL_SUCCESS) return error;
    CopyAddresses host;
    const Device* copying_device = session->device(currentDeviceIndex(*session));
    if (aclError error = checkCopy("aclrtMemcpy", *session, dst, destMax, src, count, kind, copying_device, host);
        error != ACL_SUCCESS) {
      return error;
    }
    if (count != 0) std::memmove(host.dst, host.src, count);
    return ACL_SUCCESS;
  });
}

aclError aclrtMemcpyAsync(void* dst, size_t destMax, const void* src, size_t count, aclrtMemcpyKind kind,
                          aclrtStream stream) {
  return guarded("aclrtMemcpyAsync", [&]() -> aclError {
    Session* session = nullptr;
    std::shared_ptr<Stream> target;
    if (aclError error = requireSession("aclrtMemcpyAsync", session); error != ACL_SUCCESS) return error;
    if (aclError error = resolveStreamForLaunch("aclrtMemcpyAsync", *session, stream, target); error != ACL_SUCCESS) {
      return error;
    }
    CopyAddresses host;
    if (aclError error = checkCopy("aclrtMemcpyAsync", *session, dst, destMax, src, count, kind,
                                   session->device(target->deviceIndex()), host);
        error != ACL_SUCCESS) {
      return error;
    }
    if (target->capture() && copiesPageableHostMemory(*session, dst, src, count)) {
      if (aclError error = refuseUnsafeCallDuringCapture("aclrtMemcpyAsync", *session); error != ACL_SUCCESS) {
        return error;
      }
    }
    if (count != 0) {
      target->submit(Task{[host, count] { std::memmove(host.dst, host.src, count); }, TaskKind::Work,
                          ActivityLabel{NPU_SIM_ACTIVITY_MEMCPY, "MEMCPY_ASYNC", count,
                                        static_cast<int32_t>(rawEnumValue(kind))}});
    }
    return ACL_SUCCESS;
  });
}

aclError aclrtMemset(void* devPtr, size_t maxCount, int32_t value, size_t count) {
  return guarded("aclrtMemset", [&]() -> aclError {
    Session* session = nullptr;
    if (aclError error = requireSession("aclrtMemset", session); error != ACL_SUCCESS) return error;
    if (aclError error = refuseUnsafeCallDuringCapture("aclrtMemset", *session); error != ACL_SUCCESS) return error;
    void* host = nullptr;
    if (aclError error = checkFill("aclrtMemset", *session, devPtr, maxCount, count, host); error != ACL_SUCCESS) {
      return error;
    }
    std::memset(host, value, count);
    return ACL_SUCCESS;
  });
}

aclError aclrtMemsetAsync(void* devPtr, size_t maxCount, int32_t value, size_t count, aclrtStream stream) {
  return guarded("aclrtMemsetAsync", [&]() -> aclError {
    Session* session = nullptr;
    std::shared_ptr<Stream> target;
    if (aclError error = requireSession("aclrtMemsetAsync", session); error != ACL_SUCCESS) return error;
    if (aclError error = resolveStreamForLaunch("aclrtMemsetAsync", *session, stream, target); error != ACL_SUCCESS) {
      return error;
    }
    void* host = nullptr;
    if (aclError error = checkFill("aclrtMemsetAsync", *session, devPtr, maxCount, count, host);
        error != ACL_SUCCESS) {
      return error;
    }
    if (count != 0) {
      target->submit(Task{[host, value, count] { std::memset(host, value, count); }, TaskKind::Work,
                          ActivityLabel{NPU_SIM_ACTIVITY_MEMSET, "MEMSET_ASYNC", count}});
    }
    return ACL_SUCCESS;
  });
}

}  // extern "C"
