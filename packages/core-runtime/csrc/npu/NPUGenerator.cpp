#include "npu/NPUGenerator.h"

#include <ATen/Utils.h>
#include <ATen/core/GeneratorForPrivateuseone.h>
#include <ATen/ops/empty.h>
#include <c10/core/TensorImpl.h>

#include <cstring>
#include <deque>
#include <mutex>

#include "npu/NPUFunctions.h"
#include "npu/NPUGraph.h"
#include "npu/NPUGraphsUtils.h"

namespace torch_npu::npu {
namespace {

constexpr size_t kStateBytes = sizeof(uint64_t) * 2;

c10::DeviceIndex resolve(c10::DeviceIndex device) {
  if (device < 0) {
    return current_device();
  }
  check_device_index(device);
  return device;
}

}  // namespace

NPUGeneratorImpl::NPUGeneratorImpl(c10::DeviceIndex device)
    : c10::GeneratorImpl(c10::Device(c10::DeviceType::PrivateUse1, device),
                         c10::DispatchKeySet(c10::DispatchKey::PrivateUse1)),
      seed_(c10::detail::getNonDeterministicRandom()) {}

void NPUGeneratorImpl::set_current_seed(uint64_t seed) {
  seed_ = seed;
  offset_ = 0;
}

uint64_t NPUGeneratorImpl::current_seed() const {
  return seed_;
}

uint64_t NPUGeneratorImpl::seed() {
  set_current_seed(c10::detail::getNonDeterministicRandom());
  return seed_;
}

void NPUGeneratorImpl::set_offset(uint64_t offset) {
  TORCH_CHECK(offset % 4 == 0, "offset must be a multiple of 4");
  offset_ = offset;
}

uint64_t NPUGeneratorImpl::get_offset() const {
  return offset_;
}

c10::intrusive_ptr<c10::TensorImpl> NPUGeneratorImpl::get_state() const {
  at::Tensor state = at::empty({static_cast<int64_t>(kStateBytes)}, at::TensorOptions().dtype(at::kByte));
  const uint64_t words[2] = {seed_, offset_};
  std::memcpy(state.data_ptr(), words, kStateBytes);
  return state.getIntrusivePtr();
}

void NPUGeneratorImpl::set_state(const c10::TensorImpl& new_state) {
  at::detail::check_rng_state(new_state);
  TORCH_CHECK(new_state.numel() == static_cast<int64_t>(kStateBytes), "RNG state is wrong size: expected ",
              kStateBytes, " bytes (seed and offset), got ", new_state.numel());
  uint64_t words[2];
  std::memcpy(words, new_state.data(), kStateBytes);
  seed_ = words[0];
  set_offset(words[1]);
}

std::pair<uint64_t, uint64_t> NPUGeneratorImpl::philox_seed_and_offset(uint64_t increment) {
  // A captured kernel keeps the seed and offset it was launched with, so
  // every replay would draw the same numbers.
  TORCH_CHECK_NOT_IMPLEMENTED(capturesUnderway() == 0 || !isCurrentStreamCapturing(),
                              "Random number generation during NPU graph capture is not supported yet: each replay "
                              "would repeat the random numbers of the capture.");
  const uint64_t start = offset_;
  offset_ += ((increment + 3) / 4) * 4;
  return {seed_, start};
}

NPUGeneratorImpl* NPUGeneratorImpl::clone_impl() const {
  auto* copy = new NPUGeneratorImpl(device().index());
  copy->seed_ = seed_;
  copy->offset_ = offset_;
  return copy;
}

const at::Generator& getDefaultNPUGenerator(c10::DeviceIndex device) {
  static std::once_flag once;
  static std::deque<at::Generator> generators;
  std::call_once(once, [] {
    for (c10::DeviceIndex index = 0; index < device_count_ensure_non_zero(); ++index) {
      generators.push_back(at::make_generator<NPUGeneratorImpl>(index));
    }
  });
  return generators[resolve(device)];
}

at::Generator createNPUGenerator(c10::DeviceIndex device) {
  return at::make_generator<NPUGeneratorImpl>(resolve(device));
}

}  // namespace torch_npu::npu
