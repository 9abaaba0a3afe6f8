// fill_, zero_ and _local_scalar_dense.
#include <ATen/ops/_local_scalar_dense.h>
#include <ATen/ops/empty.h>
#include <ATen/ops/zeros.h>
#include <torch/library.h>

#include "acl/AclApi.h"
#include "aten/HostMirror.h"
#include "npu/NPUException.h"
#include "npu/NPUGraph.h"
#include "npu/NPUGuardImpl.h"
#include "npu/NPUStream.h"

namespace torch_npu::aten {
namespace {

at::Tensor& zero_(at::Tensor& self) {
  if (self.numel() == 0) {
    return self;
  }
  if (!self.is_contiguous()) {
    return self.copy_(at::zeros({}, self.options().device(at::kCPU)));
  }
  const npu::NPUGuard guard(self.device());
  const size_t bytes = self.numel() * self.element_size();
  NPU_CHECK(acl::aclrtMemsetAsync(self.data_ptr(), bytes, 0, bytes, npu::getCurrentNPUStream()));
  return self;
}

at::Tensor& fill_scalar(at::Tensor& self, const at::Scalar& value) {
  if (self.numel() == 0) {
    return self;
  }
  // Lay the value out in pinned memory like self and copy it over asynchronously.
  const npu::NPUGuard guard(self.device());
  at::Tensor staging = emptyPinned(self.sizes(), self.strides(), self.scalar_type());
  staging.fill_(value);
  self.copy_(staging, /*non_blocking=*/true);
  // A capture replays the copy from the same pinned memory, which must keep the value.
  npu::NPUGraph::retainForReplays(npu::getCurrentNPUStream().stream(), std::move(staging));
  return self;
}

at::Tensor& fill_tensor(at::Tensor& self, const at::Tensor& value) {
  TORCH_CHECK(value.dim() == 0, "fill_ only supports 0-dimension value tensor but got tensor with ", value.dim(),
              " dimensions.");
  return fill_scalar(self, value.item());
}

at::Scalar local_scalar_dense(const at::Tensor& self) {
  const npu::NPUGuard guard(self.device());
  at::Tensor host = at::empty({}, self.options().device(at::kCPU));
  const npu::NPUStream stream = npu::getCurrentNPUStream();
  NPU_CHECK(acl::aclrtMemcpyAsync(host.mutable_data_ptr(), host.element_size(), self.const_data_ptr(),
                                  self.element_size(), ACL_MEMCPY_DEVICE_TO_HOST, stream));
  stream.synchronize();
  return at::_local_scalar_dense(host);
}

}  // namespace

TORCH_LIBRARY_IMPL(aten, PrivateUse1, m) {
  m.impl("zero_", TORCH_FN(zero_));
  m.impl("fill_.Scalar", TORCH_FN(fill_scalar));
  m.impl("fill_.Tensor", TORCH_FN(fill_tensor));
  m.impl("_local_scalar_dense", TORCH_FN(local_scalar_dense));
}

}  // namespace torch_npu::aten
