#include "event.h"

#include "stream.h"

namespace npu_sim {

void Event::record(Stream& stream) {
  auto record = std::make_shared<EventRecord>(stream.sharedFailures());
  stream.submit(Task{[record] { record->markReached(); }, TaskKind::Sync,
                   ActivityLabel{NPU_SIM_ACTIVITY_EVENT_RECORD, "EVENT_RECORD"}});
  std::lock_guard lock(mutex_);
  latest_ = std::move(record);
}

std::shared_ptr<const EventRecord> Event::latest() const {
  std::lock_guard lock(mutex_);
  return latest_;
}

void Event::reset() {
  std::lock_guard lock(mutex_);
  latest_.reset();
}

}  // namespace npu_sim
