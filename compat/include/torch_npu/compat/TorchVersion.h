// Compile-time PyTorch version checks, so one source tree builds against
// every PyTorch of the matrix: `#if TORCH_NPU_TORCH_AT_LEAST(2, 9) ... #endif`.
#pragma once

#include <torch/version.h>

#define TORCH_NPU_TORCH_VERSION_CODE(major, minor) ((major) * 100 + (minor))
#define TORCH_NPU_TORCH_AT_LEAST(major, minor) \
  (TORCH_NPU_TORCH_VERSION_CODE(TORCH_VERSION_MAJOR, TORCH_VERSION_MINOR) >= TORCH_NPU_TORCH_VERSION_CODE(major, minor))
