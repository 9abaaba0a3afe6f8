// Kernels that torch.compile's inductor generates as C++ for the NPU simulator,
// run as tasks of an NPU stream.
//
// The simulator's device memory is host memory, so a C++ kernel can compute on
// it, but only where the simulator's own kernels run: on the stream's worker,
// in the stream's order, through the simulator's view of device memory (which
// differs from the device address under TORCH_NPU_SIM_PROTECT=1). A real CANN
// toolkit has no such path; inductor refuses it before any kernel is built.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "npu/NPUStream.h"

namespace torch_npu::npu {

// What a compiled kernel library exports: runs the kernel over its arguments
// (one 64-bit slot each: a device pointer as the simulator's host address, an
// integer, or a double's bits) and returns null, or the message of the
// exception that stopped it (valid until the calling thread's next kernel).
using HostKernelEntry = const char* (*)(const uint64_t* slots);

struct HostKernelArguments {
  std::vector<uint64_t> slots;  // one per kernel argument
  // One-element CPU tensors the kernel reads (inductor hands a graph's CPU scalars
  // to device kernels): their values at launch, as CUDA kernels take them by
  // value, since the host may change the tensor before the kernel runs. When the
  // kernel runs, slot host_value_slots[k] holds the address of host_values[k].
  std::vector<uint64_t> host_values;
  std::vector<size_t> host_value_slots;
};

// True when the loaded runtime can run host kernels (the simulator).
bool hostKernelsSupported();

// The address the kernel reads and writes for device memory at `device_ptr`.
uint64_t hostKernelAddress(const void* device_ptr);

// Enqueues `entry(slots)` on `stream`: it runs after the work enqueued on the
// stream before it and before the work enqueued after it. A failure is the
// stream's, reported by its next synchronization with `kernel_name` in the text.
void launchHostKernel(HostKernelEntry entry, std::shared_ptr<const std::string> kernel_name,
                      HostKernelArguments arguments, const NPUStream& stream);

}  // namespace torch_npu::npu
