// Storage for a process-lifetime object whose destructor must never run.
//
// Simulator state is used by worker threads that may still be running at
// process exit (or, in a forked child, no longer exist). Destroying that state
// from a static destructor would free memory under running tasks or try to
// join threads that are gone, so the process-wide runtime is built on first
// use and deliberately never destroyed.
#pragma once

#include <utility>

namespace npu_sim {

template <class T>
class NoDestructor {
 public:
  template <class... Args>
  explicit NoDestructor(Args&&... args) : value_(std::forward<Args>(args)...) {}
  // Intentionally empty: the member of the union is never destroyed.
  ~NoDestructor() {}

  NoDestructor(const NoDestructor&) = delete;
  NoDestructor& operator=(const NoDestructor&) = delete;

  T& get() noexcept { return value_; }

 private:
  union {
    T value_;
  };
};

}  // namespace npu_sim
