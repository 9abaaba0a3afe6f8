// libopapi_sim.so loads the way the operator layer loads it (dlopen with
// RTLD_LOCAL, then dlsym) and exports CANN's names only.
#include <dlfcn.h>

#include <string>

#include "aclnn_fixture.h"

using namespace sim_test;
using namespace aclnn_test;

TEST_CASE(library_exports_the_descriptor_api_and_nothing_internal) {
  void* library = dlopen(OPAPI_SIM_LIBRARY_PATH, RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) failCheck(__FILE__, __LINE__, std::string("dlopen failed: ") + dlerror());
  std::string missing;
  for (const char* name :
       {"aclCreateTensor", "aclCreateScalar", "aclCreateIntArray", "aclCreateFloatArray", "aclCreateBoolArray",
        "aclCreateTensorList", "aclCreateScalarList", "aclDestroyTensor", "aclDestroyScalar", "aclDestroyIntArray",
        "aclDestroyFloatArray", "aclDestroyBoolArray", "aclDestroyTensorList", "aclDestroyScalarList"}) {
    if (dlsym(library, name) == nullptr) missing += std::string(" ") + name;
  }
  const bool support_hidden = dlsym(library, "_ZN7npu_sim5aclnn6launchEP13aclOpExecutorPvmS3_") == nullptr &&
                              dlsym(library, "_ZN7npu_sim5aclnn6toAtenEPK9aclTensor") == nullptr;

  // The library's own descriptors work through the resolved entry points.
  using Create = aclIntArray* (*)(const int64_t*, uint64_t);
  using Destroy = aclnnStatus (*)(const aclIntArray*);
  const auto create = reinterpret_cast<Create>(dlsym(library, "aclCreateIntArray"));
  const auto destroy = reinterpret_cast<Destroy>(dlsym(library, "aclDestroyIntArray"));
  aclnnStatus destroyed = -1;
  if (create != nullptr && destroy != nullptr) {
    const int64_t values[] = {1, 2};
    destroyed = destroy(create(values, 2));
  }
  dlclose(library);
  if (!missing.empty()) failCheck(__FILE__, __LINE__, "not exported:" + missing);
  CHECK(support_hidden);
  CHECK_EQ(destroyed, ACLNN_SUCCESS);
}
