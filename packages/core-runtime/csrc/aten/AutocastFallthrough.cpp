// Under torch.autocast("npu"), ops without an autocast rule run unchanged.
// The per-op fp16/bf16 rules arrive with the operator layer (aten-ops).
#include <torch/library.h>

TORCH_LIBRARY_IMPL(_, AutocastPrivateUse1, m) {
  m.fallback(torch::CppFunction::makeFallthrough());
}
