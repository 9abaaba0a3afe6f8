// How many threads a simulated kernel may use.
//
// A stream worker stands for the device's compute units while the host keeps
// running Python on its own cores. Small kernels therefore run on the worker
// alone: an OpenMP team per kernel puts more runnable threads than cores on a
// small machine, and the team's barriers then wait for threads the host has
// descheduled (a small training step measured 2.5x slower that way). Large
// kernels, whose work dwarfs a barrier, get the full team: a 1024x1024 matmul
// on one thread measured 1.9x slower than CPU eager on two.
#pragma once

#include <ATen/Parallel.h>
#include <ATen/core/Tensor.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <initializer_list>

// From the OpenMP runtime ATen uses (linked from torch's own libgomp).
extern "C" void omp_set_num_threads(int threads);

namespace npu_sim::aclnn {

// Elements from which a kernel uses the whole team.
inline constexpr int64_t kTeamWorkElements = int64_t{1} << 19;

// TORCH_NPU_SIM_KERNEL_THREADS, when set, fixes the team size for every kernel.
inline int fixedKernelThreads() {
  static const int threads = [] {
    const char* value = std::getenv("TORCH_NPU_SIM_KERNEL_THREADS");
    const int parsed = value != nullptr ? std::atoi(value) : 0;
    return parsed > 0 ? parsed : 0;
  }();
  return threads;
}

// Sizes the calling worker's OpenMP team for a kernel over `tensors`.
inline void limitKernelThreads(std::initializer_list<std::reference_wrapper<const at::Tensor>> tensors) {
  int threads = fixedKernelThreads();
  if (threads == 0) {
    int64_t largest = 0;
    for (const at::Tensor& tensor : tensors) {
      largest = std::max<int64_t>(largest, tensor.defined() ? tensor.numel() : 0);
    }
    threads = largest >= kTeamWorkElements ? at::get_num_threads() : 1;
  }
  thread_local int current = 0;
  if (threads != current) {
    omp_set_num_threads(threads);
    current = threads;
  }
}

}  // namespace npu_sim::aclnn
