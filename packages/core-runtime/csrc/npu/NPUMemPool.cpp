#include "npu/NPUMemPool.h"

#include <atomic>
#include <exception>

#include <c10/util/Exception.h>

#include "npu/NPUFunctions.h"

namespace torch_npu::npu {

c10::MempoolId_t newMempoolId(bool user_created) {
  static std::atomic<c10::CaptureId_t> last_uid{0};
  const c10::CaptureId_t uid = last_uid.fetch_add(1, std::memory_order_relaxed) + 1;
  return user_created ? c10::MempoolId_t{0, uid} : c10::MempoolId_t{uid, 0};
}

MemPool::MemPool(bool is_user_created, NPUCachingAllocator::PoolOptions options)
    : id_(newMempoolId(is_user_created)), device_(current_device()) {
  NPUCachingAllocator::createOrIncrefPool(device_, id_, options);
}

MemPool::~MemPool() {
  // Tensors still allocated from the pool keep their blocks; the pool's memory
  // goes back to the device once they are freed and the cache is emptied.
  try {
    NPUCachingAllocator::releasePool(device_, id_);
    NPUCachingAllocator::emptyCache(id_);
  } catch (const std::exception& error) {
    try {
      TORCH_WARN("MemPool could not release its pool: ", error.what());
    } catch (...) {  // a warning handler that raises must not escape a destructor
    }
  }
}

int MemPool::use_count() const {
  return NPUCachingAllocator::getPoolUseCount(device_, id_);
}

}  // namespace torch_npu::npu
