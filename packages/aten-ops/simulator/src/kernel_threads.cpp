#include "npu_sim_aclnn/kernel_threads.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cstdlib>

#include "npu_sim/sim_extensions.h"

// From the OpenMP runtime ATen uses (torch's own libgomp).
extern "C" void omp_set_num_threads(int threads);
extern "C" int omp_pause_resource_all(int kind);

namespace npu_sim::aclnn {
namespace {

// omp_pause_resource_t's omp_pause_soft: frees the calling thread's team.
constexpr int kOmpPauseSoft = 1;

int fixedKernelThreads() {
  static const int threads = [] {
    const char* value = std::getenv("TORCH_NPU_SIM_KERNEL_THREADS");
    const int parsed = value != nullptr ? std::atoi(value) : 0;
    return parsed > 0 ? parsed : 0;
  }();
  return threads;
}

// The team size ATen sets up for a new thread. Read once, before this thread
// sets its own: afterwards at::get_num_threads() answers with the size last
// set here, and one small kernel would keep every later large one on a
// single thread.
int fullTeam() {
  thread_local const int threads = at::get_num_threads();
  return threads;
}

// The team size this thread's OpenMP runtime was last given, and whether a
// kernel may have started a team since the worker last released it.
thread_local int t_team_size = 0;
thread_local bool t_team_started = false;

void releaseIdleTeam() {
  if (!t_team_started) return;
  omp_pause_resource_all(kOmpPauseSoft);
  t_team_started = false;
}

}  // namespace

void limitKernelThreads(std::initializer_list<std::reference_wrapper<const at::Tensor>> tensors) {
  const int full = fullTeam();
  int threads = fixedKernelThreads();
  if (threads == 0) {
    int64_t largest = 0;
    for (const at::Tensor& tensor : tensors) {
      largest = std::max<int64_t>(largest, tensor.defined() ? tensor.numel() : 0);
    }
    threads = largest >= kTeamWorkElements ? full : 1;
  }
  if (threads != t_team_size) {
    omp_set_num_threads(threads);
    t_team_size = threads;
  }
  if (threads > 1) {
    // Installed by whichever copy of this code sizes teams (tests link a
    // second one beside libopapi_sim.so).
    static const bool hook_installed = (npuSimSetWorkerIdleHook(&releaseIdleTeam), true);
    (void)hook_installed;
    t_team_started = true;
  }
}

}  // namespace npu_sim::aclnn
