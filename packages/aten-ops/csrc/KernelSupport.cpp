#include "KernelSupport.h"

#include <ATen/ExpandUtils.h>
#include <ATen/WrapDimUtils.h>
#include <ATen/ops/empty.h>
#include <ATen/native/Gelu.h>
#include <ATen/native/TypeProperties.h>

#include "npu/NPUEmptyTensor.h"
#include "npu/NPUGenerator.h"

namespace torch_npu::ops {

c10::Device commonDevice(TensorRefs tensors) {
  std::optional<c10::Device> device;
  for (const at::Tensor& tensor : tensors) {
    if (!tensor.defined() || !tensor.is_privateuseone()) {
      continue;
    }
    if (!device.has_value()) {
      device = tensor.device();
    }
    TORCH_CHECK(*device == tensor.device(),
                "Expected all tensors to be on the same device, but found at least two devices, ", *device, " and ",
                tensor.device(), "!");
  }
  TORCH_CHECK(device.has_value(), "An NPU operator was called without an NPU tensor operand");
  return *device;
}

c10::Device operandsDevice(const char* op, at::ArrayRef<at::Tensor> operands) {
  std::optional<c10::Device> device;
  for (const at::Tensor& operand : operands) {
    if (!operand.defined()) continue;
    TORCH_CHECK(operand.is_privateuseone(), op, ": expected NPU tensors, got one on ", operand.device());
    if (!device.has_value()) device = operand.device();
    TORCH_CHECK(operand.device() == *device, op, ": expected all tensors on one NPU device, found ", *device,
                " and ", operand.device());
  }
  TORCH_CHECK(device.has_value(), op, ": expected NPU tensor operands");
  return *device;
}

at::Tensor onDevice(const at::Tensor& tensor, c10::Device device) {
  if (!tensor.defined()) {
    return tensor;
  }
  if (tensor.device() == device) {
    // aclnn descriptors carry no lazy conj/neg bits: materialize them.
    return tensor.is_conj() || tensor.is_neg() ? tensor.resolve_conj().resolve_neg() : tensor;
  }
  TORCH_CHECK(tensor.is_cpu() && tensor.dim() == 0,
              "Expected all tensors to be on the same device, but found at least two devices, ", device, " and ",
              tensor.device(), "!");
  at::Tensor moved = tensor.to(device, /*non_blocking=*/true);
  // Keeps a Python scalar's weak part in type promotion.
  moved.unsafeGetTensorImpl()->set_wrapped_number(tensor.unsafeGetTensorImpl()->is_wrapped_number());
  return moved;
}

void checkCast(at::ScalarType result_type, const at::Tensor& out) {
  TORCH_CHECK(at::canCast(result_type, out.scalar_type()), "result type ", result_type,
              " can't be cast to the desired output type ", out.scalar_type());
}

void checkInPlace(const at::Tensor& self, c10::IntArrayRef broadcast_shape, at::ScalarType result_type) {
  TORCH_CHECK(self.sizes().equals(broadcast_shape), "output with shape ", self.sizes(),
              " doesn't match the broadcast shape ", broadcast_shape);
  checkCast(result_type, self);
}

c10::SmallVector<int64_t, 5> broadcastShape(TensorRefs tensors) {
  c10::SmallVector<int64_t, 5> shape;
  bool first = true;
  for (const at::Tensor& tensor : tensors) {
    if (first) {
      shape.assign(tensor.sizes().begin(), tensor.sizes().end());
      first = false;
    } else {
      shape = at::infer_size_dimvector(shape, tensor.sizes());
    }
  }
  return shape;
}

at::ScalarType resultType(TensorRefs tensors) {
  at::native::ResultTypeState state;
  for (const at::Tensor& tensor : tensors) {
    state = at::native::update_result_type_state(tensor, state);
  }
  return at::native::result_type(state);
}

at::ScalarType floatResultType(TensorRefs tensors) {
  const at::ScalarType type = resultType(tensors);
  return at::isIntegralType(type, /*includeBool=*/true) ? c10::typeMetaToScalarType(c10::get_default_dtype()) : type;
}

at::Tensor pointwiseOutput(TensorRefs tensors, at::ScalarType dtype) {
  // Allocated directly (the caller holds the device guard): this is on every
  // operator's path, and the dispatcher round trip of at::empty costs as much
  // as the rest of the launch.
  const c10::SmallVector<int64_t, 5> shape = broadcastShape(tensors);
  // In the memory order of the first operand of the result's shape that is dense (a permuted,
  // say transposed, tensor), as ATen's TensorIterator lays out its outputs: compiled graphs
  // (FakeTensor strides) and views of the result rely on it.
  for (const at::Tensor& tensor : tensors) {
    if (tensor.sizes() != c10::IntArrayRef(shape)) continue;
    if (!tensor.is_contiguous() && tensor.is_non_overlapping_and_dense()) {
      return npu::empty_strided_npu(shape, tensor.strides(), dtype);
    }
    break;
  }
  return npu::empty_npu(shape, dtype);
}

c10::SmallVector<int64_t, 5> indexSelectShape(const at::Tensor& self, int64_t dim, const at::Tensor& index) {
  c10::SmallVector<int64_t, 5> shape(self.sizes().begin(), self.sizes().end());
  const int64_t wrapped = at::maybe_wrap_dim(dim, self.dim());
  if (!shape.empty()) shape[wrapped] = index.numel();
  return shape;
}

int64_t geluApproximateMode(c10::string_view approximate) {
  return at::native::get_gelutype_enum(approximate) == at::native::GeluType::Tanh ? 1 : 0;
}

std::string checkedGeluApproximate(c10::string_view approximate) {
  at::native::get_gelutype_enum(approximate);
  return std::string(approximate);
}

std::pair<int64_t, int64_t> reservePhilox(const std::optional<at::Generator>& generator, c10::Device device,
                                          int64_t count) {
  at::Generator chosen = generator.has_value() && generator->defined()
                             ? *generator
                             : npu::getDefaultNPUGenerator(device.index());
  TORCH_CHECK(chosen.device().is_privateuseone(), "Expected an NPU generator for an NPU tensor, got a generator on ",
              chosen.device());
  std::lock_guard<std::mutex> lock(chosen.mutex());
  const auto [seed, offset] = chosen.get<npu::NPUGeneratorImpl>()->philox_seed_and_offset(count);
  return {static_cast<int64_t>(seed), static_cast<int64_t>(offset)};
}

}  // namespace torch_npu::ops
