// Under torch.autocast("npu"), operators without a cast rule run unchanged.
// The rules themselves belong to the operator layer (aten-ops/csrc/Autocast.cpp).
#include <torch/library.h>

TORCH_LIBRARY_IMPL(_, AutocastPrivateUse1, m) {
  m.fallback(torch::CppFunction::makeFallthrough());
}
