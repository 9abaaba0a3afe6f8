// The live blocks of one memory space, ordered by address, so that any
// address can be mapped to the block containing it. Not thread-safe: the
// owning memory space locks around it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>

#include "host_backing.h"

namespace npu_sim {

// Where one live block lies.
struct BlockSpan {
  std::byte* base;
  size_t size;
  // Where the simulator reaches the block (HostBacking::hostView()).
  std::byte* host_view;

  // Where the simulator reaches the byte at `ptr` inside this block.
  std::byte* hostAddress(const void* ptr) const noexcept {
    return host_view + (static_cast<const std::byte*>(ptr) - base);
  }

  // Whether [ptr, ptr + length) lies inside this block.
  bool covers(const void* ptr, size_t length) const noexcept {
    const auto begin = reinterpret_cast<uintptr_t>(ptr);
    const auto block_begin = reinterpret_cast<uintptr_t>(base);
    return begin >= block_begin && begin - block_begin <= size && length <= size - (begin - block_begin);
  }
};

class LiveBlocks {
 public:
  void insert(HostBacking block) {
    const auto key = reinterpret_cast<uintptr_t>(block.data());
    blocks_.emplace(key, std::move(block));
  }

  // The block containing the byte at `ptr`, if any.
  std::optional<BlockSpan> findContaining(const void* ptr) const {
    const auto address = reinterpret_cast<uintptr_t>(ptr);
    auto next = blocks_.upper_bound(address);
    if (next == blocks_.begin()) return std::nullopt;
    const auto& [base, block] = *std::prev(next);
    if (address - base >= block.size()) return std::nullopt;
    return BlockSpan{block.data(), block.size(), block.hostView()};
  }

  // Removes and returns the block that starts at `ptr`, if any.
  std::optional<HostBacking> extract(const void* ptr) {
    auto found = blocks_.find(reinterpret_cast<uintptr_t>(ptr));
    if (found == blocks_.end()) return std::nullopt;
    HostBacking block = std::move(found->second);
    blocks_.erase(found);
    return block;
  }

 private:
  std::map<uintptr_t, HostBacking> blocks_;
};

}  // namespace npu_sim
