// torch.autocast("npu"): the cast policy of each operator for
// AutocastPrivateUse1, taken from ATen's shared op lists (the ones CUDA uses),
// so fp16 and bf16 autocast behave on npu as on cuda. Operators on no list
// run unchanged (the fallthrough registered by core-runtime).
#include <ATen/autocast_mode.h>
#include <torch/library.h>

namespace {

// ATen's list of operators registered with a different redispatch signature
// names ATen types unqualified; which ones varies by release (DimnameList up to
// PyTorch 2.9, gone by 2.13), so take the whole namespace.
using namespace at;  // NOLINT(google-build-using-namespace)

#define TORCH_NPU_LOWER_PRECISION(...) KERNEL_PRIVATEUSEONE(__VA_ARGS__, lower_precision_fp)
#define TORCH_NPU_FP32(...) KERNEL_PRIVATEUSEONE(__VA_ARGS__, fp32)
#define TORCH_NPU_FP32_SET_OPT_DTYPE(...) KERNEL_PRIVATEUSEONE(__VA_ARGS__, fp32_set_opt_dtype)
#define TORCH_NPU_PROMOTE(...) KERNEL_PRIVATEUSEONE(__VA_ARGS__, promote)
#define TORCH_NPU_DIFFERENT_REDISPATCH(...) KERNEL_DIFFERENT_REDISPATCH_SIGNATURE_PRIVATEUSEONE(__VA_ARGS__)

TORCH_LIBRARY_IMPL(aten, AutocastPrivateUse1, m) {
  AT_FORALL_LOWER_PRECISION_FP(TORCH_NPU_LOWER_PRECISION)
  AT_FORALL_FP32(TORCH_NPU_FP32)
  AT_FORALL_FP32_SET_OPT_DTYPE(TORCH_NPU_FP32_SET_OPT_DTYPE)
  AT_FORALL_DIFFERENT_REDISPATCH_SIGNATURE(TORCH_NPU_DIFFERENT_REDISPATCH)
  AT_FORALL_PROMOTE(TORCH_NPU_PROMOTE)
}

}  // namespace
