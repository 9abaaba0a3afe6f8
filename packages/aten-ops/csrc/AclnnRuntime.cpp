#include "AclnnRuntime.h"

#include <dlfcn.h>

#include <filesystem>
#include <string>

#include <c10/core/CachingDeviceAllocator.h>
#include <c10/util/Exception.h>

#include "acl/AclApi.h"
#include "npu/NPUException.h"
#include "npu/NPUStream.h"
#include "torch_npu_ops/AclDataTypes.h"

namespace torch_npu::ops::aclnn {
namespace {

// The libraries aclnn symbols live in, opened once for the process.
struct OperatorLibraries {
  std::vector<void*> handles;
};

void* openOrFail(const std::string& path) {
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  TORCH_CHECK(handle != nullptr, "torch_npu could not load the operator library ", path, ": ", dlerror());
  return handle;
}

std::string besideThisLibrary(const char* file) {
  Dl_info self{};
  TORCH_CHECK(dladdr(reinterpret_cast<void*>(&resolveSymbol), &self) != 0 && self.dli_fname != nullptr,
              "torch_npu could not locate its operator library");
  return (std::filesystem::path(self.dli_fname).parent_path() / file).string();
}

const OperatorLibraries& libraries() {
  static const OperatorLibraries loaded = [] {
    const acl::RuntimeInfo& runtime = acl::runtimeInfo();
    if (runtime.is_simulator) {
      return OperatorLibraries{{openOrFail(besideThisLibrary("libopapi_sim.so"))}};
    }
    const std::string lib64 = runtime.toolkit_home + "/lib64/";
    return OperatorLibraries{{openOrFail(lib64 + "libnnopbase.so"), openOrFail(lib64 + "libopapi.so")}};
  }();
  return loaded;
}

}  // namespace

void* resolveSymbol(const char* name) {
  for (void* handle : libraries().handles) {
    if (void* symbol = dlsym(handle, name)) {
      return symbol;
    }
  }
  TORCH_CHECK(false, "The operator library of the loaded CANN runtime has no ", name,
              "; install a CANN version that provides it.");
}

void DescriptorDeleter::operator()(const aclTensor* tensor) const {
  static const auto destroy = TORCH_NPU_RESOLVE_ACLNN(aclDestroyTensor);
  destroy(tensor);
}
void DescriptorDeleter::operator()(const aclScalar* scalar) const {
  static const auto destroy = TORCH_NPU_RESOLVE_ACLNN(aclDestroyScalar);
  destroy(scalar);
}
void DescriptorDeleter::operator()(const aclIntArray* array) const {
  static const auto destroy = TORCH_NPU_RESOLVE_ACLNN(aclDestroyIntArray);
  destroy(array);
}
void DescriptorDeleter::operator()(const aclBoolArray* array) const {
  static const auto destroy = TORCH_NPU_RESOLVE_ACLNN(aclDestroyBoolArray);
  destroy(array);
}
void DescriptorDeleter::operator()(const aclTensorList* list) const {
  static const auto destroy = TORCH_NPU_RESOLVE_ACLNN(aclDestroyTensorList);
  destroy(list);
}
void DescriptorDeleter::operator()(const aclScalarList* list) const {
  static const auto destroy = TORCH_NPU_RESOLVE_ACLNN(aclDestroyScalarList);
  destroy(list);
}

aclDataType toAclDataType(at::ScalarType type) {
#define TORCH_NPU_TO_ACL_DATA_TYPE(aten, acl) \
  case aten:                                  \
    return acl;
  switch (type) {
    TORCH_NPU_ACL_DATA_TYPES(TORCH_NPU_TO_ACL_DATA_TYPE)
    default:
      TORCH_CHECK_TYPE(false, "NPU operators do not support dtype ", type);
  }
#undef TORCH_NPU_TO_ACL_DATA_TYPE
}

AclTensor toAclTensor(const at::Tensor& tensor) {
  if (!tensor.defined()) {
    return AclTensor(nullptr);
  }
  static const auto create = TORCH_NPU_RESOLVE_ACLNN(aclCreateTensor);
  const int64_t storage_elements = static_cast<int64_t>(tensor.storage().nbytes() / tensor.element_size());
  aclTensor* descriptor =
      create(tensor.sizes().data(), tensor.dim(), toAclDataType(tensor.scalar_type()), tensor.strides().data(),
             tensor.storage_offset(), ACL_FORMAT_ND, &storage_elements, 1,
             const_cast<void*>(tensor.storage().data()));
  TORCH_CHECK(descriptor != nullptr, "aclCreateTensor failed for a tensor of shape ", tensor.sizes());
  return AclTensor(descriptor);
}

AclTensor toAclTensor(const std::optional<at::Tensor>& tensor) {
  return tensor.has_value() ? toAclTensor(*tensor) : AclTensor(nullptr);
}

AclScalar toAclScalar(const at::Scalar& scalar) {
  static const auto create = TORCH_NPU_RESOLVE_ACLNN(aclCreateScalar);
  aclScalar* descriptor = nullptr;
  if (scalar.isBoolean()) {
    bool value = scalar.toBool();
    descriptor = create(&value, ACL_BOOL);
  } else if (scalar.isIntegral(false)) {
    int64_t value = scalar.toLong();
    descriptor = create(&value, ACL_INT64);
  } else if (scalar.isComplex()) {
    c10::complex<double> value = scalar.toComplexDouble();
    descriptor = create(&value, ACL_COMPLEX128);
  } else {
    double value = scalar.toDouble();
    descriptor = create(&value, ACL_DOUBLE);
  }
  TORCH_CHECK(descriptor != nullptr, "aclCreateScalar failed for a scalar of type ", scalar.type());
  return AclScalar(descriptor);
}

AclIntArray toAclIntArray(at::IntArrayRef values) {
  static const auto create = TORCH_NPU_RESOLVE_ACLNN(aclCreateIntArray);
  return AclIntArray(create(values.data(), values.size()));
}

AclBoolArray toAclBoolArray(at::ArrayRef<bool> values) {
  static const auto create = TORCH_NPU_RESOLVE_ACLNN(aclCreateBoolArray);
  return AclBoolArray(create(values.data(), values.size()));
}

AclTensorList toAclTensorList(at::TensorList tensors) {
  static const auto create = TORCH_NPU_RESOLVE_ACLNN(aclCreateTensorList);
  // The list takes ownership of its elements.
  std::vector<const aclTensor*> elements;
  elements.reserve(tensors.size());
  for (const at::Tensor& tensor : tensors) {
    elements.push_back(toAclTensor(tensor).release());
  }
  return AclTensorList(create(elements.data(), elements.size()));
}

AclTensorList toAclTensorList(const std::optional<at::TensorList>& tensors) {
  return tensors.has_value() ? toAclTensorList(*tensors) : AclTensorList(nullptr);
}

AclScalarList toAclScalarList(at::ArrayRef<at::Scalar> scalars) {
  static const auto create = TORCH_NPU_RESOLVE_ACLNN(aclCreateScalarList);
  std::vector<const aclScalar*> elements;
  elements.reserve(scalars.size());
  for (const at::Scalar& scalar : scalars) {
    elements.push_back(toAclScalar(scalar).release());
  }
  return AclScalarList(create(elements.data(), elements.size()));
}

void checkStatus(aclnnStatus status, const char* op, const char* phase) {
  if (C10_UNLIKELY(status != ACLNN_SUCCESS)) {
    npu::throwAclError(status, (std::string(op) + phase).c_str(), __FILE__, __LINE__);
  }
}

void launchOnCurrentStream(const char* op, uint64_t workspace_size, aclOpExecutor* executor, LaunchFunction launch) {
  c10::DataPtr workspace;
  if (workspace_size > 0) {
    // Freed when this returns; the allocator reuses it only in this stream's order.
    workspace = c10::GetAllocator(c10::DeviceType::PrivateUse1)->allocate(workspace_size);
  }
  checkStatus(launch(workspace.get(), workspace_size, executor, npu::getCurrentNPUStream()), op, "");
}

std::vector<int64_t> viewShapeAfterRun(const char* op, const aclTensor* output) {
  static const auto get_view_shape = TORCH_NPU_RESOLVE_ACLNN(aclGetViewShape);
  npu::getCurrentNPUStream().synchronize();
  int64_t* dims = nullptr;
  uint64_t dims_num = 0;
  checkStatus(get_view_shape(output, &dims, &dims_num), op, " aclGetViewShape");
  // CANN allocates the array with new[]; the caller frees it.
  const std::unique_ptr<int64_t[]> owned(dims);
  return std::vector<int64_t>(dims, dims + dims_num);
}

}  // namespace torch_npu::ops::aclnn
