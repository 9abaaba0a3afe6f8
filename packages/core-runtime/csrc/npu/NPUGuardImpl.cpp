#include "npu/NPUGuardImpl.h"

#include <c10/core/CachingDeviceAllocator.h>

#include "acl/AclApi.h"
#include "npu/NPUException.h"
#include "npu/NPUFunctions.h"
#include "npu/NPUGraphsUtils.h"
#include "npu/NPUStream.h"
#include "npu/NPUTrace.h"

namespace torch_npu::npu {

NPUGuardImpl::NPUGuardImpl(c10::DeviceType type) {
  TORCH_CHECK(type == static_type, "NPUGuardImpl serves PrivateUse1 devices, got ", type);
}

c10::Device NPUGuardImpl::exchangeDevice(c10::Device device) const {
  TORCH_CHECK(device.type() == static_type, "Expected an NPU device, got ", device);
  return c10::Device(static_type, exchange_device(device.index()));
}

c10::Device NPUGuardImpl::getDevice() const {
  return c10::Device(static_type, current_device());
}

void NPUGuardImpl::setDevice(c10::Device device) const {
  TORCH_CHECK(device.type() == static_type, "Expected an NPU device, got ", device);
  set_device(device.index());
}

void NPUGuardImpl::uncheckedSetDevice(c10::Device device) const noexcept {
  try {
    set_device(device.index());
  } catch (const c10::Error&) {
    // Called from guard destructors, which must not throw; the next checked call reports the problem.
  }
}

c10::DeviceIndex NPUGuardImpl::deviceCount() const noexcept {
  return device_count();
}

c10::Stream NPUGuardImpl::getStream(c10::Device device) const {
  return getCurrentNPUStream(device.index()).unwrap();
}

c10::Stream NPUGuardImpl::getDefaultStream(c10::Device device) const {
  return getDefaultNPUStream(device.index()).unwrap();
}

c10::Stream NPUGuardImpl::getStreamFromGlobalPool(c10::Device device, bool isHighPriority) const {
  return getStreamFromPool(isHighPriority, device.index()).unwrap();
}

c10::Stream NPUGuardImpl::getNewStream(c10::Device device, int priority) const {
  return getStreamFromPool(priority < 0, device.index()).unwrap();
}

c10::Stream NPUGuardImpl::exchangeStream(c10::Stream stream) const {
  const NPUStream next(stream);
  const NPUStream previous = getCurrentNPUStream(next.device_index());
  setCurrentNPUStream(next);
  return previous.unwrap();
}

void* NPUGuardImpl::getStreamNativeHandle(const c10::Stream stream) const {
  return NPUStream(stream).stream();
}

bool NPUGuardImpl::queryStream(const c10::Stream& stream) const {
  return NPUStream(stream).query();
}

void NPUGuardImpl::synchronizeStream(const c10::Stream& stream) const {
  NPUStream(stream).synchronize();
}

bool NPUGuardImpl::isStreamCapturing(const c10::Stream& stream) const {
  return npu::isStreamCapturing(NPUStream(stream).stream());
}

void NPUGuardImpl::synchronizeDevice(const c10::DeviceIndex device_index) const {
  const c10::DeviceIndex previous = exchange_device(device_index);
  device_synchronize();
  exchange_device(previous);
}

void NPUGuardImpl::record(void** event, const c10::Stream& stream, const c10::DeviceIndex device_index,
                          const c10::EventFlag flag) const {
  TORCH_CHECK(device_index == -1 || device_index == stream.device_index(), "Event device index ", device_index,
              " does not match recording stream's device index ", stream.device_index(), ".");
  const NPUStream npu_stream(stream);
  const c10::DeviceIndex previous = exchange_device(npu_stream.device_index());
  if (*event == nullptr) {
    // PYTORCH_DEFAULT disables timing, as for CUDA events.
    const uint32_t flags = flag == c10::EventFlag::BACKEND_DEFAULT ? ACL_EVENT_TIME_LINE : ACL_EVENT_SYNC;
    NPU_CHECK(acl::aclrtCreateEventWithFlag(reinterpret_cast<aclrtEvent*>(event), flags));
  }
  const aclrtStream handle = npu_stream.stream();
  NPU_CHECK(acl::aclrtRecordEvent(*event, handle));
  trace::report(trace::Kind::EventRecord, npu_stream.device_index(), *event, handle);
  exchange_device(previous);
}

void NPUGuardImpl::block(void* event, const c10::Stream& stream) const {
  if (event == nullptr) {
    return;
  }
  // CANN enqueues only onto streams of the current device.
  const NPUStream npu_stream(stream);
  const c10::DeviceIndex previous = exchange_device(npu_stream.device_index());
  const aclrtStream handle = npu_stream.stream();
  NPU_CHECK(acl::aclrtStreamWaitEvent(handle, event));
  trace::report(trace::Kind::EventWait, npu_stream.device_index(), event, handle);
  exchange_device(previous);
}

bool NPUGuardImpl::queryEvent(void* event) const {
  if (event == nullptr) {
    return true;
  }
  aclrtEventRecordedStatus status = ACL_EVENT_RECORDED_STATUS_NOT_READY;
  NPU_CHECK(acl::aclrtQueryEventStatus(event, &status));
  const bool complete = status == ACL_EVENT_RECORDED_STATUS_COMPLETE;
  if (complete) {  // the host has seen the work finish, as if it had waited
    trace::report(trace::Kind::EventSynchronize, -1, event, nullptr);
  }
  return complete;
}

void NPUGuardImpl::synchronizeEvent(void* event) const {
  if (event != nullptr) {
    NPU_CHECK(acl::aclrtSynchronizeEvent(event));
    trace::report(trace::Kind::EventSynchronize, -1, event, nullptr);
  }
}

double NPUGuardImpl::elapsedTime(void* start, void* end, const c10::DeviceIndex device_index) const {
  TORCH_CHECK(start != nullptr && end != nullptr,
              "Both events must be recorded before calculating elapsed time.");
  float milliseconds = 0;
  NPU_CHECK(acl::aclrtEventElapsedTime(&milliseconds, start, end));
  return milliseconds;
}

void NPUGuardImpl::destroyEvent(void* event, const c10::DeviceIndex device_index) const noexcept {
  if (event != nullptr) {
    acl::aclrtDestroyEvent(event);
  }
}

void NPUGuardImpl::recordDataPtrOnStream(const c10::DataPtr& data_ptr, const c10::Stream& stream) const {
  c10::getDeviceAllocator(static_type)->recordStream(data_ptr, stream);
}

C10_REGISTER_GUARD_IMPL(PrivateUse1, NPUGuardImpl);

}  // namespace torch_npu::npu
