// copy_ between CPU and NPU and between NPUs (_copy_from and
// _copy_from_and_resize): one memcpy when the bytes already line up, host
// staging (HostMirror.h) otherwise.
#include <ATen/ops/empty_strided.h>
#include <torch/library.h>

#include "acl/AclApi.h"
#include "aten/HostMirror.h"
#include "npu/NPUEvent.h"
#include "npu/NPUException.h"
#include "npu/NPUGraph.h"
#include "npu/NPUGraphsUtils.h"
#include "npu/NPUGuardImpl.h"
#include "npu/NPUHostAllocator.h"
#include "npu/NPUPeerAccess.h"
#include "npu/NPURecovery.h"
#include "npu/NPUStream.h"

namespace torch_npu::aten {
namespace {

// True when dst's bytes are exactly src's bytes: same dtype, same geometry,
// dense, and the same lazy conj/neg interpretation.
bool bytesLineUp(const at::Tensor& src, const at::Tensor& dst) {
  return src.scalar_type() == dst.scalar_type() && src.sizes() == dst.sizes() && src.strides() == dst.strides() &&
         src.is_non_overlapping_and_dense() && src.is_conj() == dst.is_conj() && src.is_neg() == dst.is_neg();
}

size_t spanBytes(const at::Tensor& tensor) {
  return at::detail::computeStorageNbytes(tensor.sizes(), tensor.strides(), tensor.element_size());
}

void memcpyOnStream(void* dst, const void* src, size_t bytes, aclrtMemcpyKind kind, const npu::NPUStream& stream) {
  npu::checkNotStopped(stream.device_index());
  if (bytes > 0) {
    NPU_CHECK(acl::aclrtMemcpyAsync(dst, bytes, src, bytes, kind, stream));
  }
}

void copyHostToDevice(const at::Tensor& src, const at::Tensor& dst, bool non_blocking) {
  const npu::NPUGuard guard(dst.device());
  const npu::NPUStream stream = npu::getCurrentNPUStream();
  if (!dst.is_non_overlapping_and_dense()) {
    at::Tensor mirror = readToHost(dst, stream);
    mirror.copy_(src);
    writeFromHost(mirror, dst, stream);
    return;
  }
  const bool pinned = npu::isPinnedPointer(src.const_data_ptr());
  const bool capturing = npu::capturesUnderway() > 0 && npu::isStreamCapturing(stream.stream());
  // A Python scalar that an operator needs on the device is a constant of a capture, as a
  // kernel argument is on CUDA; any other pageable copy cannot be captured (its wait raises).
  const bool capture_constant = capturing && src.unsafeGetTensorImpl()->is_wrapped_number();
  if (bytesLineUp(src, dst) && (pinned || (capturing ? !capture_constant : !non_blocking))) {
    memcpyOnStream(dst.data_ptr(), src.const_data_ptr(), spanBytes(dst), ACL_MEMCPY_HOST_TO_DEVICE, stream);
    if (pinned) {
      recordPinnedUse(src, stream);
      if (non_blocking) {
        return;
      }
    }
    stream.synchronize();  // blocking: the copy is done when it returns, as CUDA's
    return;
  }
  // Into pinned staging laid out like dst (converting if need be), then one async memcpy: the
  // caller may reuse a pageable src at once without a wait (a wrapped scalar operand, say).
  at::Tensor staging = emptyPinned(dst.sizes(), dst.strides(), dst.scalar_type());
  staging.copy_(src);
  if (dst.is_conj()) {
    staging.conj_physical_();
  }
  if (dst.is_neg()) {
    staging.neg_();
  }
  memcpyOnStream(dst.data_ptr(), staging.const_data_ptr(), spanBytes(dst), ACL_MEMCPY_HOST_TO_DEVICE, stream);
  recordPinnedUse(staging, stream);
  if (capturing) {
    npu::NPUGraph::retainForReplays(stream.stream(), std::move(staging));  // every replay reads it again
  }
}

void copyDeviceToHost(const at::Tensor& src, const at::Tensor& dst, bool non_blocking) {
  const npu::NPUGuard guard(src.device());
  const npu::NPUStream stream = npu::getCurrentNPUStream();
  if (bytesLineUp(src, dst)) {
    memcpyOnStream(dst.mutable_data_ptr(), src.const_data_ptr(), spanBytes(src), ACL_MEMCPY_DEVICE_TO_HOST, stream);
    if (!(non_blocking && npu::isPinnedPointer(dst.const_data_ptr()))) {
      stream.synchronize();
    }
    return;
  }
  dst.copy_(readToHost(src, stream));
}

// As CUDA does: a copy between devices runs on the source device's current stream,
// after the work queued so far on the destination's current stream, which then waits
// for the copy. Each tensor is thus used in the order of its own device's current
// stream, and the host never waits.
void copyDeviceToDevice(const at::Tensor& src, const at::Tensor& dst) {
  const npu::NPUStream src_stream = npu::getCurrentNPUStream(src.device().index());
  const bool across_devices = src.device() != dst.device();
  if (!bytesLineUp(src, dst) ||
      (across_devices && !npu::ensurePeerAccess(src.device().index(), dst.device().index()))) {
    // Strides that do not line up, and devices that cannot reach each other, go through
    // the host: read in src's stream order (the host waits for it), written in dst's.
    const at::Tensor host_src = [&] {
      const npu::NPUGuard guard(src.device());
      return readToHost(src, src_stream);
    }();
    copyHostToDevice(host_src, dst, /*non_blocking=*/true);
    return;
  }
  const npu::NPUStream dst_stream = npu::getCurrentNPUStream(dst.device().index());
  if (!across_devices) {
    const npu::NPUGuard guard(dst.device());
    memcpyOnStream(dst.data_ptr(), src.const_data_ptr(), spanBytes(dst), ACL_MEMCPY_DEVICE_TO_DEVICE, dst_stream);
    return;
  }
  npu::NPUEvent dst_ready;
  dst_ready.record(dst_stream);
  dst_ready.block(src_stream);
  {
    const npu::NPUGuard guard(src.device());
    memcpyOnStream(dst.data_ptr(), src.const_data_ptr(), spanBytes(dst), ACL_MEMCPY_DEVICE_TO_DEVICE, src_stream);
  }
  npu::NPUEvent copied;
  copied.record(src_stream);
  copied.block(dst_stream);
}

at::Tensor copy_from(const at::Tensor& self, const at::Tensor& dst, bool non_blocking) {
  TORCH_CHECK(self.defined() && dst.defined(), "copy_ needs defined tensors");
  if (self.numel() == 0) {
    return dst;
  }
  const bool from_npu = self.is_privateuseone();
  const bool to_npu = dst.is_privateuseone();
  TORCH_CHECK(from_npu || self.is_cpu(), "Copying to an NPU tensor from ", self.device(), " is not supported");
  TORCH_CHECK(to_npu || dst.is_cpu(), "Copying from an NPU tensor to ", dst.device(), " is not supported");
  // Broadcasting sources are expanded to dst's shape first, as copy_ allows.
  const at::Tensor src = self.sizes() == dst.sizes() ? self : self.expand(dst.sizes());
  if (from_npu && to_npu) {
    copyDeviceToDevice(src, dst);
  } else if (to_npu) {
    copyHostToDevice(src, dst, non_blocking);
  } else {
    copyDeviceToHost(src, dst, non_blocking);
  }
  return dst;
}

at::Tensor copy_from_and_resize(const at::Tensor& self, const at::Tensor& dst) {
  dst.resize_(self.sizes());
  return copy_from(self, dst, false);
}

}  // namespace

TORCH_LIBRARY_IMPL(aten, PrivateUse1, m) {
  m.impl("_copy_from", TORCH_FN(copy_from));
  m.impl("_copy_from_and_resize", TORCH_FN(copy_from_and_resize));
}



// _copy_from reads and writes the conj/neg bits itself; without these
// fallthroughs the Conjugate/Negative fallbacks would materialize the input
// with clone(), which copies through _copy_from again, without end.
TORCH_LIBRARY_IMPL(aten, Conjugate, m) {
  m.impl("_copy_from", torch::CppFunction::makeFallthrough());
  m.impl("_copy_from_and_resize", torch::CppFunction::makeFallthrough());
}

TORCH_LIBRARY_IMPL(aten, Negative, m) {
  m.impl("_copy_from", torch::CppFunction::makeFallthrough());
  m.impl("_copy_from_and_resize", torch::CppFunction::makeFallthrough());
}
}  // namespace torch_npu::aten
