// Running kernels through prepare()/launch(): stream order, views, lists,
// descriptor lifetime, executor lifetime, the worker's ATen state.
#include <ATen/Parallel.h>
#include <c10/core/GradMode.h>
#include <c10/core/InferenceMode.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "aclnn_fixture.h"
#include "npu_sim_aclnn/kernel_threads.h"
#include "test_ops.h"

using namespace sim_test;
using namespace aclnn_test;

namespace {

// Enqueues aclnnTestAdd(self, other, alpha) -> out on `stream`.
aclnnStatus add(const aclTensor* self, const aclTensor* other, const aclScalar* alpha, aclTensor* out,
                aclrtStream stream) {
  return runAclnn([&](uint64_t* workspace_size, aclOpExecutor** executor) {
    return aclnnTestAddGetWorkspaceSize(self, other, alpha, out, workspace_size, executor);
  }, aclnnTestAdd, stream);
}

// Prepares an executor running `kernel` (for tests that inspect the worker).
template <class Kernel>
aclOpExecutor* prepareKernel(Kernel&& kernel) {
  uint64_t workspace_size = 123;
  aclOpExecutor* executor = nullptr;
  checkAcl(npu_sim::aclnn::prepare("aclnnTestKernel", &workspace_size, &executor, std::forward<Kernel>(kernel)),
           ACLNN_SUCCESS, "prepare", __FILE__, __LINE__);
  CHECK_EQ(workspace_size, uint64_t{0});
  CHECK(executor != nullptr);
  return executor;
}

// Threads of this process (the Threads: line of /proc/self/status).
int processThreadCount() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  }
  return -1;
}

}  // namespace

TEST_CASE(add_runs_in_stream_order_with_copies) {
  ScopedSimulator sim;
  aclrtStream stream = nullptr;
  CHECK_ACL(aclrtCreateStream(&stream));
  constexpr int64_t kCount = 1000;
  constexpr int kRounds = 50;
  DeviceBuffer a(kCount * sizeof(float));
  DeviceBuffer b(kCount * sizeof(float));
  DeviceBuffer out(kCount * sizeof(float));
  auto a_desc = contiguousTensor(a.get(), {kCount}, ACL_FLOAT);
  auto b_desc = contiguousTensor(b.get(), {kCount}, ACL_FLOAT);
  auto out_desc = contiguousTensor(out.get(), {kCount}, ACL_FLOAT);
  auto alpha = scalar(2.0f, ACL_FLOAT);
  std::vector<std::vector<float>> inputs(kRounds, std::vector<float>(kCount));
  std::vector<std::vector<float>> results(kRounds, std::vector<float>(kCount, -1.0f));

  // Everything is queued behind a closed gate, so nothing runs before the
  // whole sequence is enqueued: only stream order makes the results right.
  Gate gate;
  CHECK_ACL(npuSimLaunchHostTask(stream, &Gate::waitTask, &gate));
  for (int round = 0; round < kRounds; ++round) {
    for (int64_t index = 0; index < kCount; ++index) inputs[round][index] = static_cast<float>(round * 1000 + index);
    CHECK_ACL(aclrtMemcpyAsync(a.get(), kCount * sizeof(float), inputs[round].data(), kCount * sizeof(float),
                               ACL_MEMCPY_HOST_TO_DEVICE, stream));
    CHECK_ACL(aclrtMemsetAsync(b.get(), kCount * sizeof(float), 0, kCount * sizeof(float), stream));
    // out = a + 2 * 0, then out = out + 2 * a: 3 * a.
    CHECK_ACLNN(add(a_desc.get(), b_desc.get(), alpha.get(), out_desc.get(), stream));
    CHECK_ACLNN(add(out_desc.get(), a_desc.get(), alpha.get(), out_desc.get(), stream));
    CHECK_ACL(aclrtMemcpyAsync(results[round].data(), kCount * sizeof(float), out.get(), kCount * sizeof(float),
                               ACL_MEMCPY_DEVICE_TO_HOST, stream));
  }
  gate.open();
  CHECK_ACL(aclrtSynchronizeStream(stream));
  for (int round = 0; round < kRounds; ++round) {
    for (int64_t index = 0; index < kCount; ++index) CHECK_EQ(results[round][index], 3 * inputs[round][index]);
  }
  CHECK_ACL(aclrtDestroyStream(stream));
}

TEST_CASE(strided_views_with_offsets) {
  ScopedSimulator sim;
  // One 64-element storage holding both operands; the result goes to
  // another storage through a transposed view.
  DeviceBuffer storage(64 * sizeof(double));
  DeviceBuffer out_storage(32 * sizeof(double));
  std::vector<double> host(64);
  for (int index = 0; index < 64; ++index) host[index] = index * 0.5;
  upload(storage.get(), host);
  upload(out_storage.get(), std::vector<double>(32, -1.0));
  auto self = viewTensor(storage.get(), {3, 4}, {1, 3}, 5, ACL_DOUBLE, 64);     // transposed, offset 5
  auto other = viewTensor(storage.get(), {3, 4}, {8, 2}, 30, ACL_DOUBLE, 64);   // every other element, offset 30
  auto out = viewTensor(out_storage.get(), {3, 4}, {1, 4}, 7, ACL_DOUBLE, 32);  // column-major, offset 7
  auto alpha = scalar(int64_t{-3}, ACL_INT64);
  CHECK_ACLNN(add(self.get(), other.get(), alpha.get(), out.get(), nullptr));
  CHECK_ACL(aclrtSynchronizeStream(nullptr));

  const at::Tensor reference_storage = at::from_blob(host.data(), {64}, at::kDouble);
  const at::Tensor expected = reference_storage.as_strided({3, 4}, {1, 3}, 5) -
                              3 * reference_storage.as_strided({3, 4}, {8, 2}, 30);
  const std::vector<double> result = download<double>(out_storage.get(), 32);
  const at::Tensor actual = at::from_blob(const_cast<double*>(result.data()), {32}, at::kDouble);
  CHECK(at::equal(actual.as_strided({3, 4}, {1, 4}, 7), expected));
  // Elements outside the out view (7-9, 11-13, 15-17, 19-21) were not touched.
  for (const int untouched : {0, 6, 10, 14, 18, 22, 31}) CHECK_EQ(result[untouched], -1.0);
}

TEST_CASE(integer_and_mixed_dtypes_with_scalars) {
  ScopedSimulator sim;
  DeviceBuffer a(8 * sizeof(int32_t));
  DeviceBuffer b(8 * sizeof(int32_t));
  DeviceBuffer out(8 * sizeof(int64_t));
  upload(a.get(), std::vector<int32_t>{1, 2, 3, 4, 5, 6, 7, 8});
  upload(b.get(), std::vector<int32_t>{10, 20, 30, 40, 50, 60, 70, 80});
  auto a_desc = contiguousTensor(a.get(), {2, 4}, ACL_INT32);
  auto b_desc = contiguousTensor(b.get(), {2, 4}, ACL_INT32);
  auto out_desc = contiguousTensor(out.get(), {2, 4}, ACL_INT64);
  CHECK_ACLNN(add(a_desc.get(), b_desc.get(), scalar(int8_t{3}, ACL_INT8).get(), out_desc.get(), nullptr));
  CHECK_ACL(aclrtSynchronizeStream(nullptr));
  const std::vector<int64_t> result = download<int64_t>(out.get(), 8);
  for (int index = 0; index < 8; ++index) CHECK_EQ(result[index], int64_t{(index + 1) * 31});

  // Half tensors with a bf16 alpha, broadcasting a row.
  DeviceBuffer half_a(8 * sizeof(c10::Half));
  DeviceBuffer half_b(4 * sizeof(c10::Half));
  std::vector<c10::Half> rows(8);
  std::vector<c10::Half> row(4);
  for (int index = 0; index < 8; ++index) rows[index] = c10::Half(static_cast<float>(index));
  for (int index = 0; index < 4; ++index) row[index] = c10::Half(0.5f * static_cast<float>(index));
  upload(half_a.get(), rows);
  upload(half_b.get(), row);
  auto half_a_desc = contiguousTensor(half_a.get(), {2, 4}, ACL_FLOAT16);
  auto half_b_desc = contiguousTensor(half_b.get(), {4}, ACL_FLOAT16);
  CHECK_ACLNN(add(half_a_desc.get(), half_b_desc.get(), scalar(c10::BFloat16(2.0f).x, ACL_BF16).get(),
                  half_a_desc.get(), nullptr));
  CHECK_ACL(aclrtSynchronizeStream(nullptr));
  const std::vector<c10::Half> half_result = download<c10::Half>(half_a.get(), 8);
  for (int index = 0; index < 8; ++index) {
    CHECK_EQ(static_cast<float>(half_result[index]), static_cast<float>(index) + 2 * 0.5f * (index % 4));
  }
}

TEST_CASE(tensor_list_kernel) {
  ScopedSimulator sim;
  DeviceBuffer first(6 * sizeof(float));
  DeviceBuffer second(4 * sizeof(float));
  DeviceBuffer out(10 * sizeof(float));
  upload(first.get(), std::vector<float>{1, 2, 3, 4, 5, 6});
  upload(second.get(), std::vector<float>{7, 8, 9, 10});
  const aclTensor* elements[] = {contiguousTensor(first.get(), {3, 2}, ACL_FLOAT).release(),
                                 contiguousTensor(second.get(), {2, 2}, ACL_FLOAT).release()};
  Owned<aclTensorList> list(aclCreateTensorList(elements, 2));
  auto out_desc = contiguousTensor(out.get(), {5, 2}, ACL_FLOAT);
  CHECK_ACLNN(runAclnn([&](uint64_t* workspace_size, aclOpExecutor** executor) {
    return aclnnTestCatGetWorkspaceSize(list.get(), 0, out_desc.get(), workspace_size, executor);
  }, aclnnTestCat, nullptr));
  CHECK_ACL(aclrtSynchronizeStream(nullptr));
  CHECK(download<float>(out.get(), 10) == std::vector<float>({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
}

TEST_CASE(descriptors_may_be_destroyed_after_get_workspace_size) {
  ScopedSimulator sim;
  DeviceBuffer a(4 * sizeof(float));
  DeviceBuffer b(4 * sizeof(float));
  DeviceBuffer sum(4 * sizeof(float));
  DeviceBuffer out(8 * sizeof(float));
  upload(a.get(), std::vector<float>{1, 2, 3, 4});
  upload(b.get(), std::vector<float>{5, 6, 7, 8});
  Gate gate;
  CHECK_ACL(npuSimLaunchHostTask(nullptr, &Gate::waitTask, &gate));

  uint64_t workspace_size = 0;
  aclOpExecutor* add_executor = nullptr;
  {
    auto a_desc = contiguousTensor(a.get(), {4}, ACL_FLOAT);
    auto b_desc = contiguousTensor(b.get(), {4}, ACL_FLOAT);
    auto sum_desc = contiguousTensor(sum.get(), {4}, ACL_FLOAT);
    auto alpha = scalar(10.0, ACL_DOUBLE);
    CHECK_ACLNN(aclnnTestAddGetWorkspaceSize(a_desc.get(), b_desc.get(), alpha.get(), sum_desc.get(), &workspace_size,
                                             &add_executor));
    // Overwrite the freed descriptors' memory with other objects.
    std::vector<Owned<aclTensor>> reuse;
    for (int index = 0; index < 16; ++index) reuse.push_back(contiguousTensor(b.get(), {1}, ACL_INT8));
  }
  aclOpExecutor* cat_executor = nullptr;
  {
    const aclTensor* elements[] = {contiguousTensor(a.get(), {4}, ACL_FLOAT).release(),
                                   contiguousTensor(b.get(), {4}, ACL_FLOAT).release()};
    Owned<aclTensorList> list(aclCreateTensorList(elements, 2));
    auto out_desc = contiguousTensor(out.get(), {8}, ACL_FLOAT);
    CHECK_ACLNN(aclnnTestCatGetWorkspaceSize(list.get(), 0, out_desc.get(), &workspace_size, &cat_executor));
  }
  // Launched with the descriptors gone, and run later still.
  CHECK_ACLNN(aclnnTestAdd(nullptr, 0, add_executor, nullptr));
  CHECK_ACLNN(aclnnTestCat(nullptr, 0, cat_executor, nullptr));
  gate.open();
  CHECK_ACL(aclrtSynchronizeStream(nullptr));
  CHECK(download<float>(sum.get(), 4) == std::vector<float>({51, 62, 73, 84}));
  CHECK(download<float>(out.get(), 8) == std::vector<float>({1, 2, 3, 4, 5, 6, 7, 8}));
}

TEST_CASE(executor_is_single_use_and_freed_after_its_kernel) {
  ScopedSimulator sim;
  // Records whether the kernel had run when the executor (holding it) died.
  struct Witness {
    std::shared_ptr<std::atomic<int>> runs;
    std::shared_ptr<std::atomic<int>> runs_at_destruction;
    Witness(std::shared_ptr<std::atomic<int>> r, std::shared_ptr<std::atomic<int>> d)
        : runs(std::move(r)), runs_at_destruction(std::move(d)) {}
    Witness(Witness&& other) noexcept = default;
    ~Witness() {
      if (runs) runs_at_destruction->store(runs->load());
    }
  };
  auto runs = std::make_shared<std::atomic<int>>(0);
  auto runs_at_destruction = std::make_shared<std::atomic<int>>(-1);
  Gate gate;
  CHECK_ACL(npuSimLaunchHostTask(nullptr, &Gate::waitTask, &gate));
  aclOpExecutor* executor =
      prepareKernel([witness = Witness(runs, runs_at_destruction)]() mutable { witness.runs->fetch_add(1); });
  CHECK_EQ(runs.use_count(), 2L);
  CHECK_ACLNN(npu_sim::aclnn::launch(executor, nullptr, 0, nullptr));
  // Still queued: the executor is alive on the stream.
  CHECK_EQ(runs.use_count(), 2L);
  gate.open();
  CHECK_ACL(aclrtSynchronizeStream(nullptr));
  CHECK_EQ(runs->load(), 1);
  CHECK_EQ(runs_at_destruction->load(), 1);
  CHECK_EQ(runs.use_count(), 1L);

  // A launch that fails consumes the executor too (the stream is another
  // device's), and the kernel never runs.
  aclrtStream other_device_stream = nullptr;
  CHECK_ACL(aclrtSetDevice(1));
  CHECK_ACL(aclrtCreateStream(&other_device_stream));
  CHECK_ACL(aclrtSetDevice(0));
  executor = prepareKernel([witness = Witness(runs, runs_at_destruction)]() mutable { witness.runs->fetch_add(1); });
  CHECK_ACLNN_ERROR(npu_sim::aclnn::launch(executor, nullptr, 0, other_device_stream), ACLNN_ERR_RUNTIME_ERROR);
  CHECK(contains(recentError(), "aclnnTestKernel"));
  CHECK(contains(recentError(), "current device is 0"));
  CHECK_EQ(runs.use_count(), 1L);
  CHECK_EQ(runs->load(), 1);
  CHECK_ACL(aclrtDestroyStream(other_device_stream));

  CHECK_ACLNN_ERROR(npu_sim::aclnn::launch(nullptr, nullptr, 0, nullptr), ACLNN_ERR_PARAM_NULLPTR);
  CHECK(contains(recentError(), "executor is null"));

  // A std::function kernel works as well.
  std::function<void()> function = [runs] { runs->fetch_add(10); };
  CHECK_ACLNN(npu_sim::aclnn::launch(prepareKernel(function), nullptr, 0, nullptr));
  CHECK_ACL(aclrtSynchronizeStream(nullptr));
  CHECK_EQ(runs->load(), 11);
}

TEST_CASE(kernels_run_on_the_worker_with_cpu_kernels_only) {
  ScopedSimulator sim;
  aclrtStream stream = nullptr;
  CHECK_ACL(aclrtCreateStream(&stream));
  constexpr int64_t kCount = 1 << 22;  // large enough for ATen to split the work
  DeviceBuffer storage(kCount * sizeof(float));
  auto descriptor = contiguousTensor(storage.get(), {kCount}, ACL_FLOAT);
  const std::thread::id host = std::this_thread::get_id();
  const int host_threads = at::get_num_threads();

  struct Seen {
    std::thread::id thread;
    bool inference = false;
    bool grad = true;
    bool cpu_only = false;
    int aten_threads = 0;
    int process_threads_before = 0;
    int process_threads_after = 0;
  };
  auto seen = std::make_shared<Seen>();
  CHECK_ACLNN(npu_sim::aclnn::launch(prepareKernel([seen] { seen->process_threads_before = processThreadCount(); }),
                                     nullptr, 0, stream));
  aclOpExecutor* executor = prepareKernel([tensor = npu_sim::aclnn::toAten(descriptor.get()), seen]() mutable {
    seen->thread = std::this_thread::get_id();
    seen->inference = c10::InferenceMode::is_enabled();
    seen->grad = c10::GradMode::is_enabled();
    seen->cpu_only = !tensor.key_set().has_any(c10::autograd_dispatch_keyset_with_ADInplaceOrView);
    seen->aten_threads = at::get_num_threads();
    at::arange_out(tensor, kCount);
    tensor.mul_(2);
  });
  CHECK_ACLNN(npu_sim::aclnn::launch(executor, nullptr, 0, stream));
  CHECK_ACLNN(npu_sim::aclnn::launch(prepareKernel([seen] { seen->process_threads_after = processThreadCount(); }),
                                     nullptr, 0, stream));
  CHECK_ACL(aclrtSynchronizeStream(stream));
  CHECK(seen->thread != host);
  CHECK(seen->inference);
  CHECK(!seen->grad);
  CHECK(seen->cpu_only);
  // ATen's intra-op pool serves the worker as it serves any thread: the
  // worker's first parallel kernel started its own team of helper threads.
  CHECK_EQ(seen->aten_threads, host_threads);
  if (host_threads > 1) CHECK(seen->process_threads_after > seen->process_threads_before);
  const std::vector<float> result = download<float>(storage.get(), kCount);
  for (int64_t index = 0; index < kCount; index += 4099) CHECK_EQ(result[index], 2.0f * static_cast<float>(index));
  CHECK_EQ(result[kCount - 1], 2.0f * static_cast<float>(kCount - 1));
  CHECK_ACL(aclrtDestroyStream(stream));
}

TEST_CASE(large_kernels_get_the_full_team_after_small_ones_and_idle_workers_release_it) {
  ScopedSimulator sim;
  const int host_threads = at::get_num_threads();
  if (host_threads < 2) return;  // one core: there is no team to size or release
  aclrtStream stream = nullptr;
  CHECK_ACL(aclrtCreateStream(&stream));
  struct Seen {
    int small_team = 0;
    int large_team = 0;
    int threads_with_team = 0;
  };
  auto seen = std::make_shared<Seen>();
  const at::Tensor small = at::empty({16});
  const at::Tensor large = at::empty({npu_sim::aclnn::kTeamWorkElements});
  CHECK_ACLNN(npu_sim::aclnn::launch(prepareKernel([seen, small] {
    npu_sim::aclnn::limitKernelThreads({small});
    seen->small_team = at::get_num_threads();
  }), nullptr, 0, stream));
  CHECK_ACLNN(npu_sim::aclnn::launch(prepareKernel([seen, large] {
    npu_sim::aclnn::limitKernelThreads({large});
    seen->large_team = at::get_num_threads();
    at::empty({int64_t{1} << 22}).fill_(1);  // parallel inside ATen: starts the team
    seen->threads_with_team = processThreadCount();
  }), nullptr, 0, stream));
  CHECK_ACL(aclrtSynchronizeStream(stream));
  CHECK_EQ(seen->small_team, 1);
  // Not the size the small kernel left behind.
  CHECK_EQ(seen->large_team, host_threads);
  // The worker, out of work, releases its team's threads before it sleeps.
  int threads_now = processThreadCount();
  for (int poll = 0; poll < 1000 && threads_now >= seen->threads_with_team; ++poll) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    threads_now = processThreadCount();
  }
  CHECK(threads_now < seen->threads_with_team);
  CHECK_ACL(aclrtDestroyStream(stream));
}

TEST_CASE(producers_on_many_threads) {
  ScopedSimulator sim;
  constexpr int kThreads = 4;
  constexpr int kOps = 200;
  DeviceBuffer counters(kThreads * sizeof(int64_t));
  DeviceBuffer ones(sizeof(int64_t));
  upload(counters.get(), std::vector<int64_t>(kThreads, 0));
  upload(ones.get(), std::vector<int64_t>{1});
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int thread = 0; thread < kThreads; ++thread) {
    threads.emplace_back([&, thread] {
      aclrtStream stream = nullptr;
      if (aclrtSetDevice(0) != ACL_SUCCESS || aclrtCreateStream(&stream) != ACL_SUCCESS) {
        ++failures;
        return;
      }
      // Each thread increments its own counter on its own stream.
      auto counter = viewTensor(counters.get(), {1}, {1}, thread, ACL_INT64, kThreads);
      auto one = contiguousTensor(ones.get(), {1}, ACL_INT64);
      auto alpha = scalar(int64_t{1}, ACL_INT64);
      for (int op = 0; op < kOps; ++op) {
        if (add(counter.get(), one.get(), alpha.get(), counter.get(), stream) != ACLNN_SUCCESS) ++failures;
      }
      if (aclrtSynchronizeStream(stream) != ACL_SUCCESS || aclrtDestroyStream(stream) != ACL_SUCCESS) ++failures;
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK_EQ(failures.load(), 0);
  const std::vector<int64_t> result = download<int64_t>(counters.get(), kThreads);
  for (int thread = 0; thread < kThreads; ++thread) CHECK_EQ(result[thread], int64_t{kOps});
}
