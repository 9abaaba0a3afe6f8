#include "host_backing.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <utility>

namespace npu_sim {
namespace {

// From this size on, blocks are mapped so untouched pages cost nothing and
// freeing returns them to the system at once.
constexpr size_t kMapThreshold = size_t{256} << 10;

size_t pageSize() {
  static const size_t size = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return size;
}

size_t pageRounded(size_t size) { return (size + pageSize() - 1) / pageSize() * pageSize(); }

}  // namespace

std::optional<HostBacking> HostBacking::reserve(size_t size, HostAccess access) {
  if (size == 0 || size > SIZE_MAX - pageSize()) return std::nullopt;
  if (access == HostAccess::SimulatorOnly) return reserveSimulatorOnly(size);
  if (size >= kMapThreshold) {
    const size_t length = pageRounded(size);
    void* data = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (data == MAP_FAILED) return std::nullopt;
    return HostBacking(static_cast<std::byte*>(data), static_cast<std::byte*>(data), size, length);
  }
  const size_t rounded = (size + kAlignment - 1) / kAlignment * kAlignment;
  void* data = std::aligned_alloc(kAlignment, rounded);
  if (data == nullptr) return std::nullopt;
  return HostBacking(static_cast<std::byte*>(data), static_cast<std::byte*>(data), size, 0);
}

std::optional<HostBacking> HostBacking::reserveSimulatorOnly(size_t size) {
  const size_t length = pageRounded(size);
  // One memory object behind both mappings; the descriptor is not needed
  // once they exist.
  const int fd = memfd_create("npu-sim-device-memory", MFD_CLOEXEC);
  if (fd < 0) return std::nullopt;
  void* data = MAP_FAILED;
  void* view = MAP_FAILED;
  if (ftruncate(fd, static_cast<off_t>(length)) == 0) {
    data = mmap(nullptr, length, PROT_NONE, MAP_SHARED | MAP_NORESERVE, fd, 0);
    view = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
  }
  close(fd);
  if (data == MAP_FAILED || view == MAP_FAILED) {
    if (data != MAP_FAILED) munmap(data, length);
    if (view != MAP_FAILED) munmap(view, length);
    return std::nullopt;
  }
  return HostBacking(static_cast<std::byte*>(data), static_cast<std::byte*>(view), size, length);
}

HostBacking::HostBacking(HostBacking&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      host_view_(std::exchange(other.host_view_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      mapped_length_(std::exchange(other.mapped_length_, 0)) {}

HostBacking& HostBacking::operator=(HostBacking&& other) noexcept {
  if (this != &other) {
    release();
    data_ = std::exchange(other.data_, nullptr);
    host_view_ = std::exchange(other.host_view_, nullptr);
    size_ = std::exchange(other.size_, 0);
    mapped_length_ = std::exchange(other.mapped_length_, 0);
  }
  return *this;
}

HostBacking::~HostBacking() { release(); }

void HostBacking::release() noexcept {
  if (data_ == nullptr) return;
  if (mapped_length_ != 0) {
    munmap(data_, mapped_length_);
    if (host_view_ != data_) munmap(host_view_, mapped_length_);
  } else {
    std::free(data_);
  }
  data_ = nullptr;
  host_view_ = nullptr;
}

}  // namespace npu_sim
