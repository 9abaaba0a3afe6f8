// How many threads a simulated kernel may use.
//
// A stream worker stands for the device's compute units, and the host keeps
// its own cores: by default each simulated kernel runs ATen's CPU code on the
// worker alone. Letting it open an OpenMP team too puts more runnable threads
// than cores on a small machine, and the team's barriers then wait for
// threads the host's work has descheduled (a small training step measured
// 2.5x slower that way). TORCH_NPU_SIM_KERNEL_THREADS raises the limit.
#pragma once

#include <cstdlib>

// From the OpenMP runtime ATen uses (linked from torch's own libgomp).
extern "C" void omp_set_num_threads(int threads);

namespace npu_sim::aclnn {

inline int kernelThreads() {
  static const int threads = [] {
    const char* value = std::getenv("TORCH_NPU_SIM_KERNEL_THREADS");
    const int parsed = value != nullptr ? std::atoi(value) : 0;
    return parsed > 0 ? parsed : 1;
  }();
  return threads;
}

// Applies the limit to the calling worker thread, once.
inline void limitKernelThreads() {
  thread_local const bool limited = [] {
    omp_set_num_threads(kernelThreads());
    return true;
  }();
  (void)limited;
}

}  // namespace npu_sim::aclnn
