#include "npu_sim_aclnn/to_aten.h"

#include <c10/core/StorageImpl.h>
#include <c10/core/TensorImpl.h>

#include <cstddef>
#include <cstdio>

#include "array_descriptors.h"
#include "c_enum.h"
#include "conversion_error.h"
#include "list_descriptors.h"
#include "npu_sim/sim_extensions.h"
#include "npu_sim_aclnn/dtype.h"

namespace npu_sim::aclnn {
namespace {

at::Tensor viewDeviceMemory(const aclTensor& tensor) {
  // Null deleter: the memory belongs to the device allocator, not the view.
  // The view reads and writes where the simulator reaches device memory,
  // which host code may not (TORCH_NPU_SIM_PROTECT).
  c10::Storage storage(c10::make_intrusive<c10::StorageImpl>(
      c10::StorageImpl::use_byte_size_t(), c10::SymInt(static_cast<int64_t>(tensor.storage_bytes)),
      c10::DataPtr(npuSimHostAddress(tensor.data), c10::Device(c10::DeviceType::CPU)), /*allocator=*/nullptr,
      /*resizable=*/false));
  // The VIEW constructor takes the key set as given: CPU alone, no autograd
  // keys and hence no version counter, i.e. an inference tensor. It is what
  // constructing under c10::InferenceMode gives, without the guard's cost
  // (~20 ns of the ~30 ns here); the tests check the resulting key set.
  at::Tensor view = at::detail::make_tensor<c10::TensorImpl>(c10::TensorImpl::VIEW, std::move(storage),
                                                             c10::DispatchKeySet(c10::DispatchKey::CPU),
                                                             c10::scalarTypeToTypeMeta(tensor.dtype));
  view.unsafeGetTensorImpl()->set_sizes_and_strides(tensor.sizes, tensor.strides, tensor.storage_offset);
  return view;
}

// Runs a conversion; on an exception (host memory) records it and returns T{}.
template <class T, class Convert>
T converted(const char* what, Convert&& convert) noexcept {
  try {
    return convert();
  } catch (const std::exception& error) {
    // Formatted without allocating: the failure may be that memory ran out.
    char text[512];
    std::snprintf(text, sizeof text, "%s: %s", what, error.what());
    recordConversionError(text);
  } catch (...) {
    recordConversionError(what);
  }
  return T{};
}

}  // namespace

at::Tensor toAten(const aclTensor* tensor) noexcept {
  if (tensor == nullptr) return at::Tensor();
  return converted<at::Tensor>("converting an aclTensor", [&] { return viewDeviceMemory(*tensor); });
}

std::optional<at::Tensor> toOptional(const aclTensor* tensor) noexcept {
  if (tensor == nullptr) return std::nullopt;
  return toAten(tensor);
}

std::vector<at::Tensor> toAten(const aclTensorList* list) noexcept {
  if (list == nullptr) return {};
  return converted<std::vector<at::Tensor>>("converting an aclTensorList", [&] {
    std::vector<at::Tensor> tensors;
    tensors.reserve(list->elements.size());
    for (const auto& element : list->elements) {
      tensors.push_back(element ? viewDeviceMemory(*element) : at::Tensor());
    }
    return tensors;
  });
}

c10::List<std::optional<at::Tensor>> toOptionalList(const aclTensorList* list) noexcept {
  return converted<c10::List<std::optional<at::Tensor>>>("converting an aclTensorList", [&] {
    c10::List<std::optional<at::Tensor>> tensors;
    if (list == nullptr) return tensors;
    tensors.reserve(list->elements.size());
    for (const auto& element : list->elements) {
      tensors.push_back(element ? std::optional<at::Tensor>(viewDeviceMemory(*element)) : std::nullopt);
    }
    return tensors;
  });
}

at::Tensor TensorArgument::view() const { return descriptor_ ? viewDeviceMemory(*descriptor_) : at::Tensor(); }

std::vector<at::Tensor> TensorListArgument::view() const {
  std::vector<at::Tensor> tensors;
  tensors.reserve(elements_.size());
  for (const TensorArgument& element : elements_) tensors.push_back(element.view());
  return tensors;
}

TensorArgument describe(const aclTensor* tensor) noexcept {
  if (tensor == nullptr) return TensorArgument();
  return converted<TensorArgument>("describing an aclTensor", [&] { return TensorArgument(*tensor); });
}

TensorListArgument describe(const aclTensorList* list) noexcept {
  if (list == nullptr) return TensorListArgument();
  return converted<TensorListArgument>("describing an aclTensorList", [&] {
    std::vector<TensorArgument> elements;
    elements.reserve(list->elements.size());
    for (const auto& element : list->elements) elements.push_back(element ? TensorArgument(*element) : TensorArgument());
    return TensorListArgument(std::move(elements));
  });
}

at::Scalar toAten(const aclScalar* scalar) noexcept {
  if (scalar == nullptr) {
    // at::Scalar has no "absent" value, and 0 in its place would compute a
    // wrong result quietly.
    recordConversionError("a required aclScalar is null");
    return at::Scalar();
  }
  return scalar->value;
}

std::optional<at::Scalar> toOptional(const aclScalar* scalar) noexcept {
  if (scalar == nullptr) return std::nullopt;
  return scalar->value;
}

std::vector<at::Scalar> toAten(const aclScalarList* list) noexcept {
  if (list == nullptr) return {};
  return converted<std::vector<at::Scalar>>("converting an aclScalarList", [&] {
    std::vector<at::Scalar> scalars;
    scalars.reserve(list->elements.size());
    // Elements are never null: aclCreateScalarList refuses that.
    for (const auto& element : list->elements) scalars.push_back(element->value);
    return scalars;
  });
}

std::vector<int64_t> toAten(const aclIntArray* array) noexcept {
  if (array == nullptr) return {};
  return converted<std::vector<int64_t>>("converting an aclIntArray", [&] {
    return std::vector<int64_t>(array->values.begin(), array->values.end());
  });
}

std::optional<std::vector<int64_t>> toOptional(const aclIntArray* array) noexcept {
  if (array == nullptr) return std::nullopt;
  return toAten(array);
}

std::vector<float> toAten(const aclFloatArray* array) noexcept {
  if (array == nullptr) return {};
  return converted<std::vector<float>>("converting an aclFloatArray", [&] {
    return std::vector<float>(array->values.begin(), array->values.end());
  });
}

std::vector<bool> toAten(const aclBoolArray* array) noexcept {
  if (array == nullptr) return {};
  return converted<std::vector<bool>>("converting an aclBoolArray", [&] {
    return std::vector<bool>(array->values.begin(), array->values.end());
  });
}

at::ScalarType toAten(aclDataType type) noexcept {
  if (const std::optional<at::ScalarType> scalar_type = toScalarType(type)) return *scalar_type;
  char text[96];
  std::snprintf(text, sizeof text, "data type %lld has no ATen counterpart", static_cast<long long>(rawEnumValue(type)));
  recordConversionError(text);
  return at::ScalarType::Undefined;
}

std::string toAten(const char* text) { return text == nullptr ? std::string() : std::string(text); }

}  // namespace npu_sim::aclnn
