#include "event.h"

#include "model_ri.h"
#include "stream.h"

namespace npu_sim {

void Event::record(Stream& stream) {
  if (std::shared_ptr<ModelRI> capture = stream.capture()) {
    capture->appendEventRecord(shared_from_this());
    std::lock_guard lock(mutex_);
    latest_.reset();
    captured_in_ = std::move(capture);
    return;
  }
  std::shared_ptr<EventRecord> record = startRecord(stream);
  stream.submit(Task{[record] { record->markReached(); }, TaskKind::Sync,
                     ActivityLabel{NPU_SIM_ACTIVITY_EVENT_RECORD, "EVENT_RECORD"}});
}

Task Event::raiseTask() const {
  return Task{[flag = flag_] { flag->raise(); }, TaskKind::Sync,
              ActivityLabel{NPU_SIM_ACTIVITY_EVENT_RECORD, "EVENT_RECORD"}};
}

Task Event::waitTask() const {
  return Task{[flag = flag_] { flag->waitRaised(); }, TaskKind::Sync,
              ActivityLabel{NPU_SIM_ACTIVITY_EVENT_WAIT, "EVENT_WAIT"}};
}

Task Event::lowerTask() const {
  return Task{[flag = flag_] { flag->lower(); }, TaskKind::Sync,
              ActivityLabel{NPU_SIM_ACTIVITY_EVENT_RECORD, "EVENT_RESET"}};
}

std::shared_ptr<EventRecord> Event::startRecord(const Stream& stream) {
  auto record = std::make_shared<EventRecord>(stream.sharedFailures());
  std::lock_guard lock(mutex_);
  latest_ = record;
  captured_in_.reset();
  return record;
}

std::shared_ptr<const EventRecord> Event::latest() const {
  std::lock_guard lock(mutex_);
  return latest_;
}

std::shared_ptr<ModelRI> Event::activeCapture() const {
  std::lock_guard lock(mutex_);
  std::shared_ptr<ModelRI> capture = captured_in_.lock();
  return capture && capture->capturing() ? capture : nullptr;
}

void Event::reset() {
  std::lock_guard lock(mutex_);
  latest_.reset();
  captured_in_.reset();
}

}  // namespace npu_sim
