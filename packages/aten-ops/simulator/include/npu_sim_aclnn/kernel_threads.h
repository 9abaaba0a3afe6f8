// How many threads a simulated kernel may use.
//
// A stream worker stands for the device's compute units while the host keeps
// running Python on its own cores. Small kernels therefore run on the worker
// alone: an OpenMP team per kernel puts more runnable threads than cores on a
// small machine, and the team's barriers then wait for threads the host has
// descheduled (a small training step measured 2.5x slower that way). Large
// kernels, whose work dwarfs a barrier, get the full team: a 1024x1024 matmul
// on one thread measured 1.9x slower than CPU eager on two.
//
// The team lives only while the worker has work. libgomp throttles the
// spin-waits of every team in the process once it manages more threads than
// there are cores, so an idle worker's team made the host's own parallel CPU
// ops slower for the rest of the process (a 64x64 matmul 13x). A worker about
// to sleep therefore releases its team (see npuSimSetWorkerIdleHook).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <initializer_list>

namespace npu_sim::aclnn {

// Elements from which a kernel uses the whole team.
inline constexpr int64_t kTeamWorkElements = int64_t{1} << 19;

// Sizes the calling worker's OpenMP team for a kernel over `tensors`: one
// thread, or the team ATen gives this process's threads, or
// TORCH_NPU_SIM_KERNEL_THREADS when set.
void limitKernelThreads(std::initializer_list<std::reference_wrapper<const at::Tensor>> tensors);

}  // namespace npu_sim::aclnn
