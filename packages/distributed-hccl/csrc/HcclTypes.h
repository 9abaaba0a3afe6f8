// How torch's dtypes and reduce ops map onto HCCL's.
#pragma once

#include <ATen/core/Tensor.h>
#include <torch/csrc/distributed/c10d/Types.hpp>

#include "hccl/hccl_types.h"

namespace torch_npu::hccl {

// Bool travels as UINT8 (HCCL has no bool). Raises for a dtype HCCL cannot carry.
HcclDataType toHcclDataType(const at::Tensor& tensor);

// The HCCL op for `op` on `tensor`'s dtype: bool SUM is MAX and PRODUCT is MIN
// (logical or / and), AVG and PREMUL_SUM reduce as SUM (the caller scales).
// BAND, BOR and BXOR are refused with the reference's message.
HcclReduceOp toHcclReduceOp(const c10d::ReduceOp& op, const at::Tensor& tensor);

}  // namespace torch_npu::hccl
