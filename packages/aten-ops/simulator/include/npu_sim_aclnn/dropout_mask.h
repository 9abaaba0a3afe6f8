// CANN's dropout mask, which the simulated aclnnDropoutGenMaskV2 writes and
// aclnnDropoutDoMask reads: a UINT8 tensor of align(numel, 128) / 8 bytes in
// which bit i % 8 (least significant first) of byte i / 8 keeps element i of
// the input; the padding bits are 0.
#pragma once

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include <cstdint>

namespace npu_sim::aclnn {

// Writes the mask of a dropout over a tensor of `shape` that drops each
// element with probability `prob`. Raises unless `mask` is UINT8 of
// aclnn_format::dropoutMaskBytes(numel) elements.
void generateDropoutMask(at::Tensor& mask, at::IntArrayRef shape, double prob, const at::Generator& generator);

// out = self / (1 - prob) where `mask` keeps an element, else 0. As CANN
// documents, prob 0 leaves self unchanged and prob 1 zeroes it, whatever the
// mask holds. Raises unless `mask` fits self.
void applyDropoutMask(const at::Tensor& self, const at::Tensor& mask, double prob, at::Tensor& out);

// The element-wise keep flags (bool) of a mask over a tensor of `shape`, for
// the operators that take a mask from aclnnDropoutGenMaskV2.
at::Tensor keptByDropoutMask(const at::Tensor& mask, at::IntArrayRef shape);

}  // namespace npu_sim::aclnn
