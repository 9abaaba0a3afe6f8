// Virtual memory: aclrtReserveMemAddress, aclrtMallocPhysical, aclrtMapMem
// and their inverses.
//
// A reservation is host address space without access rights. Physical memory
// is a host memory object (memfd), charged to its device's capacity as
// aclrtMalloc memory is, and mapped at reservation addresses with MAP_FIXED,
// so the pages of several handles read as one contiguous range, as on the
// device. Under TORCH_NPU_SIM_PROTECT a reservation has a second range, its
// host view, where each mapping appears too and where the simulator's copies
// and kernels reach it, while the addresses handed out stay inaccessible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "acl/acl_rt.h"
#include "host_backing.h"
#include "live_blocks.h"
#include "memory_arena.h"

namespace npu_sim {

// Mapped memory of one device, contiguous in the address space.
struct MappedSpan {
  int32_t device_index;
  BlockSpan span;
};

class VirtualMemory {
 public:
  // The granularity of reservations, physical memory and mappings: the
  // device's huge page.
  static constexpr size_t kPageSize = size_t{2} << 20;

  explicit VirtualMemory(HostAccess host_access) noexcept : host_access_(host_access) {}
  VirtualMemory(const VirtualMemory&) = delete;
  VirtualMemory& operator=(const VirtualMemory&) = delete;
  ~VirtualMemory();

  aclError reserve(size_t size, size_t alignment, void** out);
  aclError releaseReservation(void* base);
  // Physical memory of `size` bytes on the device whose memory is `arena`.
  aclError allocatePhysical(MemoryArena& arena, int32_t device_index, size_t size, aclrtDrvMemHandle* out);
  aclError freePhysical(aclrtDrvMemHandle handle);
  aclError map(void* address, size_t size, size_t offset, aclrtDrvMemHandle handle);
  aclError unmap(void* address);

  // The largest run of one device's mappings, adjacent in a reservation, that
  // contains the byte at `ptr`.
  std::optional<MappedSpan> findContaining(const void* ptr) const;

 private:
  struct Physical {
    int fd;
    size_t size;
    int32_t device_index;
    MemoryArena* arena;
    int mapping_count = 0;
  };
  struct Mapping {
    size_t size;
    Physical* physical;
  };
  struct Reservation {
    std::byte* base;
    std::byte* host_view;  // == base unless the simulator alone may access device memory
    size_t size;
    std::map<size_t, Mapping> mappings;  // by offset in the reservation
  };

  // The reservation containing `ptr`, or null.
  Reservation* reservationAt(const void* ptr);
  const Reservation* reservationAt(const void* ptr) const;
  Physical* physicalOf(aclrtDrvMemHandle handle);
  // Puts fresh inaccessible pages at [address, address + size) of the host
  // address space, discarding any mapping there.
  static bool clearRange(std::byte* address, size_t size) noexcept;
  static void releaseReservationPages(const Reservation& reservation) noexcept;

  const HostAccess host_access_;
  mutable std::mutex mutex_;
  std::map<uintptr_t, Reservation> reservations_;  // by base address
  std::map<uintptr_t, std::unique_ptr<Physical>> physicals_;  // by handle value
};

}  // namespace npu_sim
