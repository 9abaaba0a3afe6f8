#include "HcclTypes.h"

#include <c10/util/Exception.h>

namespace torch_npu::hccl {

HcclDataType toHcclDataType(const at::Tensor& tensor) {
  switch (tensor.scalar_type()) {
    case at::kBool:
    case at::kByte:
      return HCCL_DATA_TYPE_UINT8;
    case at::kChar:
      return HCCL_DATA_TYPE_INT8;
    case at::kShort:
      return HCCL_DATA_TYPE_INT16;
    case at::kInt:
      return HCCL_DATA_TYPE_INT32;
    case at::kLong:
      return HCCL_DATA_TYPE_INT64;
    case at::kUInt16:
      return HCCL_DATA_TYPE_UINT16;
    case at::kUInt32:
      return HCCL_DATA_TYPE_UINT32;
    case at::kUInt64:
      return HCCL_DATA_TYPE_UINT64;
    case at::kHalf:
      return HCCL_DATA_TYPE_FP16;
    case at::kBFloat16:
      return HCCL_DATA_TYPE_BFP16;
    case at::kFloat:
      return HCCL_DATA_TYPE_FP32;
    case at::kDouble:
      return HCCL_DATA_TYPE_FP64;
    default:
      TORCH_CHECK_TYPE(false, "HCCL backend does not support data type ", tensor.scalar_type(),
                       " (supported: bool, uint8/16/32/64, int8/16/32/64, float16, bfloat16, float32, float64; "
                       "complex tensors only through collectives that move data or sum)");
  }
}

HcclReduceOp toHcclReduceOp(const c10d::ReduceOp& op, const at::Tensor& tensor) {
  const bool is_bool = tensor.scalar_type() == at::kBool;
  switch (op.op_) {
    case c10d::ReduceOp::SUM:
      return is_bool ? HCCL_REDUCE_MAX : HCCL_REDUCE_SUM;
    case c10d::ReduceOp::PRODUCT:
      return is_bool ? HCCL_REDUCE_MIN : HCCL_REDUCE_PROD;
    case c10d::ReduceOp::MIN:
      return HCCL_REDUCE_MIN;
    case c10d::ReduceOp::MAX:
      return HCCL_REDUCE_MAX;
    case c10d::ReduceOp::AVG:
    case c10d::ReduceOp::PREMUL_SUM:
      TORCH_CHECK(!is_bool, "Cannot use ReduceOp.", op.op_ == c10d::ReduceOp::AVG ? "AVG" : "PREMUL_SUM",
                  " with bool tensors");
      return HCCL_REDUCE_SUM;
    case c10d::ReduceOp::BAND:
      TORCH_CHECK(false, "Cannot use ReduceOp.BAND with HCCL");
    case c10d::ReduceOp::BOR:
      TORCH_CHECK(false, "Cannot use ReduceOp.BOR with HCCL");
    case c10d::ReduceOp::BXOR:
      TORCH_CHECK(false, "Cannot use ReduceOp.BXOR with HCCL");
    default:
      TORCH_CHECK(false, "Unhandled ReduceOp");
  }
}

}  // namespace torch_npu::hccl
