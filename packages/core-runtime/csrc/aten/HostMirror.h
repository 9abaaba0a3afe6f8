// Host staging for copies the runtime cannot do with one memcpy.
//
// Until the operator layer provides device kernels for strided copies and
// dtype conversion, such copies stage the bytes a device view spans in pinned
// host memory, let ATen's CPU kernels do the element-wise work, and copy the
// span back. Every transfer is ordered on the device's current stream.
#pragma once

#include <ATen/core/Tensor.h>

#include "npu/NPUStream.h"

namespace torch_npu::aten {

// A pinned CPU tensor with `sizes`/`strides` whose storage is freshly allocated.
at::Tensor emptyPinned(c10::IntArrayRef sizes, c10::IntArrayRef strides, at::ScalarType dtype);

// Marks pinned `tensor`'s block as in use by `stream`'s pending work, so the
// cache does not hand it out again until that work finished.
void recordPinnedUse(const at::Tensor& tensor, const npu::NPUStream& stream);

// A CPU view with `device_view`'s geometry and conj/neg bits over a host copy
// of the bytes it spans (read on `stream`, which is synchronized).
at::Tensor readToHost(const at::Tensor& device_view, const npu::NPUStream& stream);

// Writes the span of `host_mirror` (made by readToHost for `device_view`)
// back to the device; asynchronous, the pinned block stays reserved.
void writeFromHost(const at::Tensor& host_mirror, const at::Tensor& device_view, const npu::NPUStream& stream);

}  // namespace torch_npu::aten
