#include "virtual_memory.h"

#include <sys/mman.h>
#include <unistd.h>

#include <iterator>
#include <utility>

#include "device_memory_faults.h"
#include "error.h"

namespace npu_sim {
namespace {

bool isPageMultiple(size_t value) { return value % VirtualMemory::kPageSize == 0; }

// Address space without access rights that commits nothing.
std::byte* mapInaccessible(size_t size) {
  void* range = mmap(nullptr, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return range == MAP_FAILED ? nullptr : static_cast<std::byte*>(range);
}

// `size` bytes of address space at a multiple of `alignment`; the slack around
// the aligned range goes back to the host.
std::byte* mapInaccessibleAligned(size_t size, size_t alignment) {
  std::byte* raw = mapInaccessible(size + alignment);
  if (raw == nullptr) return nullptr;
  const auto address = reinterpret_cast<uintptr_t>(raw);
  std::byte* aligned = raw + (alignment - address % alignment) % alignment;
  if (aligned != raw) munmap(raw, static_cast<size_t>(aligned - raw));
  const size_t tail = static_cast<size_t>((raw + size + alignment) - (aligned + size));
  if (tail != 0) munmap(aligned + size, tail);
  return aligned;
}

}  // namespace

VirtualMemory::~VirtualMemory() {
  for (auto& [base, reservation] : reservations_) {
    for (auto& [offset, mapping] : reservation.mappings) {
      if (host_access_ == HostAccess::SimulatorOnly) removeProtectedRange(reservation.base + offset);
    }
    releaseReservationPages(reservation);
  }
  for (auto& [handle, physical] : physicals_) close(physical->fd);
}

aclError VirtualMemory::reserve(size_t size, size_t alignment, void** out) {
  if (size == 0 || !isPageMultiple(size)) {
    return fail(ACL_ERROR_INVALID_PARAM, "aclrtReserveMemAddress: size %zu is not a positive multiple of %zu bytes",
                size, kPageSize);
  }
  if (alignment != 0 && (alignment & (alignment - 1)) != 0) {
    return fail(ACL_ERROR_INVALID_PARAM, "aclrtReserveMemAddress: alignment %zu is not a power of two", alignment);
  }
  const size_t effective_alignment = alignment > kPageSize ? alignment : kPageSize;
  if (size > SIZE_MAX / 2 - effective_alignment) {
    return fail(ACL_ERROR_RT_MEMORY_ALLOCATION, "aclrtReserveMemAddress: %zu bytes exceed the address space", size);
  }
  std::byte* base = mapInaccessibleAligned(size, effective_alignment);
  std::byte* host_view = base;
  if (base != nullptr && host_access_ == HostAccess::SimulatorOnly) {
    host_view = mapInaccessible(size);
    if (host_view == nullptr) {
      munmap(base, size);
      base = nullptr;
    }
  }
  if (base == nullptr) {
    return fail(ACL_ERROR_RT_MEMORY_ALLOCATION,
                "aclrtReserveMemAddress: the host could not reserve %zu bytes of address space", size);
  }
  std::lock_guard lock(mutex_);
  reservations_.emplace(reinterpret_cast<uintptr_t>(base), Reservation{base, host_view, size, {}});
  *out = base;
  return ACL_SUCCESS;
}

aclError VirtualMemory::releaseReservation(void* base) {
  std::lock_guard lock(mutex_);
  auto found = reservations_.find(reinterpret_cast<uintptr_t>(base));
  if (found == reservations_.end()) {
    return fail(ACL_ERROR_INVALID_PARAM, "aclrtReleaseMemAddress: %p is not the start of a reservation", base);
  }
  if (!found->second.mappings.empty()) {
    return fail(ACL_ERROR_INVALID_PARAM, "aclrtReleaseMemAddress: the reservation at %p still has %zu mappings",
                base, found->second.mappings.size());
  }
  releaseReservationPages(found->second);
  reservations_.erase(found);
  return ACL_SUCCESS;
}

aclError VirtualMemory::allocatePhysical(MemoryArena& arena, int32_t device_index, size_t size,
                                         aclrtDrvMemHandle* out) {
  if (size == 0 || !isPageMultiple(size)) {
    return fail(ACL_ERROR_INVALID_PARAM, "aclrtMallocPhysical: size %zu is not a positive multiple of %zu bytes",
                size, kPageSize);
  }
  if (aclError error = arena.charge(size); error != ACL_SUCCESS) return error;
  const int fd = memfd_create("npu-sim-physical-memory", MFD_CLOEXEC);
  if (fd < 0 || ftruncate(fd, static_cast<off_t>(size)) != 0) {
    if (fd >= 0) close(fd);
    arena.refund(size);
    return fail(ACL_ERROR_RT_MEMORY_ALLOCATION,
                "aclrtMallocPhysical: the host could not create a memory object of %zu bytes for device %d", size,
                device_index);
  }
  auto physical = std::make_unique<Physical>(Physical{fd, size, device_index, &arena});
  const auto handle = reinterpret_cast<uintptr_t>(physical.get());
  std::lock_guard lock(mutex_);
  physicals_.emplace(handle, std::move(physical));
  *out = reinterpret_cast<aclrtDrvMemHandle>(handle);
  return ACL_SUCCESS;
}

aclError VirtualMemory::freePhysical(aclrtDrvMemHandle handle) {
  std::lock_guard lock(mutex_);
  Physical* physical = physicalOf(handle);
  if (physical == nullptr) {
    return fail(ACL_ERROR_INVALID_PARAM, "aclrtFreePhysical: %p is not a live physical memory handle", handle);
  }
  if (physical->mapping_count != 0) {
    return fail(ACL_ERROR_INVALID_PARAM, "aclrtFreePhysical: the memory of handle %p is still mapped %d times",
                handle, physical->mapping_count);
  }
  close(physical->fd);
  physical->arena->refund(physical->size);
  physicals_.erase(reinterpret_cast<uintptr_t>(handle));
  return ACL_SUCCESS;
}

aclError VirtualMemory::map(void* address, size_t size, size_t offset, aclrtDrvMemHandle handle) {
  std::lock_guard lock(mutex_);
  Physical* physical = physicalOf(handle);
  if (physical == nullptr) {
    return fail(ACL_ERROR_INVALID_PARAM, "aclrtMapMem: %p is not a live physical memory handle", handle);
  }
  Reservation* reservation = reservationAt(address);
  if (reservation == nullptr) {
    return fail(ACL_ERROR_INVALID_PARAM, "aclrtMapMem: %p lies in no reservation", address);
  }
  const auto start = static_cast<size_t>(static_cast<std::byte*>(address) - reservation->base);
  if (size == 0 || !isPageMultiple(size) || !isPageMultiple(start) || !isPageMultiple(offset)) {
    return fail(ACL_ERROR_INVALID_PARAM,
                "aclrtMapMem: address %p, size %zu and offset %zu must be multiples of %zu bytes", address, size,
                offset, kPageSize);
  }
  if (size > reservation->size - start || offset > physical->size || size > physical->size - offset) {
    return fail(ACL_ERROR_INVALID_PARAM,
                "aclrtMapMem: %zu bytes at %p (offset %zu of a %zu-byte handle) exceed the reservation or the handle",
                size, address, offset, physical->size);
  }
  auto next = reservation->mappings.lower_bound(start);
  const bool overlaps_next = next != reservation->mappings.end() && next->first < start + size;
  const bool overlaps_previous = next != reservation->mappings.begin() &&
                                 std::prev(next)->first + std::prev(next)->second.size > start;
  if (overlaps_next || overlaps_previous) {
    return fail(ACL_ERROR_INVALID_PARAM, "aclrtMapMem: [%p, +%zu) overlaps a mapping", address, size);
  }
  const bool simulator_only = host_access_ == HostAccess::SimulatorOnly;
  const auto file_offset = static_cast<off_t>(offset);
  void* mapped = mmap(address, size, simulator_only ? PROT_NONE : PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
                      physical->fd, file_offset);
  void* viewed = simulator_only ? mmap(reservation->host_view + start, size, PROT_READ | PROT_WRITE,
                                       MAP_SHARED | MAP_FIXED, physical->fd, file_offset)
                                : mapped;
  if (mapped == MAP_FAILED || viewed == MAP_FAILED) {
    clearRange(static_cast<std::byte*>(address), size);
    if (simulator_only) clearRange(reservation->host_view + start, size);
    return fail(ACL_ERROR_RT_MEMORY_ALLOCATION, "aclrtMapMem: the host could not map %zu bytes at %p", size, address);
  }
  if (simulator_only) addProtectedRange(static_cast<std::byte*>(address), size, physical->device_index);
  reservation->mappings.emplace(start, Mapping{size, physical});
  physical->mapping_count += 1;
  return ACL_SUCCESS;
}

aclError VirtualMemory::unmap(void* address) {
  std::lock_guard lock(mutex_);
  Reservation* reservation = reservationAt(address);
  if (reservation == nullptr) {
    return fail(ACL_ERROR_INVALID_PARAM, "aclrtUnmapMem: %p lies in no reservation", address);
  }
  const auto start = static_cast<size_t>(static_cast<std::byte*>(address) - reservation->base);
  auto found = reservation->mappings.find(start);
  if (found == reservation->mappings.end()) {
    return fail(ACL_ERROR_INVALID_PARAM, "aclrtUnmapMem: %p is not the start of a mapping", address);
  }
  const Mapping mapping = found->second;
  if (host_access_ == HostAccess::SimulatorOnly) {
    removeProtectedRange(static_cast<std::byte*>(address));
    clearRange(reservation->host_view + start, mapping.size);
  }
  // Replacing the pages (rather than unmapping them) keeps the range reserved.
  if (!clearRange(static_cast<std::byte*>(address), mapping.size)) {
    return fail(ACL_ERROR_RT_INTERNAL_ERROR, "aclrtUnmapMem: the host could not unmap %p", address);
  }
  reservation->mappings.erase(found);
  mapping.physical->mapping_count -= 1;
  return ACL_SUCCESS;
}

std::optional<MappedSpan> VirtualMemory::findContaining(const void* ptr) const {
  std::lock_guard lock(mutex_);
  const Reservation* reservation = reservationAt(ptr);
  if (reservation == nullptr) return std::nullopt;
  const auto offset = static_cast<size_t>(static_cast<const std::byte*>(ptr) - reservation->base);
  auto containing = reservation->mappings.upper_bound(offset);
  if (containing == reservation->mappings.begin()) return std::nullopt;
  --containing;
  if (offset - containing->first >= containing->second.size) return std::nullopt;
  const int32_t device_index = containing->second.physical->device_index;
  auto first = containing;
  while (first != reservation->mappings.begin()) {
    auto previous = std::prev(first);
    if (previous->first + previous->second.size != first->first ||
        previous->second.physical->device_index != device_index) {
      break;
    }
    first = previous;
  }
  size_t end = containing->first + containing->second.size;
  for (auto next = std::next(containing); next != reservation->mappings.end() && next->first == end &&
                                          next->second.physical->device_index == device_index;
       ++next) {
    end += next->second.size;
  }
  return MappedSpan{device_index, BlockSpan{reservation->base + first->first, end - first->first,
                                            reservation->host_view + first->first}};
}

VirtualMemory::Reservation* VirtualMemory::reservationAt(const void* ptr) {
  return const_cast<Reservation*>(std::as_const(*this).reservationAt(ptr));
}

const VirtualMemory::Reservation* VirtualMemory::reservationAt(const void* ptr) const {
  const auto address = reinterpret_cast<uintptr_t>(ptr);
  auto next = reservations_.upper_bound(address);
  if (next == reservations_.begin()) return nullptr;
  const Reservation& reservation = std::prev(next)->second;
  return address - std::prev(next)->first < reservation.size ? &reservation : nullptr;
}

VirtualMemory::Physical* VirtualMemory::physicalOf(aclrtDrvMemHandle handle) {
  auto found = physicals_.find(reinterpret_cast<uintptr_t>(handle));
  return found == physicals_.end() ? nullptr : found->second.get();
}

bool VirtualMemory::clearRange(std::byte* address, size_t size) noexcept {
  return mmap(address, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0) != MAP_FAILED;
}

void VirtualMemory::releaseReservationPages(const Reservation& reservation) noexcept {
  munmap(reservation.base, reservation.size);
  if (reservation.host_view != reservation.base) munmap(reservation.host_view, reservation.size);
}

}  // namespace npu_sim
