#include "npu/NPUOptions.h"

#include <c10/util/Exception.h>

#include <atomic>
#include <map>
#include <mutex>

namespace torch_npu::npu {
namespace {

constexpr int8_t kNoCubeMathType = -1;

std::mutex options_mutex;
std::map<std::string, std::string>& options() {
  static std::map<std::string, std::string> values;
  return values;
}

// Read by every matmul and convolution launch: kept apart from the map.
std::atomic<bool> matmul_hf32{false};
std::atomic<bool> conv_hf32{true};
std::atomic<int8_t> cube_math_type{kNoCubeMathType};

bool enabled(const std::string& name, const std::string& value) {
  TORCH_CHECK(value == "enable" || value == "disable", "value of ", name,
              " should be in ['enable', 'disable'] but got ", value);
  return value == "enable";
}

int8_t cubeMathTypeOf(const std::string& value) {
  if (value.empty()) return kNoCubeMathType;  // unset: ALLOW_MATMUL_HF32 decides again
  // The reference's CubeMathType values: 0-3 as aclnn defines them, and 4 (USE_FP32_ADD).
  TORCH_CHECK(value.size() == 1 && value[0] >= '0' && value[0] <= '4',
              "value of CUBE_MATH_TYPE should be in ['0', '1', '2', '3', '4'] but got ", value);
  return static_cast<int8_t>(value[0] - '0');
}

}  // namespace

void set_option(const std::string& name, const std::string& value) {
  const std::lock_guard<std::mutex> lock(options_mutex);
  if (name == "ALLOW_MATMUL_HF32") {
    matmul_hf32 = enabled(name, value);
  } else if (name == "ALLOW_CONV_HF32") {
    conv_hf32 = enabled(name, value);
  } else if (name == "CUBE_MATH_TYPE") {
    cube_math_type = cubeMathTypeOf(value);
  } else if (name == "ALLOW_INTERNAL_FORMAT" || name == "MM_BMM_ND_ENABLE" || name == "jitCompile") {
    enabled(name, value);  // recorded only: our operators keep ND data and compile nothing
  }
  options()[name] = value;
}

std::optional<std::string> get_option(const std::string& name) {
  const std::lock_guard<std::mutex> lock(options_mutex);
  const auto found = options().find(name);
  if (found == options().end()) return std::nullopt;
  return found->second;
}

int8_t matmul_cube_math_type() noexcept {
  const int8_t chosen = cube_math_type.load(std::memory_order_relaxed);
  if (chosen != kNoCubeMathType) return chosen;
  return static_cast<int8_t>(matmul_hf32.load(std::memory_order_relaxed) ? CubeMathType::AllowFp32DownPrecision
                                                                          : CubeMathType::KeepDtype);
}

int8_t conv_cube_math_type() noexcept {
  return static_cast<int8_t>(conv_hf32.load(std::memory_order_relaxed) ? CubeMathType::AllowFp32DownPrecision
                                                                        : CubeMathType::KeepDtype);
}

}  // namespace torch_npu::npu
