// torch 2.9 registers no backend fallback for AutogradPrivateUse1 (2.13 does,
// as for the other backends' autograd keys): an operator without an autograd
// kernel of its own, such as every c10d collective, then fails on npu tensors
// with "Could not run 'c10d::allreduce_' with arguments from the 'Autogradnpu'
// backend". Detected at run time, not by version: the fall-through is
// registered only where torch has none.
#pragma once

#include <ATen/core/dispatch/Dispatcher.h>
#include <torch/library.h>

namespace torch_npu::compat {

inline void ensureAutogradPrivateUse1Fallback() {
  if (c10::Dispatcher::singleton().hasBackendFallbackForDispatchKey(c10::DispatchKey::AutogradPrivateUse1)) {
    return;
  }
  static torch::Library library(torch::Library::IMPL, "_", c10::DispatchKey::AutogradPrivateUse1, __FILE__,
                                __LINE__);
  library.fallback(torch::CppFunction::makeFallthrough());
}

}  // namespace torch_npu::compat
