// Helpers shared by the libopapi_sim tests: device buffers, owned
// descriptors, and the two-phase call.
#pragma once

#include <ATen/ATen.h>
// c10's logging macros share names with the test harness's checks; the
// harness's are the ones meant here.
#include <c10/util/Logging.h>
#undef CHECK
#undef CHECK_EQ

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "aclnn/acl_meta.h"
#include "npu_sim_aclnn/kernel_support.h"
#include "sim_fixture.h"

namespace aclnn_test {

using sim_test::failCheck;

struct DescriptorDeleter {
  void operator()(const aclTensor* tensor) const { aclDestroyTensor(tensor); }
  void operator()(const aclScalar* scalar) const { aclDestroyScalar(scalar); }
  void operator()(const aclIntArray* array) const { aclDestroyIntArray(array); }
  void operator()(const aclFloatArray* array) const { aclDestroyFloatArray(array); }
  void operator()(const aclBoolArray* array) const { aclDestroyBoolArray(array); }
  void operator()(const aclTensorList* list) const { aclDestroyTensorList(list); }
  void operator()(const aclScalarList* list) const { aclDestroyScalarList(list); }
};
template <class Descriptor>
using Owned = std::unique_ptr<Descriptor, DescriptorDeleter>;

// aclrtMalloc'd memory, freed at the end of the scope (aclrtFree waits for
// the device's streams first).
class DeviceBuffer {
 public:
  explicit DeviceBuffer(size_t bytes) {
    sim_test::checkAcl(aclrtMalloc(&data_, bytes, ACL_MEM_MALLOC_HUGE_FIRST), ACL_SUCCESS, "aclrtMalloc", __FILE__,
                       __LINE__);
  }
  ~DeviceBuffer() {
    if (data_ != nullptr) aclrtFree(data_);
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  void* get() const { return data_; }
  template <class T>
  T* as() const {
    return static_cast<T*>(data_);
  }

 private:
  void* data_ = nullptr;
};

// A descriptor of `sizes`/`strides`/`offset` over `storage_elements`
// elements at `data`.
inline Owned<aclTensor> viewTensor(void* data, const std::vector<int64_t>& sizes, const std::vector<int64_t>& strides,
                                   int64_t offset, aclDataType dtype, int64_t storage_elements) {
  aclTensor* tensor = aclCreateTensor(sizes.data(), sizes.size(), dtype, strides.data(), offset, ACL_FORMAT_ND,
                                      &storage_elements, 1, data);
  if (tensor == nullptr) failCheck(__FILE__, __LINE__, std::string("aclCreateTensor failed: ") + aclGetRecentErrMsg());
  return Owned<aclTensor>(tensor);
}

// A contiguous descriptor whose storage is exactly the view.
inline Owned<aclTensor> contiguousTensor(void* data, const std::vector<int64_t>& sizes, aclDataType dtype) {
  std::vector<int64_t> strides(sizes.size());
  int64_t numel = 1;
  for (size_t dim = sizes.size(); dim-- > 0;) {
    strides[dim] = numel;
    numel *= sizes[dim];
  }
  return viewTensor(data, sizes, strides, 0, dtype, numel);
}

template <class T>
Owned<aclScalar> scalar(T value, aclDataType dtype) {
  aclScalar* created = aclCreateScalar(&value, dtype);
  if (created == nullptr) failCheck(__FILE__, __LINE__, std::string("aclCreateScalar failed: ") + aclGetRecentErrMsg());
  return Owned<aclScalar>(created);
}

template <class T>
std::vector<T> download(const void* device, size_t count) {
  std::vector<T> host(count);
  sim_test::checkAcl(aclrtMemcpy(host.data(), count * sizeof(T), device, count * sizeof(T), ACL_MEMCPY_DEVICE_TO_HOST),
                     ACL_SUCCESS, "aclrtMemcpy", __FILE__, __LINE__);
  return host;
}

template <class T>
void upload(void* device, const std::vector<T>& host) {
  sim_test::checkAcl(aclrtMemcpy(device, host.size() * sizeof(T), host.data(), host.size() * sizeof(T),
                                 ACL_MEMCPY_HOST_TO_DEVICE),
                     ACL_SUCCESS, "aclrtMemcpy", __FILE__, __LINE__);
}

inline std::string recentError() { return aclGetRecentErrMsg(); }

inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace aclnn_test

#define CHECK_ACLNN(call) ::sim_test::checkAcl((call), ACLNN_SUCCESS, #call, __FILE__, __LINE__)
#define CHECK_ACLNN_ERROR(call, code) ::sim_test::checkAcl((call), (code), #call, __FILE__, __LINE__)
