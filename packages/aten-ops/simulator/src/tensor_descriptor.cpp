// aclCreateTensor / aclDestroyTensor.
#include "npu_sim_aclnn/tensor_descriptor.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <new>

#include <c10/util/Exception.h>

#include "c_enum.h"
#include "npu_sim_aclnn/dtype.h"
#include "recent_error.h"

namespace npu_sim::aclnn {
namespace {

bool multiplyChecked(uint64_t a, uint64_t b, uint64_t& product) { return !__builtin_mul_overflow(a, b, &product); }

// Formats whose memory layout is the logical (strided) one. The private
// formats (NC1HWC0, the fractal ones) tile the data; ATen's CPU kernels could
// not read them, so the simulator rejects them rather than compute garbage.
bool isPlainFormat(int64_t format) {
  switch (format) {
    case ACL_FORMAT_UNDEFINED:
    case ACL_FORMAT_ND:
    case ACL_FORMAT_NCHW:
    case ACL_FORMAT_NHWC:
    case ACL_FORMAT_NCDHW:
    case ACL_FORMAT_NDHWC:
      return true;
    default:
      return false;
  }
}

constexpr const char* kApi = "aclCreateTensor";
constexpr uint64_t kInt64Max = static_cast<uint64_t>(INT64_MAX);

// The product of `count` dims, which must be >= 0 and multiply to at most
// INT64_MAX (ATen counts elements and bytes in int64_t). False after
// reporting which `what` is invalid.
bool elementCount(const int64_t* dims, uint64_t count, const char* what, uint64_t& elements) {
  elements = 1;
  for (uint64_t dim = 0; dim < count; ++dim) {
    if (dims[dim] < 0) {
      reportError(ACLNN_ERR_PARAM_INVALID, "%s: %s dimension %llu is negative (%lld)", kApi, what,
                  static_cast<unsigned long long>(dim), static_cast<long long>(dims[dim]));
      return false;
    }
    if (!multiplyChecked(elements, static_cast<uint64_t>(dims[dim]), elements) || elements > kInt64Max) {
      reportError(ACLNN_ERR_PARAM_INVALID, "%s: the %s element count overflows", kApi, what);
      return false;
    }
  }
  return true;
}

// Row-major strides for `sizes`, for a caller that passed none.
bool contiguousStrides(const c10::SmallVectorImpl<int64_t>& sizes, c10::SmallVectorImpl<int64_t>& strides) {
  strides.resize(sizes.size());
  uint64_t next = 1;
  for (size_t dim = sizes.size(); dim-- > 0;) {
    strides[dim] = static_cast<int64_t>(next);
    // Sizes of 0 count as 1, so even an empty view can overflow here.
    if (!multiplyChecked(next, static_cast<uint64_t>(std::max<int64_t>(sizes[dim], 1)), next) || next > kInt64Max) {
      reportError(ACLNN_ERR_PARAM_INVALID, "%s: the view's strides overflow", kApi);
      return false;
    }
  }
  return true;
}

// The index of the furthest storage element a non-empty view reaches.
bool lastElement(const aclTensor& tensor, uint64_t& last) {
  last = static_cast<uint64_t>(tensor.storage_offset);
  for (size_t dim = 0; dim < tensor.sizes.size(); ++dim) {
    const int64_t step = tensor.strides[dim];
    if (step < 0) {
      reportError(ACLNN_ERR_PARAM_INVALID, "%s: dimension %zu has negative stride %lld", kApi, dim,
                  static_cast<long long>(step));
      return false;
    }
    uint64_t reach = 0;
    if (!multiplyChecked(static_cast<uint64_t>(tensor.sizes[dim] - 1), static_cast<uint64_t>(step), reach) ||
        __builtin_add_overflow(last, reach, &last)) {
      reportError(ACLNN_ERR_PARAM_INVALID, "%s: the view's extent overflows", kApi);
      return false;
    }
  }
  return true;
}

// Null with the recent error set when the arguments do not describe a view
// inside its storage.
aclTensor* createTensor(const int64_t* view_dims, uint64_t view_dims_num, aclDataType data_type, const int64_t* stride,
                        int64_t offset, aclFormat format, const int64_t* storage_dims, uint64_t storage_dims_num,
                        void* tensor_data) {
  const std::optional<at::ScalarType> dtype = toScalarType(data_type);
  if (!dtype) {
    reportError(ACLNN_ERR_PARAM_INVALID, "%s: data type %lld has no ATen counterpart", kApi,
                static_cast<long long>(rawEnumValue(data_type)));
    return nullptr;
  }
  if (!isPlainFormat(rawEnumValue(format))) {
    reportError(ACLNN_ERR_PARAM_INVALID, "%s: format %lld is not supported by the simulator (plain layouts only)",
                kApi, static_cast<long long>(rawEnumValue(format)));
    return nullptr;
  }
  if (view_dims_num > 0 && view_dims == nullptr) {
    reportError(ACLNN_ERR_PARAM_NULLPTR, "%s: viewDims is null", kApi);
    return nullptr;
  }
  if (storage_dims_num > 0 && storage_dims == nullptr) {
    reportError(ACLNN_ERR_PARAM_NULLPTR, "%s: storageDims is null", kApi);
    return nullptr;
  }
  if (offset < 0) {
    reportError(ACLNN_ERR_PARAM_INVALID, "%s: negative offset %lld", kApi, static_cast<long long>(offset));
    return nullptr;
  }
  uint64_t view_elements = 0;
  uint64_t storage_elements = 0;
  if (!elementCount(view_dims, view_dims_num, "view", view_elements) ||
      !elementCount(storage_dims, storage_dims_num, "storage", storage_elements)) {
    return nullptr;
  }

  auto tensor = std::make_unique<aclTensor>();
  tensor->dtype = *dtype;
  tensor->format = format;
  tensor->storage_offset = offset;
  tensor->data = tensor_data;
  tensor->sizes.assign(view_dims, view_dims + view_dims_num);
  if (stride != nullptr) {
    tensor->strides.assign(stride, stride + view_dims_num);
  } else if (!contiguousStrides(tensor->sizes, tensor->strides)) {
    return nullptr;
  }
  // A kernel may touch every element of the view: all must be in the storage.
  uint64_t last = 0;
  if (view_elements > 0) {
    if (!lastElement(*tensor, last)) return nullptr;
    if (last >= storage_elements) {
      reportError(ACLNN_ERR_PARAM_INVALID,
                  "%s: the view reaches element %llu (offset %lld) of a storage of %llu elements", kApi,
                  static_cast<unsigned long long>(last), static_cast<long long>(offset),
                  static_cast<unsigned long long>(storage_elements));
      return nullptr;
    }
  }
  if (!multiplyChecked(storage_elements, c10::elementSize(*dtype), tensor->storage_bytes) ||
      tensor->storage_bytes > kInt64Max) {
    reportError(ACLNN_ERR_PARAM_INVALID, "%s: the storage size in bytes overflows", kApi);
    return nullptr;
  }
  if (tensor_data == nullptr && tensor->storage_bytes > 0) {
    // A simulated kernel would dereference it on a stream worker.
    reportError(ACLNN_ERR_PARAM_NULLPTR, "%s: tensorData is null for a storage of %llu bytes", kApi,
                static_cast<unsigned long long>(tensor->storage_bytes));
    return nullptr;
  }
  return tensor.release();
}

}  // namespace

void setViewShape(aclTensor* descriptor, c10::IntArrayRef sizes) {
  TORCH_CHECK(descriptor != nullptr, "the output whose view shape the operator sets is null");
  TORCH_CHECK(sizes.size() == descriptor->sizes.size(), "the output's view shape ", sizes, " has not its rank ",
              descriptor->sizes.size());
  for (size_t dim = 0; dim < sizes.size(); ++dim) {
    TORCH_CHECK(sizes[dim] >= 0 && sizes[dim] <= descriptor->sizes[dim], "the output's view shape ", sizes,
                " does not fit the allocated ", c10::IntArrayRef(descriptor->sizes));
  }
  descriptor->sizes.assign(sizes.begin(), sizes.end());
}

}  // namespace npu_sim::aclnn

extern "C" {

ACL_FUNC_VISIBILITY aclTensor* aclCreateTensor(const int64_t* viewDims, uint64_t viewDimsNum, aclDataType dataType,
                                               const int64_t* stride, int64_t offset, aclFormat format,
                                               const int64_t* storageDims, uint64_t storageDimsNum,
                                               void* tensorData) {
  try {
    return npu_sim::aclnn::createTensor(viewDims, viewDimsNum, dataType, stride, offset, format, storageDims,
                                        storageDimsNum, tensorData);
  } catch (const std::bad_alloc&) {
    npu_sim::aclnn::reportError(ACLNN_ERR_INNER, "aclCreateTensor: the host ran out of memory");
    return nullptr;
  }
}

ACL_FUNC_VISIBILITY aclnnStatus aclGetViewShape(const aclTensor* tensor, int64_t** viewDims, uint64_t* viewDimsNum) {
  if (tensor == nullptr || viewDims == nullptr || viewDimsNum == nullptr) {
    return npu_sim::aclnn::reportError(ACLNN_ERR_PARAM_NULLPTR, "aclGetViewShape: tensor, viewDims or viewDimsNum is null");
  }
  // The caller frees the array with delete[], as CANN documents.
  int64_t* dims = new (std::nothrow) int64_t[std::max<size_t>(tensor->sizes.size(), 1)];
  if (dims == nullptr) return npu_sim::aclnn::reportError(ACLNN_ERR_INNER, "aclGetViewShape: the host ran out of memory");
  std::copy(tensor->sizes.begin(), tensor->sizes.end(), dims);
  *viewDims = dims;
  *viewDimsNum = tensor->sizes.size();
  return ACLNN_SUCCESS;
}

ACL_FUNC_VISIBILITY aclnnStatus aclDestroyTensor(const aclTensor* tensor) {
  // Like free(): destroying nothing succeeds.
  delete tensor;
  return ACLNN_SUCCESS;
}

}  // extern "C"
