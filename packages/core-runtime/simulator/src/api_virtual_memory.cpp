// C entry points: virtual memory (reservations, physical memory, mappings).
//
// Unmapping does not wait for the device: like the hardware, the simulator
// expects its caller to have synchronized with the work that uses the pages.
#include "acl/acl_rt.h"
#include "api_support.h"
#include "runtime.h"

using namespace npu_sim;

namespace {

// What CANN 8.5 accepts for physical memory and the simulator models: pinned
// HBM of a device, in huge or normal pages.
aclError checkPhysicalMemProp(const aclrtPhysicalMemProp* prop) {
  if (prop == nullptr) return fail(ACL_ERROR_INVALID_PARAM, "aclrtMallocPhysical: prop is null");
  if (rawEnumValue(prop->handleType) != ACL_MEM_HANDLE_TYPE_NONE ||
      rawEnumValue(prop->allocationType) != ACL_MEM_ALLOCATION_TYPE_PINNED) {
    return fail(ACL_ERROR_INVALID_PARAM,
                "aclrtMallocPhysical: handleType must be ACL_MEM_HANDLE_TYPE_NONE and allocationType "
                "ACL_MEM_ALLOCATION_TYPE_PINNED");
  }
  const int64_t attr = rawEnumValue(prop->memAttr);
  if (attr != ACL_HBM_MEM_HUGE && attr != ACL_HBM_MEM_NORMAL) {
    return fail(ACL_ERROR_INVALID_PARAM,
                "aclrtMallocPhysical: memAttr %lld is not simulated (ACL_HBM_MEM_HUGE and ACL_HBM_MEM_NORMAL are)",
                static_cast<long long>(attr));
  }
  if (rawEnumValue(prop->location.type) != ACL_MEM_LOCATION_TYPE_DEVICE) {
    return fail(ACL_ERROR_INVALID_PARAM, "aclrtMallocPhysical: location.type must be ACL_MEM_LOCATION_TYPE_DEVICE");
  }
  return ACL_SUCCESS;
}

}  // namespace

extern "C" {

aclError aclrtReserveMemAddress(void** virPtr, size_t size, size_t alignment, void* expectPtr, uint64_t flags) {
  return guarded("aclrtReserveMemAddress", [&]() -> aclError {
    if (virPtr == nullptr) return fail(ACL_ERROR_INVALID_PARAM, "aclrtReserveMemAddress: virPtr is null");
    if (expectPtr != nullptr) return fail(ACL_ERROR_INVALID_PARAM, "aclrtReserveMemAddress: expectPtr must be null");
    if (flags > 1) {
      return fail(ACL_ERROR_INVALID_PARAM, "aclrtReserveMemAddress: flags %llu is neither 0 nor 1 (huge pages)",
                  static_cast<unsigned long long>(flags));
    }
    Session* session = nullptr;
    if (aclError error = requireSession("aclrtReserveMemAddress", session); error != ACL_SUCCESS) return error;
    return session->virtualMemory().reserve(size, alignment, virPtr);
  });
}

aclError aclrtReleaseMemAddress(void* virPtr) {
  return guarded("aclrtReleaseMemAddress", [&]() -> aclError {
    Session* session = nullptr;
    if (aclError error = requireSession("aclrtReleaseMemAddress", session); error != ACL_SUCCESS) return error;
    return session->virtualMemory().releaseReservation(virPtr);
  });
}

aclError aclrtMallocPhysical(aclrtDrvMemHandle* handle, size_t size, const aclrtPhysicalMemProp* prop,
                             uint64_t flags) {
  return guarded("aclrtMallocPhysical", [&]() -> aclError {
    if (handle == nullptr) return fail(ACL_ERROR_INVALID_PARAM, "aclrtMallocPhysical: handle is null");
    if (flags != 0) return fail(ACL_ERROR_INVALID_PARAM, "aclrtMallocPhysical: flags must be 0");
    if (aclError error = checkPhysicalMemProp(prop); error != ACL_SUCCESS) return error;
    Session* session = nullptr;
    Device* device = nullptr;
    if (aclError error = requireSession("aclrtMallocPhysical", session); error != ACL_SUCCESS) return error;
    if (aclError error = requireDevice("aclrtMallocPhysical", *session, static_cast<int32_t>(prop->location.id), device);
        error != ACL_SUCCESS) {
      return error;
    }
    return session->virtualMemory().allocatePhysical(device->memory(), device->index(), size, handle);
  });
}

aclError aclrtFreePhysical(aclrtDrvMemHandle handle) {
  return guarded("aclrtFreePhysical", [&]() -> aclError {
    Session* session = nullptr;
    if (aclError error = requireSession("aclrtFreePhysical", session); error != ACL_SUCCESS) return error;
    return session->virtualMemory().freePhysical(handle);
  });
}

aclError aclrtMapMem(void* virPtr, size_t size, size_t offset, aclrtDrvMemHandle handle, uint64_t flags) {
  return guarded("aclrtMapMem", [&]() -> aclError {
    if (flags != 0) return fail(ACL_ERROR_INVALID_PARAM, "aclrtMapMem: flags must be 0");
    Session* session = nullptr;
    if (aclError error = requireSession("aclrtMapMem", session); error != ACL_SUCCESS) return error;
    return session->virtualMemory().map(virPtr, size, offset, handle);
  });
}

aclError aclrtUnmapMem(void* virPtr) {
  return guarded("aclrtUnmapMem", [&]() -> aclError {
    Session* session = nullptr;
    if (aclError error = requireSession("aclrtUnmapMem", session); error != ACL_SUCCESS) return error;
    return session->virtualMemory().unmap(virPtr);
  });
}

}  // extern "C"
