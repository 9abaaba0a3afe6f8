// An expandable segment of the caching allocator
// (PYTORCH_NPU_ALLOC_CONF=expandable_segments:True): a reservation of device
// address space as large as the whole device and more, into which physical
// pages are mapped as the allocator's blocks need them, and from which they are
// unmapped when the cache is emptied. A stream's pool then grows in place
// instead of gaining segments of ever new sizes, which fragments memory.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <c10/core/Device.h>

#include "acl/acl_rt.h"

namespace torch_npu::npu::NPUCachingAllocator {

// One page of a device's physical memory (aclrtMallocPhysical), freed with its owner.
class PhysicalPage {
 public:
  // The page, or nullopt when the device has no memory for it (with the
  // runtime's message in `oom_message`); other failures raise.
  static std::optional<PhysicalPage> allocate(c10::DeviceIndex device, size_t size, std::string& oom_message);

  PhysicalPage(PhysicalPage&& other) noexcept;
  PhysicalPage& operator=(PhysicalPage&& other) noexcept;
  PhysicalPage(const PhysicalPage&) = delete;
  PhysicalPage& operator=(const PhysicalPage&) = delete;
  ~PhysicalPage();

  aclrtDrvMemHandle handle() const noexcept { return handle_; }

 private:
  explicit PhysicalPage(aclrtDrvMemHandle handle) noexcept : handle_(handle) {}
  void release() noexcept;

  aclrtDrvMemHandle handle_ = nullptr;
};

class ExpandableSegment {
 public:
  // Reserves `size` bytes (a multiple of `page_size`) of address space for `device`'s pages.
  ExpandableSegment(c10::DeviceIndex device, size_t page_size, size_t size);
  ExpandableSegment(const ExpandableSegment&) = delete;
  ExpandableSegment& operator=(const ExpandableSegment&) = delete;
  // Unmaps and frees every page and releases the reservation; the device must
  // have finished the work that uses them.
  ~ExpandableSegment();

  char* base() const noexcept { return static_cast<char*>(base_); }
  size_t size() const noexcept { return size_; }
  size_t pageSize() const noexcept { return page_size_; }

  // Maps pages at [offset, offset + length), both multiples of the page size,
  // taking them from `spare` first. False, with nothing mapped, when the device
  // has no memory for them (the runtime's message in `oom_message`).
  bool map(size_t offset, size_t length, std::vector<PhysicalPage>& spare, std::string& oom_message);
  // Unmaps the pages at [offset, offset + length); they go to `spare`, or are
  // freed if it is null. The device must have finished the work that uses them.
  void unmap(size_t offset, size_t length, std::vector<PhysicalPage>* spare);

 private:
  const c10::DeviceIndex device_;
  const size_t page_size_;
  const size_t size_;
  void* base_ = nullptr;
  // By page index; empty where nothing is mapped.
  std::vector<std::optional<PhysicalPage>> pages_;
};

}  // namespace torch_npu::npu::NPUCachingAllocator
