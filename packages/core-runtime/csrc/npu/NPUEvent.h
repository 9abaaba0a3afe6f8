// An owning CANN event handle, in the shape of ATen's CUDAEvent: created on
// first record, destroyed with the object, movable, not copyable.
//
// An external event (ACL_EVENT_EXTERNAL, torch.npu.ExternalEvent) is a flag:
// a stream may wait for it before it is recorded, and reset() lowers it again
// in a stream's order; a graph captures its waits and resets as such.
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
  explicit NPUEvent(bool enable_timing = false, bool external = false)
      : enable_timing_(enable_timing), external_(external) {}
  NPUEvent(const NPUEvent&) = delete;
  NPUEvent& operator=(const NPUEvent&) = delete;
  NPUEvent(NPUEvent&& other) noexcept { *this = std::move(other); }
  NPUEvent& operator=(NPUEvent&& other) noexcept {
    std::swap(event_, other.event_);
    std::swap(enable_timing_, other.enable_timing_);
    std::swap(external_, other.external_);
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
    create();
    const aclrtStream handle = stream.stream();
    NPU_CHECK(acl::aclrtRecordEvent(event_, handle));
    trace::report(trace::Kind::EventRecord, stream.device_index(), event_, handle);
  }

  // Makes `stream`'s later work wait for the recorded work; nothing to wait
  // for if never recorded, unless external: then for the coming record.
  void block(const NPUStream& stream) const {
    if (event_ == nullptr && !external_) {
      return;
    }
    const NPUGuard guard(stream.device_index());
    create();
    const aclrtStream handle = stream.stream();
    NPU_CHECK(acl::aclrtStreamWaitEvent(handle, event_));
    trace::report(trace::Kind::EventWait, stream.device_index(), event_, handle);
  }

  // Lowers an external event's flag once `stream` reaches this point.
  void reset(const NPUStream& stream) {
    TORCH_CHECK(external_, "Only an ExternalEvent can be reset");
    const NPUGuard guard(stream.device_index());
    create();
    NPU_CHECK(acl::aclrtResetEvent(event_, stream.stream()));
  }

  // Waits until the recorded work completed (an external event: until it is recorded).
  void synchronize() const {
    if (event_ != nullptr) {
      NPU_CHECK(acl::aclrtSynchronizeEvent(event_));
      trace::report(trace::Kind::EventSynchronize, -1, event_, nullptr);
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
  // CANN creates events on the current device, which callers have set.
  // Const: an external event is created by its first wait, too.
  void create() const {
    if (event_ == nullptr) {
      const uint32_t flag = external_ ? ACL_EVENT_EXTERNAL : enable_timing_ ? ACL_EVENT_TIME_LINE : ACL_EVENT_SYNC;
      NPU_CHECK(acl::aclrtCreateEventWithFlag(&event_, flag));
    }
  }

  mutable aclrtEvent event_ = nullptr;
  bool enable_timing_ = false;
  bool external_ = false;
};

}  // namespace torch_npu::npu
