// aclnn descriptors -> what ATen's CPU kernels take.
//
// Each conversion copies what it needs (a tensor keeps only the address of
// the device memory), so descriptors may be destroyed as soon as
// GetWorkspaceSize returns, as on CANN.
//
// None throws: generated code calls them in the argument list of prepare(),
// inside extern "C" functions. A conversion that fails (an invalid argument,
// or the host out of memory) returns an empty value and records why; that
// prepare() then fails with the reason instead of creating an executor.
#pragma once

#include <ATen/core/List.h>
#include <ATen/core/Tensor.h>
#include <c10/core/Scalar.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "aclnn/acl_meta.h"
#include "npu_sim_aclnn/tensor_descriptor.h"

namespace npu_sim::aclnn {

// A CPU tensor viewing the device memory in place (the simulator's device
// memory is host-addressable): the descriptor's sizes, strides, storage
// offset and dtype over a storage that does not own the memory and cannot be
// resized. Null gives an undefined tensor.
//
// It is an inference tensor whose only dispatch key is CPU: nothing but ATen's
// CPU kernels runs on it, and kernels run in InferenceMode (see launch()).
at::Tensor toAten(const aclTensor* tensor) noexcept;
// The elements in order; a null element gives an undefined tensor, a null
// list an empty vector.
std::vector<at::Tensor> toAten(const aclTensorList* list) noexcept;
// A required scalar: null is an invalid argument (see toOptional for
// optional ones).
at::Scalar toAten(const aclScalar* scalar) noexcept;
std::vector<at::Scalar> toAten(const aclScalarList* list) noexcept;
// Null arrays give empty vectors.
std::vector<int64_t> toAten(const aclIntArray* array) noexcept;
std::vector<float> toAten(const aclFloatArray* array) noexcept;
std::vector<bool> toAten(const aclBoolArray* array) noexcept;
// A dtype argument; one without an ATen counterpart is an invalid argument.
at::ScalarType toAten(aclDataType type) noexcept;
// A string argument, copied (the caller's buffer need not outlive the call);
// null gives an empty string.
std::string toAten(const char* text);

// For optional ATen parameters: null gives nullopt.
std::optional<at::Tensor> toOptional(const aclTensor* tensor) noexcept;
std::optional<at::Scalar> toOptional(const aclScalar* scalar) noexcept;
std::optional<std::vector<int64_t>> toOptional(const aclIntArray* array) noexcept;
// For ATen's Tensor?[] parameters (index, index_put): null elements are
// nullopt.
c10::List<std::optional<at::Tensor>> toOptionalList(const aclTensorList* list) noexcept;

inline bool isDefined(const aclTensor* tensor) noexcept { return tensor != nullptr; }

// What a kernel keeps of a tensor argument: a copy of its descriptor, taken
// when the operator is prepared; view() makes the CPU view of toAten() where
// the kernel runs. Views made by the preparing thread and dropped by the
// worker cost the preparing thread a cache miss at each reference count and
// allocation the worker touched last, which made up most of a small
// operator's host time; made, used and dropped on the worker, they cost the
// host nothing.
class TensorArgument {
 public:
  TensorArgument() = default;
  explicit TensorArgument(const aclTensor& tensor) : descriptor_(tensor) {}
  // Undefined for a null argument.
  at::Tensor view() const;

 private:
  std::optional<aclTensor> descriptor_;
};

// A tensor list argument: view() gives toAten()'s vector.
class TensorListArgument {
 public:
  TensorListArgument() = default;
  explicit TensorListArgument(std::vector<TensorArgument> elements) : elements_(std::move(elements)) {}
  std::vector<at::Tensor> view() const;

 private:
  std::vector<TensorArgument> elements_;
};

// Descriptions for the generated kernels' captures (null stays null). They
// do not throw: a failure is recorded for prepare(), as the conversions above.
TensorArgument describe(const aclTensor* tensor) noexcept;
TensorListArgument describe(const aclTensorList* list) noexcept;

}  // namespace npu_sim::aclnn
