#include "activity_recorder.h"

#include <vector>

#include "npu_common/no_destructor.h"

namespace npu_sim {

void ActivityBuffer::append(const npuSimActivity& record) {
  std::lock_guard lock(mutex_);
  records_.push_back(record);
}

size_t ActivityBuffer::takeInto(npuSimActivity* out, size_t capacity) {
  std::lock_guard lock(mutex_);
  size_t taken = 0;
  while (taken < capacity && !records_.empty()) {
    out[taken++] = records_.front();
    records_.pop_front();
  }
  return taken;
}

bool ActivityBuffer::empty() const {
  std::lock_guard lock(mutex_);
  return records_.empty();
}

namespace activity_recording {
namespace {

thread_local uint64_t t_correlation_id = 0;

// Every stream's buffer, kept until drained after its stream is gone. Locked
// only when a stream is created and when records are taken.
struct Registry {
  std::mutex mutex;
  std::vector<std::shared_ptr<ActivityBuffer>> buffers;
};

Registry& registry() {
  static npu_common::NoDestructor<Registry> instance;
  return *instance;
}

// Drops the buffers of destroyed streams that hold no records; under the registry's lock.
void pruneDrained(Registry& all) {
  // A buffer only the registry holds belongs to a destroyed stream.
  std::erase_if(all.buffers, [](const auto& buffer) { return buffer.use_count() == 1 && buffer->empty(); });
}

}  // namespace

std::atomic<uint64_t> g_recorded_devices{0};

void setRecordedDevices(uint64_t device_mask) noexcept { g_recorded_devices.store(device_mask, std::memory_order_relaxed); }

uint64_t threadCorrelationId() noexcept { return t_correlation_id; }

void setThreadCorrelationId(uint64_t id) noexcept { t_correlation_id = id; }

std::shared_ptr<ActivityBuffer> registerStream() {
  auto buffer = std::make_shared<ActivityBuffer>();
  Registry& all = registry();
  std::lock_guard lock(all.mutex);
  pruneDrained(all);  // so that streams made and destroyed while nothing records leave nothing behind
  all.buffers.push_back(buffer);
  return buffer;
}

size_t takeRecords(npuSimActivity* out, size_t capacity) {
  Registry& all = registry();
  std::lock_guard lock(all.mutex);
  size_t taken = 0;
  for (const auto& buffer : all.buffers) taken += buffer->takeInto(out + taken, capacity - taken);
  pruneDrained(all);
  return taken;
}

}  // namespace activity_recording
}  // namespace npu_sim
