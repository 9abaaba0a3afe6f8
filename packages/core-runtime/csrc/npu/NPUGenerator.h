// Per-device random generators, in the shape of CUDA's Philox generator:
// the state is a 64-bit seed plus a 64-bit offset that kernels advance, so a
// seeded run is reproducible and the state round-trips as 16 bytes.
#pragma once

#include <ATen/core/Generator.h>
#include <c10/core/GeneratorImpl.h>

namespace torch_npu::npu {

struct NPUGeneratorImpl final : public c10::GeneratorImpl {
  explicit NPUGeneratorImpl(c10::DeviceIndex device = -1);

  void set_current_seed(uint64_t seed) override;
  uint64_t current_seed() const override;
  uint64_t seed() override;
  void set_offset(uint64_t offset) override;
  uint64_t get_offset() const override;
  void set_state(const c10::TensorImpl& new_state) override;
  c10::intrusive_ptr<c10::TensorImpl> get_state() const override;

  // Reserves `increment` (rounded up to a multiple of 4) numbers of the
  // stream and returns the {seed, offset} a kernel should start from.
  std::pair<uint64_t, uint64_t> philox_seed_and_offset(uint64_t increment);

  static c10::DeviceType device_type() { return c10::DeviceType::PrivateUse1; }

 private:
  NPUGeneratorImpl* clone_impl() const override;

  uint64_t seed_;
  uint64_t offset_ = 0;
};

// The default generator of `device` (-1: current device), created on first use.
const at::Generator& getDefaultNPUGenerator(c10::DeviceIndex device = -1);
at::Generator createNPUGenerator(c10::DeviceIndex device = -1);

}  // namespace torch_npu::npu
