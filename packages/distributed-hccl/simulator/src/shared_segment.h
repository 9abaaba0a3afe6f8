// A POSIX shared-memory segment mapped into this process (RAII).
#pragma once

#include <cstddef>
#include <string>

namespace npu_sim_hccl {

class SharedSegment {
 public:
  SharedSegment() = default;
  SharedSegment(const SharedSegment&) = delete;
  SharedSegment& operator=(const SharedSegment&) = delete;
  SharedSegment(SharedSegment&& other) noexcept;
  SharedSegment& operator=(SharedSegment&& other) noexcept;
  ~SharedSegment();

  // Creates `name` (which must not exist) of `bytes`, zero-filled, and maps it.
  // Empty string on success, else why not.
  std::string create(const std::string& name, size_t bytes);
  // Maps an existing `name` whole. ENOENT is reported as `missing`.
  std::string open(const std::string& name, bool& missing);

  void* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  void unmap() noexcept;
  void* data_ = nullptr;
  size_t size_ = 0;
};

// Removes `name` from /dev/shm; mappings stay valid. Ignores a missing name.
void unlinkSegment(const std::string& name) noexcept;

}  // namespace npu_sim_hccl
