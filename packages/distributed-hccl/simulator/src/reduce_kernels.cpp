#include "reduce_kernels.h"

#include <c10/util/BFloat16.h>
#include <c10/util/Half.h>

#include <algorithm>
#include <type_traits>

namespace npu_sim_hccl {
namespace {

template <class T>
struct Sum {
  T operator()(T a, T b) const { return static_cast<T>(a + b); }
};
template <class T>
struct Product {
  T operator()(T a, T b) const { return static_cast<T>(a * b); }
};
// NaN wins, as in torch's CPU max/min (std::max would drop it depending on order).
template <class T>
struct Max {
  T operator()(T a, T b) const {
    if constexpr (!std::is_integral_v<T>) {
      if (a != a) return a;
      if (b != b) return b;
    }
    return a < b ? b : a;
  }
};
template <class T>
struct Min {
  T operator()(T a, T b) const {
    if constexpr (!std::is_integral_v<T>) {
      if (a != a) return a;
      if (b != b) return b;
    }
    return b < a ? b : a;
  }
};

template <class T, class Op>
void reduceTyped(void* out, const void* const* inputs, size_t n, size_t count) {
  const Op op;
  T* result = static_cast<T*>(out);
  const T* first = static_cast<const T*>(inputs[0]);
  if (n == 1) {
    std::copy(first, first + count, result);
    return;
  }
  const T* second = static_cast<const T*>(inputs[1]);
  if (n == 2) {  // the common case, as a loop the compiler vectorizes
    for (size_t i = 0; i < count; ++i) result[i] = op(first[i], second[i]);
    return;
  }
  // Element by element, every input read before the result is written: `out`
  // may be any of the inputs, and the order stays the inputs' (rank) order.
  for (size_t i = 0; i < count; ++i) {
    T value = op(first[i], second[i]);
    for (size_t k = 2; k < n; ++k) value = op(value, static_cast<const T*>(inputs[k])[i]);
    result[i] = value;
  }
}

template <class T>
void reduceWith(void* out, const void* const* inputs, size_t n, size_t count, HcclReduceOp op) {
  switch (op) {
    case HCCL_REDUCE_SUM:
      return reduceTyped<T, Sum<T>>(out, inputs, n, count);
    case HCCL_REDUCE_PROD:
      return reduceTyped<T, Product<T>>(out, inputs, n, count);
    case HCCL_REDUCE_MAX:
      return reduceTyped<T, Max<T>>(out, inputs, n, count);
    case HCCL_REDUCE_MIN:
      return reduceTyped<T, Min<T>>(out, inputs, n, count);
    default:
      return;
  }
}

}  // namespace

size_t elementSize(HcclDataType type) {
  switch (type) {
    case HCCL_DATA_TYPE_INT8:
    case HCCL_DATA_TYPE_UINT8:
      return 1;
    case HCCL_DATA_TYPE_INT16:
    case HCCL_DATA_TYPE_UINT16:
    case HCCL_DATA_TYPE_FP16:
    case HCCL_DATA_TYPE_BFP16:
      return 2;
    case HCCL_DATA_TYPE_INT32:
    case HCCL_DATA_TYPE_UINT32:
    case HCCL_DATA_TYPE_FP32:
      return 4;
    case HCCL_DATA_TYPE_INT64:
    case HCCL_DATA_TYPE_UINT64:
    case HCCL_DATA_TYPE_FP64:
      return 8;
    case HCCL_DATA_TYPE_INT128:
      return 16;
    default:
      return 0;
  }
}

bool canReduce(HcclDataType type, HcclReduceOp op) {
  const bool known_op = op == HCCL_REDUCE_SUM || op == HCCL_REDUCE_PROD || op == HCCL_REDUCE_MAX ||
                        op == HCCL_REDUCE_MIN;
  return known_op && elementSize(type) != 0 && type != HCCL_DATA_TYPE_INT128;
}

void reduce(void* out, const void* const* inputs, size_t n, size_t count, HcclDataType type, HcclReduceOp op) {
  switch (type) {
    case HCCL_DATA_TYPE_INT8:
      return reduceWith<int8_t>(out, inputs, n, count, op);
    case HCCL_DATA_TYPE_UINT8:
      return reduceWith<uint8_t>(out, inputs, n, count, op);
    case HCCL_DATA_TYPE_INT16:
      return reduceWith<int16_t>(out, inputs, n, count, op);
    case HCCL_DATA_TYPE_UINT16:
      return reduceWith<uint16_t>(out, inputs, n, count, op);
    case HCCL_DATA_TYPE_INT32:
      return reduceWith<int32_t>(out, inputs, n, count, op);
    case HCCL_DATA_TYPE_UINT32:
      return reduceWith<uint32_t>(out, inputs, n, count, op);
    case HCCL_DATA_TYPE_INT64:
      return reduceWith<int64_t>(out, inputs, n, count, op);
    case HCCL_DATA_TYPE_UINT64:
      return reduceWith<uint64_t>(out, inputs, n, count, op);
    case HCCL_DATA_TYPE_FP16:
      return reduceWith<c10::Half>(out, inputs, n, count, op);
    case HCCL_DATA_TYPE_BFP16:
      return reduceWith<c10::BFloat16>(out, inputs, n, count, op);
    case HCCL_DATA_TYPE_FP32:
      return reduceWith<float>(out, inputs, n, count, op);
    case HCCL_DATA_TYPE_FP64:
      return reduceWith<double>(out, inputs, n, count, op);
    default:
      return;
  }
}

}  // namespace npu_sim_hccl
