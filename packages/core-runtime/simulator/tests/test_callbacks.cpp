// Host callbacks: subscription, report processing, blocking callbacks.
#include <pthread.h>

#include "sim_fixture.h"

using namespace sim_test;

namespace {

// A host thread that processes the reports of the streams it is subscribed to.
class ReportThread {
 public:
  ReportThread() : thread_([this] { run(); }) {
    while (id_.load() == 0) std::this_thread::yield();
  }
  ~ReportThread() {
    stop_ = true;
    thread_.join();
  }
  uint64_t id() const { return id_.load(); }
  int failures() const { return failures_.load(); }

 private:
  void run() {
    id_ = static_cast<uint64_t>(pthread_self());
    while (!stop_.load()) {
      const aclError error = aclrtProcessReport(5);
      // Timeouts are expected whenever nothing is pending; so is "not
      // subscribed" before the test subscribes and after it unsubscribes.
      if (error != ACL_SUCCESS && error != ACL_ERROR_RT_REPORT_TIMEOUT && error != ACL_ERROR_INVALID_PARAM) ++failures_;
      if (error == ACL_ERROR_INVALID_PARAM) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  std::atomic<uint64_t> id_{0};
  std::atomic<bool> stop_{false};
  std::atomic<int> failures_{0};
  std::thread thread_;
};

struct CallbackLog {
  std::atomic<int> calls{0};
  std::atomic<uint64_t> thread{0};
  std::atomic<int> value{0};
};

}  // namespace

TEST_CASE(callbacks_need_a_subscribed_thread) {
  ScopedSimulator sim;
  CallbackLog log;
  const auto callback = [](void* data) { ++static_cast<CallbackLog*>(data)->calls; };
  CHECK_ACL_ERROR(aclrtLaunchCallback(callback, &log, ACL_CALLBACK_NO_BLOCK, nullptr), ACL_ERROR_RT_STREAM_NO_CB_REG);
  CHECK_ACL_ERROR(aclrtLaunchCallback(nullptr, &log, ACL_CALLBACK_NO_BLOCK, nullptr), ACL_ERROR_INVALID_PARAM);
  // A thread subscribed to nothing has nothing to process.
  CHECK_ACL_ERROR(aclrtProcessReport(1), ACL_ERROR_INVALID_PARAM);
}

TEST_CASE(callbacks_run_on_the_subscribed_thread_in_stream_order) {
  ScopedSimulator sim;
  aclrtStream stream = nullptr;
  CHECK_ACL(aclrtCreateStream(&stream));
  ReportThread reporter;
  CHECK_ACL(aclrtSubscribeReport(reporter.id(), stream));
  // One thread per stream.
  CHECK_ACL_ERROR(aclrtSubscribeReport(reporter.id() + 1, stream), ACL_ERROR_INVALID_PARAM);

  CallbackLog log;
  constexpr int kRounds = 200;
  std::atomic<int> mismatches{0};
  for (int round = 0; round < kRounds; ++round) {
    CHECK_ACL(aclrtLaunchCallback(
        [](void* data) {
          auto* entry = static_cast<CallbackLog*>(data);
          entry->thread = static_cast<uint64_t>(pthread_self());
          ++entry->calls;
        },
        &log, ACL_CALLBACK_NO_BLOCK, stream));
    // A blocking callback holds the stream until it ran: the task after it
    // must see its effect.
    CHECK_ACL(aclrtLaunchCallback(
        [](void* data) {
          auto* entry = static_cast<CallbackLog*>(data);
          if (entry->value.load() % 7 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
          ++entry->value;
        },
        &log, ACL_CALLBACK_BLOCK, stream));
    CHECK_ACL(launch(stream, [&log, &mismatches, round] {
      if (log.value.load() != round + 1) ++mismatches;
    }));
  }
  CHECK_ACL(aclrtSynchronizeStream(stream));
  CHECK_EQ(mismatches.load(), 0);
  CHECK(eventually([&] { return log.calls.load() == kRounds; }));
  CHECK_EQ(log.thread.load(), reporter.id());

  CHECK_ACL(aclrtUnSubscribeReport(reporter.id(), stream));
  CHECK_ACL_ERROR(aclrtUnSubscribeReport(reporter.id(), stream), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL_ERROR(aclrtLaunchCallback([](void*) {}, nullptr, ACL_CALLBACK_NO_BLOCK, stream),
                  ACL_ERROR_RT_STREAM_NO_CB_REG);
  CHECK_EQ(reporter.failures(), 0);
  CHECK_ACL(aclrtDestroyStream(stream));
}

TEST_CASE(process_report_times_out_and_serves_several_streams) {
  ScopedSimulator sim;
  aclrtStream stream = nullptr;
  CHECK_ACL(aclrtCreateStream(&stream));
  const auto self = static_cast<uint64_t>(pthread_self());
  CHECK_ACL(aclrtSubscribeReport(self, stream));
  CHECK_ACL(aclrtSubscribeReport(self, nullptr));  // the default stream too

  const auto start = std::chrono::steady_clock::now();
  CHECK_ACL_ERROR(aclrtProcessReport(30), ACL_ERROR_RT_REPORT_TIMEOUT);
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(29));
  CHECK_ACL_ERROR(aclrtProcessReport(-2), ACL_ERROR_INVALID_PARAM);

  std::atomic<int> calls{0};
  const auto count = [](void* data) { ++*static_cast<std::atomic<int>*>(data); };
  CHECK_ACL(aclrtLaunchCallback(count, &calls, ACL_CALLBACK_NO_BLOCK, stream));
  CHECK_ACL(aclrtLaunchCallback(count, &calls, ACL_CALLBACK_NO_BLOCK, nullptr));
  // Callbacks run only when this thread processes reports.
  CHECK_ACL(aclrtSynchronizeStream(stream));
  CHECK_ACL(aclrtSynchronizeStream(nullptr));
  CHECK_EQ(calls.load(), 0);
  while (calls.load() < 2) CHECK_ACL(aclrtProcessReport(-1));
  CHECK_EQ(calls.load(), 2);

  CHECK_ACL(aclrtUnSubscribeReport(self, nullptr));
  CHECK_ACL(aclrtDestroyStream(stream));  // drops the remaining subscription
  CHECK_ACL_ERROR(aclrtProcessReport(0), ACL_ERROR_INVALID_PARAM);
}
