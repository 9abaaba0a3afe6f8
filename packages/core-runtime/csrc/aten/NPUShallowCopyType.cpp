// _has_compatible_shallow_copy_type: CPU and NPU dense tensors are
// compatible, as CPU and CUDA ones are.
//
// c10's TensorImpl lists the dense backends that may take each other's data
// by `param.data = ...`, and PrivateUse1 is not among them. Without this,
// Module.npu()/.to("npu")/.cpu() replace each Parameter with a new one instead
// of moving it, so parameters that two modules share (tied input and output
// embeddings) become two parameters, and the optimizer a user built before
// the move no longer holds the model's parameters.
#include <torch/library.h>

namespace torch_npu::aten {
namespace {

bool isDenseCpuOrNpu(c10::DispatchKeySet keys) {
  return keys.has(c10::DispatchKey::Dense) && (keys.has_backend(c10::BackendComponent::CPUBit) ||
                                               keys.has_backend(c10::BackendComponent::PrivateUse1Bit));
}

bool has_compatible_shallow_copy_type(const at::Tensor& self, const at::Tensor& from) {
  if (self.unsafeGetTensorImpl()->has_compatible_shallow_copy_type(from.key_set())) return true;
  return isDenseCpuOrNpu(self.key_set()) && isDenseCpuOrNpu(from.key_set());
}

}  // namespace

// Autograd keys come first whenever either tensor has them (the usual case);
// PrivateUse1 serves inference tensors, which carry no autograd keys.
TORCH_LIBRARY_IMPL(aten, AutogradPrivateUse1, m) {
  m.impl("_has_compatible_shallow_copy_type", TORCH_FN(has_compatible_shallow_copy_type));
}
TORCH_LIBRARY_IMPL(aten, PrivateUse1, m) {
  m.impl("_has_compatible_shallow_copy_type", TORCH_FN(has_compatible_shallow_copy_type));
}

}  // namespace torch_npu::aten
