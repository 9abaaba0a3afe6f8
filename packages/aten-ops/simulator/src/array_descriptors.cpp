// aclCreate{Int,Float,Bool}Array and their destroy functions.
#include "array_descriptors.h"

#include <memory>
#include <new>

#include "recent_error.h"

namespace npu_sim::aclnn {
namespace {

// Null (with the recent error set) when `value` is null but `size` is not 0.
template <class Array, class Element>
Array* createArray(const char* api, const Element* value, uint64_t size) {
  if (value == nullptr && size > 0) {
    reportError(ACLNN_ERR_PARAM_NULLPTR, "%s: value is null for %llu elements", api,
                static_cast<unsigned long long>(size));
    return nullptr;
  }
  auto array = std::make_unique<Array>();
  if (size > 0) array->values.assign(value, value + size);
  return array.release();
}

template <class Array, class Element>
Array* createArrayOrNull(const char* api, const Element* value, uint64_t size) noexcept {
  try {
    return createArray<Array>(api, value, size);
  } catch (const std::bad_alloc&) {
    reportError(ACLNN_ERR_INNER, "%s: the host ran out of memory", api);
    return nullptr;
  }
}

}  // namespace
}  // namespace npu_sim::aclnn

using npu_sim::aclnn::createArrayOrNull;

extern "C" {

ACL_FUNC_VISIBILITY aclIntArray* aclCreateIntArray(const int64_t* value, uint64_t size) {
  return createArrayOrNull<aclIntArray>("aclCreateIntArray", value, size);
}

ACL_FUNC_VISIBILITY aclFloatArray* aclCreateFloatArray(const float* value, uint64_t size) {
  return createArrayOrNull<aclFloatArray>("aclCreateFloatArray", value, size);
}

ACL_FUNC_VISIBILITY aclBoolArray* aclCreateBoolArray(const bool* value, uint64_t size) {
  return createArrayOrNull<aclBoolArray>("aclCreateBoolArray", value, size);
}

// Like free(): destroying nothing succeeds.
ACL_FUNC_VISIBILITY aclnnStatus aclDestroyIntArray(const aclIntArray* array) {
  delete array;
  return ACLNN_SUCCESS;
}

ACL_FUNC_VISIBILITY aclnnStatus aclDestroyFloatArray(const aclFloatArray* array) {
  delete array;
  return ACLNN_SUCCESS;
}

ACL_FUNC_VISIBILITY aclnnStatus aclDestroyBoolArray(const aclBoolArray* array) {
  delete array;
  return ACLNN_SUCCESS;
}

}  // extern "C"
