// Host memory standing in for one simulated allocation (device memory or
// aclrtMallocHost memory).
//
// Large blocks are private anonymous mappings without swap reservation, so
// the host commits pages only when they are touched: a test may allocate most
// of a simulated 64 GiB device on a small machine as long as it does not
// write all of it. Small blocks come from the C heap. Every block is at least
// 512-byte aligned, like device memory.
#pragma once

#include <cstddef>
#include <optional>

namespace npu_sim {

class HostBacking {
 public:
  static constexpr size_t kAlignment = 512;

  // Reserves `size` (> 0) bytes; nullopt when the host has no address space left.
  static std::optional<HostBacking> reserve(size_t size);

  HostBacking(HostBacking&& other) noexcept;
  HostBacking& operator=(HostBacking&& other) noexcept;
  HostBacking(const HostBacking&) = delete;
  HostBacking& operator=(const HostBacking&) = delete;
  ~HostBacking();

  std::byte* data() const noexcept { return data_; }
  // The size that was asked for: accesses beyond it are out of bounds.
  size_t size() const noexcept { return size_; }
  // The size rounded up to the alignment: what the block occupies.
  size_t footprint() const noexcept { return (size_ + kAlignment - 1) / kAlignment * kAlignment; }

 private:
  HostBacking(std::byte* data, size_t size, size_t mapped_length) noexcept
      : data_(data), size_(size), mapped_length_(mapped_length) {}
  void release() noexcept;

  std::byte* data_ = nullptr;
  size_t size_ = 0;
  size_t mapped_length_ = 0;  // 0: the block came from the C heap
};

}  // namespace npu_sim
