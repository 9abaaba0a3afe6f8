// Device activity recording: which streams record what they run, and where
// the records wait until a consumer takes them (npu_sim/sim_profiling.h).
//
// Off, a launch pays one relaxed atomic load (recordsOn). On, each stream
// appends to a buffer of its own from its worker, so streams never contend;
// only a consumer taking records locks a buffer its worker also uses.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>

#include "npu_sim/sim_profiling.h"

namespace npu_sim {

// What a task is, for its record; fixed at launch.
struct ActivityLabel {
  npuSimActivityKind kind = NPU_SIM_ACTIVITY_HOST_TASK;
  const char* name = "HOST_TASK";  // static storage
  uint64_t bytes = 0;
  int32_t detail = 0;
};

// The records of one stream, in the order its worker ran the tasks.
class ActivityBuffer {
 public:
  void append(const npuSimActivity& record);
  // Moves up to `capacity` records into `out`; returns how many.
  size_t takeInto(npuSimActivity* out, size_t capacity);
  bool empty() const;

 private:
  mutable std::mutex mutex_;
  std::deque<npuSimActivity> records_;
};

namespace activity_recording {

// Devices whose streams record (bit i: device i; 0: none).
void setRecordedDevices(uint64_t device_mask) noexcept;

// The calling thread's correlation id for the tasks it launches.
uint64_t threadCorrelationId() noexcept;
void setThreadCorrelationId(uint64_t id) noexcept;

// A buffer for a new stream; it stays readable after the stream is gone.
std::shared_ptr<ActivityBuffer> registerStream();
// Moves up to `capacity` records of every stream into `out`.
size_t takeRecords(npuSimActivity* out, size_t capacity);

// Process-wide; read through recordsOn.
extern std::atomic<uint64_t> g_recorded_devices;

// Whether launches onto device `device` are recorded now.
inline bool recordsOn(int32_t device) noexcept {
  const uint64_t mask = g_recorded_devices.load(std::memory_order_relaxed);
  return mask != 0 && device >= 0 && device < 64 && ((mask >> device) & 1) != 0;
}

}  // namespace activity_recording
}  // namespace npu_sim
