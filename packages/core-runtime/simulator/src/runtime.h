// The process-wide simulator: aclInit / aclFinalize and access to the live
// session.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "acl/acl_base.h"
#include "npu_common/no_destructor.h"
#include "session.h"

namespace npu_sim {

class Runtime {
 public:
  static Runtime& instance();

  aclError initialize(const char* config_path);
  // Drains every stream, stops the workers and frees all simulator memory.
  aclError finalize();

  // The live session; null before aclInit and after aclFinalize. Lock-free,
  // so it is also safe in a forked child.
  Session* session() const noexcept { return session_.load(std::memory_order_acquire); }
  // True in a child forked while a session was live: the parent's workers do
  // not exist there and its locks may be held forever, so the child must not
  // use the simulator.
  bool forkedAfterInit() const noexcept { return forked_after_init_.load(std::memory_order_relaxed); }
  // aclrtGetSocName's answer; stays valid for the life of the process.
  const char* socName() const noexcept { return soc_name_.load(std::memory_order_acquire); }

 private:
  friend class npu_common::NoDestructor<Runtime>;
  Runtime();
  static void markForkedChild() noexcept;

  std::mutex lifecycle_mutex_;
  std::unique_ptr<Session> owned_session_;
  std::atomic<Session*> session_{nullptr};
  std::atomic<bool> forked_after_init_{false};
  uint64_t sessions_started_ = 0;
  // Every SoC name ever configured: a pointer handed out stays valid after
  // aclFinalize or a re-init with another name.
  std::set<std::string> soc_names_;
  std::atomic<const char*> soc_name_{nullptr};
};

}  // namespace npu_sim
