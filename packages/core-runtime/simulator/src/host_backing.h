// Host memory standing in for one simulated allocation (device memory or
// aclrtMallocHost memory).
//
// Device memory may also be made inaccessible to host code, as on hardware
// (TORCH_NPU_SIM_PROTECT): the block is then one memory object mapped twice,
// without access at the addresses handed out (so a host access faults) and
// readable and writable at a second address, hostView(), where the
// simulator's own copies and kernels reach it.
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

// Who may touch a block at the address it is handed out at.
enum class HostAccess {
  Direct,         // any host code (host memory; device memory by default)
  SimulatorOnly,  // nobody: the simulator goes through hostView()
};

class HostBacking {
 public:
  static constexpr size_t kAlignment = 512;

  // Reserves `size` (> 0) bytes; nullopt when the host has no address space left.
  static std::optional<HostBacking> reserve(size_t size, HostAccess access = HostAccess::Direct);

  HostBacking(HostBacking&& other) noexcept;
  HostBacking& operator=(HostBacking&& other) noexcept;
  HostBacking(const HostBacking&) = delete;
  HostBacking& operator=(const HostBacking&) = delete;
  ~HostBacking();

  // The block's address: what aclrtMalloc returns.
  std::byte* data() const noexcept { return data_; }
  // Where the simulator reads and writes the block: data() itself unless
  // the block is HostAccess::SimulatorOnly.
  std::byte* hostView() const noexcept { return host_view_; }
  // The size that was asked for: accesses beyond it are out of bounds.
  size_t size() const noexcept { return size_; }
  // The size rounded up to the alignment: what the block occupies.
  size_t footprint() const noexcept { return (size_ + kAlignment - 1) / kAlignment * kAlignment; }

 private:
  HostBacking(std::byte* data, std::byte* host_view, size_t size, size_t mapped_length) noexcept
      : data_(data), host_view_(host_view), size_(size), mapped_length_(mapped_length) {}
  static std::optional<HostBacking> reserveSimulatorOnly(size_t size);
  void release() noexcept;

  std::byte* data_ = nullptr;
  std::byte* host_view_ = nullptr;  // == data_, or a second mapping of the same pages
  size_t size_ = 0;
  size_t mapped_length_ = 0;  // 0: the block came from the C heap
};

}  // namespace npu_sim
