// CANN's dropout bit mask in the simulator: its layout (bit i % 8 of byte
// i / 8 keeps element i; bits padded to a multiple of 128), its checks, and
// the two operators that write and read it, called through the C entry
// points of libopapi_sim.so with the types include/aclnn/ declares.
#include <dlfcn.h>

#include <functional>
#include <string>
#include <vector>

#include "aclnn/aclnn_random.h"
#include "aclnn_fixture.h"
#include "npu_sim_aclnn/random.h"
#include "test_ops.h"

using namespace sim_test;
using namespace aclnn_test;
using aclnn_format::dropoutMaskBytes;
using npu_sim::aclnn::applyDropoutMask;
using npu_sim::aclnn::generateDropoutMask;

namespace {

bool keeps(const std::vector<uint8_t>& mask, int64_t element) { return ((mask[element / 8] >> (element % 8)) & 1) != 0; }

std::vector<uint8_t> bytesOf(const at::Tensor& mask) {
  const at::Tensor dense = mask.contiguous();
  return {dense.data_ptr<uint8_t>(), dense.data_ptr<uint8_t>() + dense.numel()};
}

bool raisesWith(const std::function<void()>& call, const std::string& part) {
  try {
    call();
  } catch (const c10::Error& error) {
    return contains(error.what_without_backtrace(), part);
  }
  return false;
}

template <class Function>
Function symbol(void* library, const char* name) {
  void* address = dlsym(library, name);
  if (address == nullptr) failCheck(__FILE__, __LINE__, std::string("libopapi_sim.so has no ") + name);
  return reinterpret_cast<Function>(address);
}

}  // namespace

TEST_CASE(dropout_mask_bits_are_padded_to_128) {
  CHECK_EQ(dropoutMaskBytes(0), int64_t{0});
  CHECK_EQ(dropoutMaskBytes(1), int64_t{16});
  CHECK_EQ(dropoutMaskBytes(128), int64_t{16});
  CHECK_EQ(dropoutMaskBytes(129), int64_t{32});
  // CANN's own example: align(1111, 128) = 1152 bits.
  CHECK_EQ(dropoutMaskBytes(1111), int64_t{144});
}

TEST_CASE(generated_mask_sets_bit_i_for_each_kept_element_and_leaves_the_padding_zero) {
  const at::Generator generator = npu_sim::aclnn::generatorAt(5, 0);
  at::Tensor everything = at::empty({dropoutMaskBytes(200)}, at::kByte);
  generateDropoutMask(everything, {10, 20}, 0.0, generator);
  const std::vector<uint8_t> all = bytesOf(everything);
  for (size_t byte = 0; byte < all.size(); ++byte) CHECK_EQ(int{all[byte]}, byte < 25 ? 0xFF : 0);

  at::Tensor half = at::empty({dropoutMaskBytes(200)}, at::kByte);
  generateDropoutMask(half, {200}, 0.5, generator);
  const std::vector<uint8_t> bits = bytesOf(half);
  for (size_t byte = 25; byte < bits.size(); ++byte) CHECK_EQ(int{bits[byte]}, 0);
  at::Tensor out = at::empty({200});
  applyDropoutMask(at::ones({200}), half, 0.5, out);
  int64_t kept = 0;
  for (int64_t element = 0; element < 200; ++element) {
    CHECK_EQ(out[element].item<float>(), keeps(bits, element) ? 2.0f : 0.0f);
    kept += keeps(bits, element) ? 1 : 0;
  }
  CHECK(kept > 60 && kept < 140);
}

TEST_CASE(applied_mask_scales_the_kept_elements_and_honours_prob_0_and_1) {
  // Elements 0, 3 and 9 kept: byte 0 = 0b00001001, byte 1 = 0b00000010.
  at::Tensor mask = at::zeros({16}, at::kByte);
  mask[0] = 9;
  mask[1] = 2;
  const at::Tensor self = at::arange(1, 11, at::kFloat);
  at::Tensor out = at::empty({10});
  applyDropoutMask(self, mask, 0.75, out);
  CHECK(at::equal(out, at::tensor({4.0f, 0.0f, 0.0f, 16.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 40.0f})));
  applyDropoutMask(self, at::zeros({16}, at::kByte), 0.0, out);
  CHECK(at::equal(out, self));
  applyDropoutMask(self, mask, 1.0, out);
  CHECK(at::equal(out, at::zeros({10})));
}

TEST_CASE(masks_of_another_size_or_type_are_refused) {
  at::Tensor out = at::empty({10});
  CHECK(raisesWith([&] { applyDropoutMask(at::ones({10}), at::zeros({2}, at::kByte), 0.5, out); },
                   "align(numel, 128) / 8 = 16 bytes, not 2"));
  CHECK(raisesWith([&] { applyDropoutMask(at::ones({10}), at::zeros({16}, at::kBool), 0.5, out); }, "must be UINT8"));
  at::Tensor too_small = at::empty({8}, at::kByte);
  CHECK(raisesWith([&] { generateDropoutMask(too_small, {10}, 0.5, npu_sim::aclnn::generatorAt(1, 0)); },
                   "align(numel, 128) / 8 = 16 bytes, not 8"));
  at::Tensor mask = at::empty({16}, at::kByte);
  CHECK(raisesWith([&] { generateDropoutMask(mask, {10}, 1.5, npu_sim::aclnn::generatorAt(1, 0)); },
                   "prob must be in [0, 1]"));
}

TEST_CASE(dropout_operators_of_the_library_write_and_read_the_bit_mask) {
  ScopedSimulator sim;
  void* library = dlopen(OPAPI_SIM_LIBRARY_PATH, RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) failCheck(__FILE__, __LINE__, std::string("dlopen failed: ") + dlerror());
  const auto gen_mask = symbol<decltype(&aclnnDropoutGenMaskV2GetWorkspaceSize)>(
      library, "aclnnDropoutGenMaskV2GetWorkspaceSize");
  const auto gen_mask_launch = symbol<decltype(&aclnnDropoutGenMaskV2)>(library, "aclnnDropoutGenMaskV2");
  const auto do_mask = symbol<decltype(&aclnnDropoutDoMaskGetWorkspaceSize)>(library,
                                                                             "aclnnDropoutDoMaskGetWorkspaceSize");
  const auto do_mask_launch = symbol<decltype(&aclnnDropoutDoMask)>(library, "aclnnDropoutDoMask");

  constexpr int64_t kElements = 300;
  const int64_t mask_bytes = dropoutMaskBytes(kElements);
  DeviceBuffer input_memory(kElements * sizeof(float));
  DeviceBuffer mask_memory(static_cast<size_t>(mask_bytes));
  DeviceBuffer out_memory(kElements * sizeof(float));
  std::vector<float> input(kElements);
  for (int64_t element = 0; element < kElements; ++element) input[element] = static_cast<float>(element + 1);
  upload(input_memory.get(), input);
  const Owned<aclTensor> self = contiguousTensor(input_memory.get(), {3, 100}, ACL_FLOAT);
  const Owned<aclTensor> mask = contiguousTensor(mask_memory.get(), {mask_bytes}, ACL_UINT8);
  const Owned<aclTensor> out = contiguousTensor(out_memory.get(), {3, 100}, ACL_FLOAT);
  const int64_t dims[] = {3, 100};
  const Owned<aclIntArray> shape(aclCreateIntArray(dims, 2));

  aclrtStream stream = nullptr;
  CHECK_ACL(aclrtCreateStream(&stream));
  CHECK_ACLNN(runAclnn([&](uint64_t* workspace_size, aclOpExecutor** executor) {
    return gen_mask(shape.get(), 0.25, 42, 0, ACL_FLOAT, mask.get(), workspace_size, executor);
  }, gen_mask_launch, stream));
  CHECK_ACLNN(runAclnn([&](uint64_t* workspace_size, aclOpExecutor** executor) {
    return do_mask(self.get(), mask.get(), 0.25, out.get(), workspace_size, executor);
  }, do_mask_launch, stream));
  CHECK_ACL(aclrtSynchronizeStream(stream));

  const std::vector<uint8_t> bits = download<uint8_t>(mask_memory.get(), static_cast<size_t>(mask_bytes));
  const std::vector<float> result = download<float>(out_memory.get(), kElements);
  int64_t kept = 0;
  for (int64_t element = 0; element < kElements; ++element) {
    const float expected = keeps(bits, element) ? input[element] * static_cast<float>(1.0 / 0.75) : 0.0f;
    CHECK_EQ(result[element], expected);
    kept += keeps(bits, element) ? 1 : 0;
  }
  for (int64_t bit = kElements; bit < mask_bytes * 8; ++bit) CHECK(!keeps(bits, bit));
  CHECK(kept > 180 && kept < 270);
  CHECK_ACL(aclrtDestroyStream(stream));
  dlclose(library);
}
