#include "npu/NPUExpandableSegment.h"

#include <utility>

#include <c10/util/Exception.h>

#include "acl/AclApi.h"
#include "npu/NPUException.h"

namespace torch_npu::npu::NPUCachingAllocator {

std::optional<PhysicalPage> PhysicalPage::allocate(c10::DeviceIndex device, size_t size, std::string& oom_message) {
  aclrtPhysicalMemProp prop{};
  prop.handleType = ACL_MEM_HANDLE_TYPE_NONE;
  prop.allocationType = ACL_MEM_ALLOCATION_TYPE_PINNED;
  prop.memAttr = ACL_HBM_MEM_HUGE;
  prop.location.type = ACL_MEM_LOCATION_TYPE_DEVICE;
  prop.location.id = static_cast<uint32_t>(device);
  aclrtDrvMemHandle handle = nullptr;
  const aclError error = acl::aclrtMallocPhysical(&handle, size, &prop, 0);
  if (error == ACL_ERROR_RT_MEMORY_ALLOCATION) {
    const char* message = acl::aclGetRecentErrMsg();
    oom_message = message != nullptr ? message : "";
    return std::nullopt;
  }
  NPU_CHECK(error);
  return PhysicalPage(handle);
}

PhysicalPage::PhysicalPage(PhysicalPage&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}

PhysicalPage& PhysicalPage::operator=(PhysicalPage&& other) noexcept {
  if (this != &other) {
    release();
    handle_ = std::exchange(other.handle_, nullptr);
  }
  return *this;
}

PhysicalPage::~PhysicalPage() { release(); }

void PhysicalPage::release() noexcept {
  if (handle_ == nullptr) {
    return;
  }
  releaseWithoutThrowing("NPU physical memory", handle_, [this] { NPU_CHECK(acl::aclrtFreePhysical(handle_)); });
  handle_ = nullptr;
}

ExpandableSegment::ExpandableSegment(c10::DeviceIndex device, size_t page_size, size_t size)
    : device_(device), page_size_(page_size), size_(size), pages_(size / page_size) {
  TORCH_INTERNAL_ASSERT(size % page_size == 0, "an expandable segment holds whole pages");
  // Flags 1: a range for huge pages, as the pages are.
  NPU_CHECK(acl::aclrtReserveMemAddress(&base_, size_, 0, nullptr, 1));
}

ExpandableSegment::~ExpandableSegment() {
  releaseWithoutThrowing("an NPU expandable segment", base_, [this] {
    unmap(0, size_, nullptr);
    NPU_CHECK(acl::aclrtReleaseMemAddress(base_));
  });
}

bool ExpandableSegment::map(size_t offset, size_t length, std::vector<PhysicalPage>& spare,
                            std::string& oom_message) {
  TORCH_INTERNAL_ASSERT(offset % page_size_ == 0 && length % page_size_ == 0 && offset + length <= size_);
  const size_t first = offset / page_size_;
  const size_t end = first + length / page_size_;
  for (size_t page = first; page < end; ++page) {
    TORCH_INTERNAL_ASSERT(!pages_[page], "page ", page, " of an expandable segment is mapped already");
    std::optional<PhysicalPage> physical;
    if (!spare.empty()) {
      physical = std::move(spare.back());
      spare.pop_back();
    } else {
      physical = PhysicalPage::allocate(device_, page_size_, oom_message);
    }
    const aclError error =
        physical ? acl::aclrtMapMem(base() + page * page_size_, page_size_, 0, physical->handle(), 0) : ACL_SUCCESS;
    if (!physical || error != ACL_SUCCESS) {
      // Nothing is left half mapped: the pages mapped so far go back to `spare`.
      if (physical) {
        spare.push_back(std::move(*physical));
      }
      unmap(offset, (page - first) * page_size_, &spare);
      NPU_CHECK(error);
      return false;
    }
    pages_[page] = std::move(physical);
  }
  return true;
}

void ExpandableSegment::unmap(size_t offset, size_t length, std::vector<PhysicalPage>* spare) {
  const size_t first = offset / page_size_;
  const size_t end = first + length / page_size_;
  for (size_t page = first; page < end; ++page) {
    if (!pages_[page]) {
      continue;
    }
    NPU_CHECK(acl::aclrtUnmapMem(base() + page * page_size_));
    if (spare != nullptr) {
      spare->push_back(std::move(*pages_[page]));
    }
    pages_[page].reset();
  }
}

}  // namespace torch_npu::npu::NPUCachingAllocator
