// Host callbacks (aclrtLaunchCallback) and the threads that run them.
//
// As on CANN, a callback does not run on the stream: when the stream reaches
// it, it is posted as a report to the host thread subscribed to that stream
// (aclrtSubscribeReport), which runs it from aclrtProcessReport.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "acl/acl_rt.h"
#include "progress_counter.h"

namespace npu_sim {

// One launched callback.
class PendingCallback {
 public:
  PendingCallback(aclrtCallback fn, void* user_data) noexcept : fn_(fn), user_data_(user_data) {}

  void run() {
    fn_(user_data_);
    ran_.advanceTo(1);
  }
  // For ACL_CALLBACK_BLOCK: the stream's worker waits here.
  void waitUntilRun() const noexcept { ran_.waitFor(1); }

 private:
  const aclrtCallback fn_;
  void* const user_data_;
  ProgressCounter ran_;
};

// The callbacks waiting for one subscribed host thread.
class ReportInbox {
 public:
  void post(std::shared_ptr<PendingCallback> callback);

  // Runs every callback posted so far, waiting up to `timeout` (forever when
  // nullopt) for the first one. Returns false when none came in time.
  bool runPending(std::optional<std::chrono::milliseconds> timeout);

 private:
  std::mutex mutex_;
  std::condition_variable posted_;
  std::deque<std::shared_ptr<PendingCallback>> pending_;
};

// The subscribed host threads, by the thread id callers pass to
// aclrtSubscribeReport (pthread_self() as an integer).
class ReportHub {
 public:
  // Counts one more stream for `thread_id` and returns its inbox.
  std::shared_ptr<ReportInbox> addSubscription(uint64_t thread_id);
  // Counts one stream less; the inbox goes with the last one.
  void removeSubscription(uint64_t thread_id);
  // The inbox of `thread_id`; null when it subscribes to no stream.
  std::shared_ptr<ReportInbox> inboxOf(uint64_t thread_id) const;

 private:
  struct Subscriber {
    std::shared_ptr<ReportInbox> inbox;
    size_t stream_count = 0;
  };
  mutable std::mutex mutex_;
  std::unordered_map<uint64_t, Subscriber> subscribers_;
};

}  // namespace npu_sim
