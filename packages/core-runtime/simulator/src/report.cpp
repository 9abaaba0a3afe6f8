#include "report.h"

namespace npu_sim {

void ReportInbox::post(std::shared_ptr<PendingCallback> callback) {
  {
    std::lock_guard lock(mutex_);
    pending_.push_back(std::move(callback));
  }
  posted_.notify_all();
}

bool ReportInbox::runPending(std::optional<std::chrono::milliseconds> timeout) {
  std::deque<std::shared_ptr<PendingCallback>> batch;
  {
    std::unique_lock lock(mutex_);
    const auto has_pending = [&] { return !pending_.empty(); };
    if (timeout) {
      if (!posted_.wait_for(lock, *timeout, has_pending)) return false;
    } else {
      posted_.wait(lock, has_pending);
    }
    batch.swap(pending_);
  }
  // Outside the lock: a callback may launch further callbacks.
  for (const auto& callback : batch) callback->run();
  return true;
}

std::shared_ptr<ReportInbox> ReportHub::addSubscription(uint64_t thread_id) {
  std::lock_guard lock(mutex_);
  Subscriber& subscriber = subscribers_[thread_id];
  if (!subscriber.inbox) subscriber.inbox = std::make_shared<ReportInbox>();
  ++subscriber.stream_count;
  return subscriber.inbox;
}

void ReportHub::removeSubscription(uint64_t thread_id) {
  std::lock_guard lock(mutex_);
  auto found = subscribers_.find(thread_id);
  if (found != subscribers_.end() && --found->second.stream_count == 0) subscribers_.erase(found);
}

std::shared_ptr<ReportInbox> ReportHub::inboxOf(uint64_t thread_id) const {
  std::lock_guard lock(mutex_);
  auto found = subscribers_.find(thread_id);
  return found == subscribers_.end() ? nullptr : found->second.inbox;
}

}  // namespace npu_sim
