// Reports host code touching device memory (TORCH_NPU_SIM_PROTECT=1).
//
// Protected device memory has no access rights at the addresses aclrtMalloc
// hands out, so host code that dereferences one faults, as it would on
// hardware. A SIGSEGV handler, installed with the first protected
// allocation, writes which device address was touched and which allocation
// it belongs to, then hands the fault on to whatever handled SIGSEGV before
// (Python's faulthandler, or the default: the process dies).
#pragma once

#include <cstddef>
#include <cstdint>

namespace npu_sim {

// Records a live protected allocation for the report (and installs the
// handler on first use). Both are cheap and never fail: an allocation that
// finds the table full is reported as "no recorded allocation".
void addProtectedRange(const std::byte* base, size_t size, int32_t device_index) noexcept;
void removeProtectedRange(const std::byte* base) noexcept;

}  // namespace npu_sim
