// The switches of torch.npu.set_option and of torch.npu.matmul / conv / config,
// by the reference's option names ("ALLOW_MATMUL_HF32", "CUBE_MATH_TYPE", ...).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace torch_npu::npu {

// aclnn's cubeMathType: how the cube unit computes a matmul or convolution.
enum class CubeMathType : int8_t {
  KeepDtype = 0,               // KEEP_DTYPE
  AllowFp32DownPrecision = 1,  // ALLOW_FP32_DOWN_PRECISION: float32 in HFLOAT32
  UseFp16 = 2,                 // USE_FP16
  UseHf32 = 3,                 // USE_HF32
};

// Records `value` for `name`; raises for a value outside an option's choices.
// Options that govern our operators take effect at the next call.
void set_option(const std::string& name, const std::string& value);
// The value last set, or nullopt for an option never set.
std::optional<std::string> get_option(const std::string& name);

// What matmuls (mm, addmm, bmm) pass to aclnn: CUBE_MATH_TYPE when set ("" unsets it), else
// ALLOW_FP32_DOWN_PRECISION when ALLOW_MATMUL_HF32 is on (off by default, as in CANN).
int8_t matmul_cube_math_type() noexcept;
// What convolutions pass: ALLOW_FP32_DOWN_PRECISION unless ALLOW_CONV_HF32 is
// "disable" (CANN computes float32 convolutions in HFLOAT32 by default).
int8_t conv_cube_math_type() noexcept;

}  // namespace torch_npu::npu
