// aclCreateTensorList / aclCreateScalarList and their destroy functions.
//
// The list owns its elements from the call on, even when creation fails: then
// they are destroyed. A caller that handed them over therefore never has to
// ask whether it still owns them.
#include "list_descriptors.h"

#include <new>

#include "recent_error.h"

namespace npu_sim::aclnn {
namespace {

// `allow_null`: whether a null element is kept (absent tensor) or refused.
template <class List, class Element>
List* createList(const char* api, const Element* const* value, uint64_t size, bool allow_null) noexcept {
  if (value == nullptr && size > 0) {
    reportError(ACLNN_ERR_PARAM_NULLPTR, "%s: value is null for %llu elements", api,
                static_cast<unsigned long long>(size));
    return nullptr;
  }
  std::unique_ptr<List> list;
  try {
    list = std::make_unique<List>();
    list->elements.reserve(size);
  } catch (...) {
    // bad_alloc, or length_error for an absurd size.
    for (uint64_t index = 0; index < size; ++index) delete value[index];
    reportError(ACLNN_ERR_INNER, "%s: the host ran out of memory", api);
    return nullptr;
  }
  bool has_null = false;
  for (uint64_t index = 0; index < size; ++index) {
    has_null = has_null || value[index] == nullptr;
    // Cannot throw: the capacity was reserved.
    list->elements.emplace_back(value[index]);
  }
  if (has_null && !allow_null) {
    reportError(ACLNN_ERR_PARAM_NULLPTR, "%s: an element is null", api);
    return nullptr;
  }
  return list.release();
}

}  // namespace
}  // namespace npu_sim::aclnn

extern "C" {

ACL_FUNC_VISIBILITY aclTensorList* aclCreateTensorList(const aclTensor* const* value, uint64_t size) {
  return npu_sim::aclnn::createList<aclTensorList>("aclCreateTensorList", value, size, /*allow_null=*/true);
}

ACL_FUNC_VISIBILITY aclScalarList* aclCreateScalarList(const aclScalar* const* value, uint64_t size) {
  return npu_sim::aclnn::createList<aclScalarList>("aclCreateScalarList", value, size, /*allow_null=*/false);
}

// Like free(): destroying nothing succeeds.
ACL_FUNC_VISIBILITY aclnnStatus aclDestroyTensorList(const aclTensorList* list) {
  delete list;
  return ACLNN_SUCCESS;
}

ACL_FUNC_VISIBILITY aclnnStatus aclDestroyScalarList(const aclScalarList* list) {
  delete list;
  return ACLNN_SUCCESS;
}

}  // extern "C"
