#include "npu_sim_aclnn/rotary.h"

#include <ATen/ATen.h>

namespace npu_sim::aclnn {
namespace {

constexpr int64_t kHalf = 0;
constexpr int64_t kInterleave = 1;

// (first, second) halves or pairs -> (sign * second, -sign * first): sign 1 rotates, -1 is the adjoint.
at::Tensor turn(const at::Tensor& x, int64_t mode, int sign) {
  TORCH_CHECK(mode == kHalf || mode == kInterleave, "aclnnRotaryPositionEmbedding: mode ", mode,
              " is not supported on this SoC (0: half, 1: interleave)");
  TORCH_CHECK(x.size(-1) % 2 == 0, "aclnnRotaryPositionEmbedding: the last dimension (", x.size(-1),
              ") must be even");
  if (mode == kHalf) {
    const auto halves = x.chunk(2, -1);
    return at::cat({halves[1] * -sign, halves[0] * sign}, -1);
  }
  const at::Tensor pairs = x.unflatten(-1, {-1, 2});
  return at::stack({pairs.select(-1, 1) * -sign, pairs.select(-1, 0) * sign}, -1).flatten(-2);
}

}  // namespace

at::Tensor rotate(const at::Tensor& x, int64_t mode) { return turn(x, mode, 1); }

at::Tensor rotateAdjoint(const at::Tensor& grad, int64_t mode) { return turn(grad, mode, -1); }

}  // namespace npu_sim::aclnn
