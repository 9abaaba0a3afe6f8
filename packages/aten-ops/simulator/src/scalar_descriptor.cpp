// aclCreateScalar / aclDestroyScalar.
#include "scalar_descriptor.h"

#include <c10/util/BFloat16.h>
#include <c10/util/Half.h>
#include <c10/util/complex.h>

#include <cstring>
#include <new>
#include <optional>

#include "c_enum.h"
#include "recent_error.h"

namespace npu_sim::aclnn {
namespace {

// The host value of type T at `value`, which need not be aligned for T.
template <class T>
T load(const void* value) {
  T loaded;
  std::memcpy(&loaded, value, sizeof loaded);
  return loaded;
}

std::optional<at::Scalar> readScalar(const void* value, int64_t data_type) {
  switch (data_type) {
    case ACL_FLOAT: return at::Scalar(load<float>(value));
    case ACL_DOUBLE: return at::Scalar(load<double>(value));
    case ACL_FLOAT16: return at::Scalar(c10::Half(load<uint16_t>(value), c10::Half::from_bits()));
    case ACL_BF16: return at::Scalar(c10::BFloat16(load<uint16_t>(value), c10::BFloat16::from_bits()));
    case ACL_INT8: return at::Scalar(int64_t{load<int8_t>(value)});
    case ACL_INT16: return at::Scalar(int64_t{load<int16_t>(value)});
    case ACL_INT32: return at::Scalar(int64_t{load<int32_t>(value)});
    case ACL_INT64: return at::Scalar(load<int64_t>(value));
    case ACL_UINT8: return at::Scalar(int64_t{load<uint8_t>(value)});
    case ACL_UINT16: return at::Scalar(int64_t{load<uint16_t>(value)});
    case ACL_UINT32: return at::Scalar(int64_t{load<uint32_t>(value)});
    // Values above INT64_MAX stay unsigned in at::Scalar.
    case ACL_UINT64: return at::Scalar(load<uint64_t>(value));
    // A C bool is one byte; any non-zero byte is true.
    case ACL_BOOL: return at::Scalar(load<uint8_t>(value) != 0);
    case ACL_COMPLEX64: return at::Scalar(load<c10::complex<float>>(value));
    case ACL_COMPLEX128: return at::Scalar(load<c10::complex<double>>(value));
    default: return std::nullopt;
  }
}

aclScalar* createScalar(const void* value, aclDataType data_type) {
  if (value == nullptr) {
    reportError(ACLNN_ERR_PARAM_NULLPTR, "aclCreateScalar: value is null");
    return nullptr;
  }
  std::optional<at::Scalar> scalar = readScalar(value, rawEnumValue(data_type));
  if (!scalar) {
    reportError(ACLNN_ERR_PARAM_INVALID, "aclCreateScalar: data type %lld is not supported",
                static_cast<long long>(rawEnumValue(data_type)));
    return nullptr;
  }
  return new aclScalar{std::move(*scalar), data_type};
}

}  // namespace
}  // namespace npu_sim::aclnn

extern "C" {

ACL_FUNC_VISIBILITY aclScalar* aclCreateScalar(void* value, aclDataType dataType) {
  try {
    return npu_sim::aclnn::createScalar(value, dataType);
  } catch (const std::bad_alloc&) {
    npu_sim::aclnn::reportError(ACLNN_ERR_INNER, "aclCreateScalar: the host ran out of memory");
    return nullptr;
  }
}

ACL_FUNC_VISIBILITY aclnnStatus aclDestroyScalar(const aclScalar* scalar) {
  // Like free(): destroying nothing succeeds.
  delete scalar;
  return ACLNN_SUCCESS;
}

}  // extern "C"
