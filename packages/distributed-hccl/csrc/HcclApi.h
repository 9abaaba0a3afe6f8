// Forwarding functions for HCCL, resolved at run time.
//
// `hccl::HcclAllReduce(...)` calls CANN's libhccl.so when the runtime loaded a
// real toolkit, otherwise the bundled simulator's libhccl_sim.so. The first
// call resolves the whole table (HcclSymbols.h).
#pragma once

#include "HcclSymbols.h"
#include "npu/NPUException.h"

namespace torch_npu::hccl {

#define TORCH_NPU_DECLARE_HCCL_FORWARD(ret, name, params, args) ret name params;
TORCH_NPU_HCCL_SYMBOLS(TORCH_NPU_DECLARE_HCCL_FORWARD)
#undef TORCH_NPU_DECLARE_HCCL_FORWARD

// The library the table was resolved from.
const std::string& libraryPath();

}  // namespace torch_npu::hccl

// NPU_CHECK for HcclResult: raises with the call, HCCL's code and text, and
// the recent-error message (the simulator sets it).
#define HCCL_CHECK(expr)                                                                                  \
  do {                                                                                                    \
    const HcclResult torch_npu_hccl_result = (expr);                                                      \
    if (C10_UNLIKELY(torch_npu_hccl_result != HCCL_SUCCESS)) {                                            \
      ::torch_npu::npu::throwCannError("HCCL", torch_npu_hccl_result,                                     \
                                       ::torch_npu::hccl::HcclGetErrorString(torch_npu_hccl_result), #expr, \
                                       __FILE__, __LINE__);                                               \
    }                                                                                                     \
  } while (0)
