// The boxed CPU fallback: runs any op without an NPU kernel on the CPU.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace torch_npu::aten {

// How often each operator fell back since start (or the last reset).
std::map<std::string, int64_t> fallbackCounts();
void resetFallbackCounts();

}  // namespace torch_npu::aten
