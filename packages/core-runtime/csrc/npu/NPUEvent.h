// An owning CANN event handle, in the shape of ATen's CUDAEvent: created on
// first record, destroyed with the object, movable, not copyable.
#pragma once

#include <utility>

#include "acl/AclApi.h"
#include "npu/NPUException.h"
#include "npu/NPUGuardImpl.h"
#include "npu/NPUStream.h"
#include "npu/NPUTrace.h"

namespace torch_npu::npu {

class NPUEvent {
 public:
  explicit NPUEvent(bool enable_timing = false) : enable_timing_(enable_timing) {}
  NPUEvent(const NPUEvent&) = delete;
  NPUEvent& operator=(const NPUEvent&) = delete;
  NPUEvent(NPUEvent&& other) noexcept { *this = std::move(other); }
  NPUEvent& operator=(NPUEvent&& other) noexcept {
    std::swap(event_, other.event_);
    std::swap(enable_timing_, other.enable_timing_);
    return *this;
  }
  ~NPUEvent() {
    if (event_ != nullptr) {
      try {
        acl::aclrtDestroyEvent(event_);
      } catch (const c10::Error&) {
        // The runtime never loaded; there is nothing to release.
      }
    }
  }

  // Records on `stream`; CANN creates and records events on the current device only.
  void record(const NPUStream& stream) {
    const NPUGuard guard(stream.device_index());
    if (event_ == nullptr) {
      NPU_CHECK(acl::aclrtCreateEventWithFlag(&event_, enable_timing_ ? ACL_EVENT_TIME_LINE : ACL_EVENT_SYNC));
    }
    const aclrtStream handle = stream.stream();
    NPU_CHECK(acl::aclrtRecordEvent(event_, handle));
    trace::report(trace::Kind::EventRecord, stream.device_index(), event_, handle);
  }

  // Makes `stream`'s later work wait for the recorded work; nothing to wait for if never recorded.
  void block(const NPUStream& stream) const {
    if (event_ != nullptr) {
      const NPUGuard guard(stream.device_index());
      const aclrtStream handle = stream.stream();
      NPU_CHECK(acl::aclrtStreamWaitEvent(handle, event_));
      trace::report(trace::Kind::EventWait, stream.device_index(), event_, handle);
    }
  }

  // True when never recorded or when the recorded work has completed.
  bool query() const {
    if (event_ == nullptr) {
      return true;
    }
    aclrtEventRecordedStatus status = ACL_EVENT_RECORDED_STATUS_NOT_READY;
    NPU_CHECK(acl::aclrtQueryEventStatus(event_, &status));
    const bool complete = status == ACL_EVENT_RECORDED_STATUS_COMPLETE;
    if (complete) {  // the host has seen the work finish, as if it had waited
      trace::report(trace::Kind::EventSynchronize, -1, event_, nullptr);
    }
    return complete;
  }

  aclrtEvent handle() const { return event_; }

 private:
  aclrtEvent event_ = nullptr;
  bool enable_timing_ = false;
};

}  // namespace torch_npu::npu
