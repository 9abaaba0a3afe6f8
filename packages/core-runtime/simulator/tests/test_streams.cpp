// Streams: asynchrony, order, synchronization, producers on many threads.
#include <random>

#include "sim_fixture.h"

using namespace sim_test;

TEST_CASE(tasks_run_asynchronously) {
  ScopedSimulator sim;
  aclrtStream stream = nullptr;
  CHECK_ACL(aclrtCreateStream(&stream));
  Gate gate;
  std::atomic<bool> ran{false};
  // Launches return while the stream is blocked: they only enqueue.
  CHECK_ACL(npuSimLaunchHostTask(stream, &Gate::waitTask, &gate));
  CHECK_ACL(launch(stream, [&] { ran = true; }));
  aclrtStreamStatus status = ACL_STREAM_STATUS_COMPLETE;
  CHECK_ACL(aclrtStreamQuery(stream, &status));
  CHECK_EQ(status, ACL_STREAM_STATUS_NOT_READY);
  CHECK(!ran.load());
  gate.open();
  CHECK_ACL(aclrtSynchronizeStream(stream));
  CHECK(ran.load());
  CHECK_ACL(aclrtStreamQuery(stream, &status));
  CHECK_EQ(status, ACL_STREAM_STATUS_COMPLETE);
  CHECK_ACL(aclrtDestroyStream(stream));
}

TEST_CASE(tasks_run_in_enqueue_order) {
  ScopedSimulator sim;
  aclrtStream stream = nullptr;
  CHECK_ACL(aclrtCreateStream(&stream));
  constexpr int kTasks = 10000;
  std::vector<int> order;  // touched by the worker only until synchronized
  order.reserve(kTasks);
  for (int index = 0; index < kTasks; ++index) CHECK_ACL(launch(stream, [&order, index] { order.push_back(index); }));
  CHECK_ACL(aclrtSynchronizeStream(stream));
  CHECK_EQ(order.size(), size_t{kTasks});
  for (int index = 0; index < kTasks; ++index) CHECK_EQ(order[static_cast<size_t>(index)], index);

  // The same with real copies: each fill must land before the copy after it.
  constexpr int kRounds = 2000;
  void* device = nullptr;
  CHECK_ACL(aclrtMalloc(&device, 4, ACL_MEM_MALLOC_HUGE_FIRST));
  std::vector<uint8_t> host(kRounds * 4, 0);
  for (int round = 0; round < kRounds; ++round) {
    CHECK_ACL(aclrtMemsetAsync(device, 4, round & 0xff, 4, stream));
    CHECK_ACL(aclrtMemcpyAsync(&host[static_cast<size_t>(round) * 4], 4, device, 4, ACL_MEMCPY_DEVICE_TO_HOST, stream));
  }
  CHECK_ACL(aclrtSynchronizeStream(stream));
  for (int round = 0; round < kRounds; ++round) {
    for (int byte = 0; byte < 4; ++byte) CHECK_EQ(int{host[static_cast<size_t>(round * 4 + byte)]}, round & 0xff);
  }
  CHECK_ACL(aclrtFree(device));
  CHECK_ACL(aclrtDestroyStream(stream));
}

TEST_CASE(synchronize_stream_waits_for_completion) {
  ScopedSimulator sim;
  aclrtStream stream = nullptr;
  CHECK_ACL(aclrtCreateStream(&stream));
  std::mt19937 random(1234);
  std::atomic<int> last_done{-1};
  for (int round = 0; round < 300; ++round) {
    const auto work = std::chrono::microseconds(random() % 300);
    CHECK_ACL(launch(stream, [&last_done, round, work] {
      // Sleeping in some rounds lets the worker fall asleep in between, so
      // both the spinning and the sleeping wake-up paths are exercised.
      if (work.count() % 2 == 0) {
        std::this_thread::sleep_for(work);
      } else {
        spinFor(work);
      }
      last_done = round;
    }));
    CHECK_ACL(aclrtSynchronizeStream(stream));
    CHECK_EQ(last_done.load(), round);
  }
  CHECK_ACL(aclrtDestroyStream(stream));
}

TEST_CASE(default_stream_is_per_device) {
  ScopedSimulator sim;
  Gate gate;
  std::atomic<bool> device_one_ran{false};
  CHECK_ACL(npuSimLaunchHostTask(nullptr, &Gate::waitTask, &gate));
  CHECK_ACL(aclrtSetDevice(1));
  // Device 1's default stream is not held up by device 0's.
  CHECK_ACL(launch(nullptr, [&] { device_one_ran = true; }));
  CHECK_ACL(aclrtSynchronizeStream(nullptr));
  CHECK(device_one_ran.load());
  CHECK_ACL(aclrtSetDevice(0));
  aclrtStreamStatus status = ACL_STREAM_STATUS_COMPLETE;
  CHECK_ACL(aclrtStreamQuery(nullptr, &status));
  CHECK_EQ(status, ACL_STREAM_STATUS_NOT_READY);
  gate.open();
  CHECK_ACL(aclrtSynchronizeStream(nullptr));
}

TEST_CASE(synchronize_device_waits_for_every_stream_of_the_device) {
  ScopedSimulator sim;
  // Device 1 stays blocked: synchronizing device 0 must not wait for it.
  Gate other_device;
  CHECK_ACL(aclrtSetDevice(1));
  CHECK_ACL(npuSimLaunchHostTask(nullptr, &Gate::waitTask, &other_device));
  CHECK_ACL(aclrtSetDevice(0));

  std::vector<aclrtStream> streams(3);
  for (auto& stream : streams) CHECK_ACL(aclrtCreateStream(&stream));
  streams.push_back(nullptr);  // the default stream
  std::atomic<int> finished{0};
  for (int round = 0; round < 20; ++round) {
    finished = 0;
    for (aclrtStream stream : streams) {
      CHECK_ACL(launch(stream, [&finished, round] {
        std::this_thread::sleep_for(std::chrono::microseconds(100 * (round % 5)));
        ++finished;
      }));
    }
    CHECK_ACL(aclrtSynchronizeDevice());
    CHECK_EQ(finished.load(), static_cast<int>(streams.size()));
  }
  streams.pop_back();
  for (aclrtStream stream : streams) CHECK_ACL(aclrtDestroyStream(stream));
  other_device.open();
}

TEST_CASE(many_producers_share_one_stream) {
  ScopedSimulator sim;
  aclrtStream stream = nullptr;
  CHECK_ACL(aclrtCreateStream(&stream));
  constexpr int kProducers = 4;
  constexpr int kTasksEach = 5000;
  // Touched only by the stream's worker.
  std::vector<int> next_expected(kProducers, 0);
  std::atomic<int> out_of_order{0};
  std::atomic<int> executed{0};
  std::atomic<int> launch_failures{0};
  std::atomic<int> ready{0};

  std::vector<std::thread> producers;
  for (int producer = 0; producer < kProducers; ++producer) {
    producers.emplace_back([&, producer] {
      if (aclrtSetDevice(0) != ACL_SUCCESS) ++launch_failures;
      ++ready;
      while (ready.load() < kProducers) {
      }
      for (int index = 0; index < kTasksEach; ++index) {
        const aclError error = launch(stream, [&, producer, index] {
          // Each producer's tasks must run in that producer's order.
          if (next_expected[static_cast<size_t>(producer)] != index) ++out_of_order;
          next_expected[static_cast<size_t>(producer)] = index + 1;
          ++executed;
        });
        if (error != ACL_SUCCESS) ++launch_failures;
        if (index % 1000 == 999 && aclrtSynchronizeStream(stream) != ACL_SUCCESS) ++launch_failures;
      }
    });
  }
  for (auto& producer : producers) producer.join();
  CHECK_ACL(aclrtSynchronizeStream(stream));
  CHECK_EQ(launch_failures.load(), 0);
  CHECK_EQ(out_of_order.load(), 0);
  CHECK_EQ(executed.load(), kProducers * kTasksEach);
  CHECK_ACL(aclrtDestroyStream(stream));
}

TEST_CASE(destroy_stream_drains_it_first) {
  ScopedSimulator sim;
  aclrtStream stream = nullptr;
  CHECK_ACL(aclrtCreateStream(&stream));
  std::atomic<int> done{0};
  for (int index = 0; index < 50; ++index) {
    CHECK_ACL(launch(stream, [&done] {
      std::this_thread::sleep_for(std::chrono::microseconds(100));
      ++done;
    }));
  }
  CHECK_ACL(aclrtDestroyStream(stream));
  CHECK_EQ(done.load(), 50);
  CHECK_ACL_ERROR(aclrtDestroyStream(stream), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL_ERROR(aclrtDestroyStream(nullptr), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL_ERROR(aclrtSynchronizeStream(stream), ACL_ERROR_INVALID_PARAM);
}

TEST_CASE(finalize_drains_every_stream) {
  ScopedSimulator sim;
  aclrtStream stream = nullptr;
  CHECK_ACL(aclrtCreateStream(&stream));
  std::atomic<int> done{0};
  for (int index = 0; index < 20; ++index) {
    const auto task = [&done] {
      std::this_thread::sleep_for(std::chrono::microseconds(500));
      ++done;
    };
    CHECK_ACL(launch(stream, task));
    CHECK_ACL(launch(nullptr, task));
  }
  CHECK_ACL(sim.finalize());
  CHECK_EQ(done.load(), 40);
}

TEST_CASE(launch_blocking_waits_for_each_task) {
  ScopedSimulator sim({{"ASCEND_LAUNCH_BLOCKING", "1"}}, 0);
  aclrtStream stream = nullptr;
  CHECK_ACL(aclrtCreateStream(&stream));
  for (aclrtStream target : {stream, static_cast<aclrtStream>(nullptr)}) {
    for (int round = 0; round < 20; ++round) {
      std::atomic<bool> ran{false};
      CHECK_ACL(launch(target, [&ran] {
        std::this_thread::sleep_for(std::chrono::microseconds(500));
        ran = true;
      }));
      CHECK(ran.load());
    }
  }
  void* device = nullptr;
  CHECK_ACL(aclrtMalloc(&device, 64, ACL_MEM_MALLOC_HUGE_FIRST));
  uint8_t host[64] = {};
  CHECK_ACL(aclrtMemsetAsync(device, 64, 0x3c, 64, stream));
  CHECK_ACL(aclrtMemcpyAsync(host, 64, device, 64, ACL_MEMCPY_DEVICE_TO_HOST, stream));
  // No synchronization: the copy has completed already.
  for (uint8_t byte : host) CHECK_EQ(int{byte}, 0x3c);
  CHECK_ACL(aclrtFree(device));
  CHECK_ACL(aclrtDestroyStream(stream));
}

TEST_CASE(work_goes_to_streams_of_the_current_device) {
  ScopedSimulator sim({}, 1);
  aclrtStream on_one = nullptr;
  CHECK_ACL(aclrtCreateStream(&on_one));
  void* device = nullptr;
  CHECK_ACL(aclrtMalloc(&device, 64, ACL_MEM_MALLOC_HUGE_FIRST));
  CHECK_ACL(aclrtSetDevice(0));
  CHECK_ACL_ERROR(aclrtMemsetAsync(device, 64, 0, 64, on_one), ACL_ERROR_RT_STREAM_CONTEXT);
  CHECK_ACL_ERROR(launch(on_one, [] {}), ACL_ERROR_RT_STREAM_CONTEXT);
  // Waiting and querying work from anywhere.
  CHECK_ACL(aclrtSynchronizeStream(on_one));
  aclrtStreamStatus status = ACL_STREAM_STATUS_NOT_READY;
  CHECK_ACL(aclrtStreamQuery(on_one, &status));
  CHECK_EQ(status, ACL_STREAM_STATUS_COMPLETE);

  int not_a_stream = 0;
  CHECK_ACL_ERROR(aclrtSynchronizeStream(&not_a_stream), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL_ERROR(aclrtStreamQuery(nullptr, nullptr), ACL_ERROR_INVALID_PARAM);

  aclError without_device = ACL_SUCCESS;
  std::thread([&] { without_device = aclrtMemsetAsync(device, 64, 0, 64, on_one); }).join();
  CHECK_EQ(without_device, ACL_ERROR_RT_CONTEXT_NULL);
  CHECK_ACL(aclrtFree(device));
  CHECK_ACL(aclrtDestroyStream(on_one));
}

TEST_CASE(a_task_cannot_wait_for_its_own_stream) {
  ScopedSimulator sim;
  aclrtStream stream = nullptr;
  CHECK_ACL(aclrtCreateStream(&stream));
  aclError synchronize_result = ACL_SUCCESS;
  aclError destroy_result = ACL_SUCCESS;
  CHECK_ACL(launch(stream, [&] {
    synchronize_result = aclrtSynchronizeStream(stream);
    destroy_result = aclrtDestroyStream(stream);
  }));
  CHECK_ACL(aclrtSynchronizeStream(stream));
  CHECK_EQ(synchronize_result, ACL_ERROR_INVALID_PARAM);
  CHECK_EQ(destroy_result, ACL_ERROR_INVALID_PARAM);
  CHECK_ACL(aclrtDestroyStream(stream));
}

TEST_CASE(create_stream_with_config) {
  ScopedSimulator sim;
  aclrtStream stream = nullptr;
  CHECK_ACL(aclrtCreateStreamWithConfig(&stream, 3, ACL_STREAM_FAST_LAUNCH | ACL_STREAM_FAST_SYNC));
  std::atomic<bool> ran{false};
  CHECK_ACL(launch(stream, [&] { ran = true; }));
  CHECK_ACL(aclrtSynchronizeStream(stream));
  CHECK(ran.load());
  CHECK_ACL(aclrtDestroyStream(stream));
  CHECK_ACL_ERROR(aclrtCreateStreamWithConfig(&stream, 0, 0x100), ACL_ERROR_INVALID_PARAM);
  CHECK_ACL_ERROR(aclrtCreateStream(nullptr), ACL_ERROR_INVALID_PARAM);
  aclError without_device = ACL_SUCCESS;
  std::thread([&] {
    aclrtStream ignored = nullptr;
    without_device = aclrtCreateStream(&ignored);
  }).join();
  CHECK_EQ(without_device, ACL_ERROR_RT_CONTEXT_NULL);
}
