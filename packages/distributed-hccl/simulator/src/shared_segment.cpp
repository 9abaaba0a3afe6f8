#include "shared_segment.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace npu_sim_hccl {
namespace {

std::string systemError(const char* call, const std::string& name) {
  return std::string(call) + "(" + name + ") failed: " + std::strerror(errno);
}

// Closes a descriptor on every path; the mapping outlives it.
struct Descriptor {
  int fd;
  ~Descriptor() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

SharedSegment::SharedSegment(SharedSegment&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

SharedSegment& SharedSegment::operator=(SharedSegment&& other) noexcept {
  if (this != &other) {
    unmap();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

SharedSegment::~SharedSegment() { unmap(); }

void SharedSegment::unmap() noexcept {
  if (data_ != nullptr) ::munmap(data_, size_);
  data_ = nullptr;
  size_ = 0;
}

std::string SharedSegment::create(const std::string& name, size_t bytes) {
  Descriptor fd{::shm_open(name.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600)};
  if (fd.fd < 0) return systemError("shm_open", name);
  // Sparse: only the pages a collective touches take memory.
  if (::ftruncate(fd.fd, static_cast<off_t>(bytes)) != 0) {
    std::string error = systemError("ftruncate", name);
    unlinkSegment(name);
    return error;
  }
  void* data = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd.fd, 0);
  if (data == MAP_FAILED) {
    std::string error = systemError("mmap", name);
    unlinkSegment(name);
    return error;
  }
  unmap();
  data_ = data;
  size_ = bytes;
  return "";
}

std::string SharedSegment::open(const std::string& name, bool& missing) {
  missing = false;
  Descriptor fd{::shm_open(name.c_str(), O_RDWR, 0600)};
  if (fd.fd < 0) {
    missing = errno == ENOENT;
    return systemError("shm_open", name);
  }
  struct stat status {};
  if (::fstat(fd.fd, &status) != 0) return systemError("fstat", name);
  if (status.st_size == 0) {  // created, not yet sized: not there yet
    missing = true;
    return "the segment " + name + " is not sized yet";
  }
  const size_t bytes = static_cast<size_t>(status.st_size);
  void* data = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd.fd, 0);
  if (data == MAP_FAILED) return systemError("mmap", name);
  unmap();
  data_ = data;
  size_ = bytes;
  return "";
}

void unlinkSegment(const std::string& name) noexcept { ::shm_unlink(name.c_str()); }

}  // namespace npu_sim_hccl
