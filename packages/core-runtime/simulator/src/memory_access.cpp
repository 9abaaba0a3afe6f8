#include "memory_access.h"

#include "api_support.h"
#include "error.h"

namespace npu_sim {
namespace {

// Null for a value no enumerator names.
const char* kindName(int64_t kind) {
  switch (kind) {
    case ACL_MEMCPY_HOST_TO_HOST:
      return "ACL_MEMCPY_HOST_TO_HOST";
    case ACL_MEMCPY_HOST_TO_DEVICE:
      return "ACL_MEMCPY_HOST_TO_DEVICE";
    case ACL_MEMCPY_DEVICE_TO_HOST:
      return "ACL_MEMCPY_DEVICE_TO_HOST";
    case ACL_MEMCPY_DEVICE_TO_DEVICE:
      return "ACL_MEMCPY_DEVICE_TO_DEVICE";
    case ACL_MEMCPY_DEFAULT:
      return "ACL_MEMCPY_DEFAULT";
  }
  return nullptr;
}

enum class Expect { Host, Device, Either };

// Checks one side (`role` is "destination" or "source") of a copy or fill,
// and sets `host` to where the simulator reaches it and `device` to the
// device whose memory it is (null for host memory).
aclError checkSide(const char* api, const Session& session, const char* role, const void* ptr, size_t count,
                   Expect expect, const char* kind, const void*& host, const Device*& device) {
  const std::optional<DeviceBlock> block = session.findDeviceMemory(ptr);
  device = block ? block->device : nullptr;
  if (!block) {
    host = ptr;
    if (expect != Expect::Device) return ACL_SUCCESS;
    return fail(ACL_ERROR_INVALID_PARAM, "%s: %s %p is not device memory (no live allocation contains it), as %s requires",
                api, role, ptr, kind);
  }
  if (expect == Expect::Host) {
    return fail(ACL_ERROR_INVALID_PARAM, "%s: %s %p is memory of device %d, but %s expects host memory", api, role, ptr,
                block->device->index(), kind);
  }
  if (!block->span.covers(ptr, count)) {
    return fail(ACL_ERROR_INVALID_PARAM,
                "%s: %s range [%p, +%zu bytes) overruns its allocation [%p, +%zu bytes) on device %d", api, role, ptr,
                count, static_cast<const void*>(block->span.base), block->span.size, block->device->index());
  }
  host = block->span.hostAddress(ptr);
  return ACL_SUCCESS;
}

// A copy between the memory of two devices runs on one of them, which reaches
// the other's memory only once peer access is enabled, as on hardware.
aclError checkPeerCopy(const char* api, const Device& dst_device, const Device& src_device,
                       const Device* copying_device) {
  if (copying_device != &dst_device && copying_device != &src_device) {
    return fail(ACL_ERROR_INVALID_PARAM, "%s: a copy from device %d to device %d must run on one of them, not on %s",
                api, src_device.index(), dst_device.index(),
                copying_device == nullptr ? "a thread without a current device" : "another device");
  }
  const Device& peer = copying_device == &dst_device ? src_device : dst_device;
  if (!copying_device->peerAccess().enabled(peer.index())) {
    return fail(ACL_ERROR_INVALID_PARAM,
                "%s: device %d copies from device %d to device %d, but its access to device %d is not enabled "
                "(aclrtDeviceEnablePeerAccess)",
                api, copying_device->index(), src_device.index(), dst_device.index(), peer.index());
  }
  return ACL_SUCCESS;
}

}  // namespace

aclError checkCopy(const char* api, const Session& session, void* dst, size_t dest_max, const void* src, size_t count,
                   aclrtMemcpyKind kind, const Device* copying_device, CopyAddresses& host) {
  if (dst == nullptr || src == nullptr) return fail(ACL_ERROR_INVALID_PARAM, "%s: dst or src is null", api);
  if (count > dest_max) {
    return fail(ACL_ERROR_INVALID_PARAM, "%s: count %zu exceeds destMax %zu", api, count, dest_max);
  }
  const int64_t raw_kind = rawEnumValue(kind);
  const char* kind_name = kindName(raw_kind);
  if (kind_name == nullptr) {
    return fail(ACL_ERROR_INVALID_PARAM, "%s: unknown memcpy kind %lld", api, static_cast<long long>(raw_kind));
  }

  Expect dst_expect = Expect::Either;
  Expect src_expect = Expect::Either;
  switch (raw_kind) {
    case ACL_MEMCPY_HOST_TO_HOST:
      dst_expect = src_expect = Expect::Host;
      break;
    case ACL_MEMCPY_HOST_TO_DEVICE:
      dst_expect = Expect::Device;
      src_expect = Expect::Host;
      break;
    case ACL_MEMCPY_DEVICE_TO_HOST:
      dst_expect = Expect::Host;
      src_expect = Expect::Device;
      break;
    case ACL_MEMCPY_DEVICE_TO_DEVICE:
      dst_expect = src_expect = Expect::Device;
      break;
    case ACL_MEMCPY_DEFAULT:
      break;
  }
  const void* host_dst = nullptr;
  const Device* dst_device = nullptr;
  const Device* src_device = nullptr;
  if (aclError error = checkSide(api, session, "destination", dst, count, dst_expect, kind_name, host_dst, dst_device);
      error != ACL_SUCCESS) {
    return error;
  }
  if (aclError error = checkSide(api, session, "source", src, count, src_expect, kind_name, host.src, src_device);
      error != ACL_SUCCESS) {
    return error;
  }
  if (dst_device != nullptr && src_device != nullptr && dst_device != src_device) {
    if (aclError error = checkPeerCopy(api, *dst_device, *src_device, copying_device); error != ACL_SUCCESS) {
      return error;
    }
  }
  // The destination is writable memory: it was passed as void*.
  host.dst = const_cast<void*>(host_dst);
  return ACL_SUCCESS;
}

aclError checkFill(const char* api, const Session& session, void* dst, size_t max_count, size_t count,
                   void*& host_dst) {
  if (dst == nullptr) return fail(ACL_ERROR_INVALID_PARAM, "%s: devPtr is null", api);
  if (count > max_count) {
    return fail(ACL_ERROR_INVALID_PARAM, "%s: count %zu exceeds maxCount %zu", api, count, max_count);
  }
  const void* host = nullptr;
  const Device* device = nullptr;
  if (aclError error =
          checkSide(api, session, "destination", dst, count, Expect::Device, "a device memory fill", host, device);
      error != ACL_SUCCESS) {
    return error;
  }
  host_dst = const_cast<void*>(host);
  return ACL_SUCCESS;
}

}  // namespace npu_sim
