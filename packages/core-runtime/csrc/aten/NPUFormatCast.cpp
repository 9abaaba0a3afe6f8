// npu_format_cast(_) and get_npu_format: the reference's operators over the
// format recorded in each NPUStorageImpl. The data stays in ND order.
#include <torch/library.h>

#include <optional>

#include "npu/NPUEmptyTensor.h"
#include "npu/NPUGuardImpl.h"
#include "npu/NPUStorageImpl.h"

namespace torch_npu::aten {
namespace {

struct FormatRule {
  aclFormat format;
  const char* name;
  int64_t dims;  // the rank the format lays out; 0 for any, -2 for at least two
};

// CANN's formats that torch_npu.Format names, with the rank each lays out.
constexpr FormatRule kFormats[] = {
    {ACL_FORMAT_NCHW, "NCHW", 4},
    {ACL_FORMAT_NHWC, "NHWC", 4},
    {ACL_FORMAT_ND, "ND", 0},
    {ACL_FORMAT_NC1HWC0, "NC1HWC0", 4},
    {ACL_FORMAT_FRACTAL_Z, "FRACTAL_Z", 4},
    {ACL_FORMAT_NC1HWC0_C04, "NC1HWC0_C04", 4},
    {ACL_FORMAT_HWCN, "HWCN", 4},
    {ACL_FORMAT_NDHWC, "NDHWC", 5},
    {ACL_FORMAT_FRACTAL_NZ, "FRACTAL_NZ", -2},
    {ACL_FORMAT_NCDHW, "NCDHW", 5},
    {ACL_FORMAT_NDC1HWC0, "NDC1HWC0", 5},
    {ACL_FRACTAL_Z_3D, "FRACTAL_Z_3D", 5},
    {ACL_FORMAT_NC, "NC", 2},
    {ACL_FORMAT_NCL, "NCL", 3},
    {ACL_FORMAT_FRACTAL_NZ_C0_16, "FRACTAL_NZ_C0_16", -2},
    {ACL_FORMAT_FRACTAL_NZ_C0_32, "FRACTAL_NZ_C0_32", -2},
};

const FormatRule& ruleOf(int64_t acl_format) {
  for (const FormatRule& rule : kFormats) {
    if (rule.format == acl_format) return rule;
  }
  TORCH_CHECK(false, "npu_format_cast: unknown format ", acl_format, " (torch_npu.Format lists the formats)");
}

// The format a cast of `self` to `acl_format` gives: as torch_npu, a tensor of
// fewer than two dimensions cannot be FRACTAL_NZ (or its C0 variants) and keeps its base format.
aclFormat castTarget(const at::Tensor& self, int64_t acl_format) {
  const FormatRule& rule = ruleOf(acl_format);
  if (rule.dims == -2) {
    if (self.dim() >= 2) return rule.format;
    TORCH_WARN_ONCE("Cannot create tensor with NZ format while dim < 2, tensor will be created with ND format.");
    return npu::base_format(self.dim());
  }
  TORCH_CHECK(rule.dims == 0 || rule.dims == self.dim(), "npu_format_cast: format ", rule.name, " lays out ",
              rule.dims, "-dimensional tensors, got one of ", self.dim(), " dimensions");
  return rule.format;
}

void checkOnNpu(const char* op, const at::Tensor& self) {
  TORCH_CHECK(self.device().type() == c10::DeviceType::PrivateUse1, op, ": expected an npu tensor, got one on ",
              self.device());
}

at::Tensor formatCast(const at::Tensor& self, int64_t acl_format, std::optional<int64_t> customize_dtype) {
  checkOnNpu("npu_format_cast", self);
  TORCH_CHECK(!customize_dtype.has_value(), "npu_format_cast: customize_dtype is not supported yet");
  const aclFormat target = castTarget(self, acl_format);
  if (npu::storage_format(self) == target) return self;
  const npu::NPUGuard guard(self.device());
  at::Tensor result = npu::empty_npu(self.sizes(), self.scalar_type());
  result.copy_(self);
  npu::set_storage_format(result, target);
  return result;
}

at::Tensor& formatCastInPlace(at::Tensor& self, int64_t acl_format) {
  checkOnNpu("npu_format_cast_", self);
  npu::set_storage_format(self, castTarget(self, acl_format));
  return self;
}

at::Tensor& formatCastLike(at::Tensor& self, const at::Tensor& src) {
  checkOnNpu("npu_format_cast_", src);
  return formatCastInPlace(self, npu::storage_format(src));
}

int64_t npuFormat(const at::Tensor& self) {
  checkOnNpu("get_npu_format", self);
  return npu::storage_format(self);
}

}  // namespace

TORCH_LIBRARY_FRAGMENT(npu, m) {
  m.def("npu_format_cast(Tensor self, int acl_format, int? customize_dtype=None) -> Tensor");
  m.def("npu_format_cast_(Tensor(a!) self, Tensor src) -> Tensor(a!)");
  m.def("npu_format_cast_.acl_format(Tensor(a!) self, int acl_format) -> Tensor(a!)");
  m.def("get_npu_format(Tensor self) -> int");
}

TORCH_LIBRARY_IMPL(npu, PrivateUse1, m) {
  m.impl("npu_format_cast", TORCH_FN(formatCast));
  m.impl("npu_format_cast_", TORCH_FN(formatCastLike));
  m.impl("npu_format_cast_.acl_format", TORCH_FN(formatCastInPlace));
}

// For every backend, so that a CPU tensor hears why it has no NPU format.
TORCH_LIBRARY_IMPL(npu, CompositeExplicitAutograd, m) { m.impl("get_npu_format", TORCH_FN(npuFormat)); }

}  // namespace torch_npu::aten
