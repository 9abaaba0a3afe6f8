// Storage for a process-lifetime object whose destructor must never run.
//
// Runtime state is used by worker threads and by destructors of other statics
// (cached events, pinned blocks) that may run at process exit in any order, so
// such state is built on first use and deliberately never destroyed.
#pragma once

#include <utility>

namespace npu_common {

template <class T>
class NoDestructor {
 public:
  template <class... Args>
  explicit NoDestructor(Args&&... args) : value_(std::forward<Args>(args)...) {}
  // Intentionally empty: the union member is never destroyed.
  ~NoDestructor() {}

  NoDestructor(const NoDestructor&) = delete;
  NoDestructor& operator=(const NoDestructor&) = delete;

  T& get() noexcept { return value_; }
  T* operator->() noexcept { return &value_; }
  T& operator*() noexcept { return value_; }

 private:
  union {
    T value_;
  };
};

}  // namespace npu_common
