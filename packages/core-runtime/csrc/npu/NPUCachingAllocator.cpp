// Caching allocator for NPU device memory.
//
// Design (after PyTorch's CUDACachingAllocator):
// - Each device has one DeviceCachingAllocator behind one mutex.
// - Device memory comes from aclrtMalloc in *segments*; a segment is cut into
//   *blocks*, a doubly linked list in address order. Requests of at most
//   1 MiB share 2 MiB segments (small pool); larger ones use the large pool.
// - A freed block is merged with free neighbours and cached in its pool,
//   keyed by (stream, size, address): it is only reused for the stream it was
//   allocated on, because that stream may still have work queued against it.
// - recordStream() notes extra streams; freeing such a block records an event
//   on each and the block is cached only once all of them have completed.
// - When aclrtMalloc fails, cached segments are returned to the device and the
//   call is retried once before raising c10::OutOfMemoryError.
// - Private pools: while a capture is under way (see NPUGraph.h), the
//   allocations of its streams come from a pool of its own, whose segments no
//   other allocation uses. A graph replays into the addresses it captured, so
//   blocks freed during capture stay in the pool, reusable only by the
//   captures that share it, until every graph using the pool released it
//   (releasePool); emptyCache then returns the pool's segments. Graphs may
//   share a pool (graph_pool_handle, NPUGraph::pool). torch.npu.MemPool is
//   the same kind of pool, which use_mem_pool routes one thread's allocations
//   into.
// - Expandable segments (expandable_segments:True): instead of aclrtMalloc
//   segments, each pool has one segment per stream, a reservation of address
//   space larger than the device (NPUExpandableSegment.h). Its free ranges
//   without pages are blocks too, kept apart (BlockPool::unmapped); a request
//   the cached blocks cannot serve maps pages at the start of such a range,
//   right after any free block there, so the segment grows in place. Emptying
//   the cache unmaps the whole free pages and releases segments left empty.
#include "npu/NPUCachingAllocator.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cstdint>
#include <deque>
#include <functional>
#include <iomanip>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <c10/core/Allocator.h>
#include <c10/util/Exception.h>
#include <c10/util/flat_hash_map.h>

#include "acl/AclApi.h"
#include "npu/NPUAllocatorConfig.h"
#include "npu/NPUException.h"
#include "npu/NPUExpandableSegment.h"
#include "npu/NPUFunctions.h"
#include "npu/NPUGuardImpl.h"
#include "npu/NPUPluggableAllocator.h"
#include "npu/NPUTrace.h"
#include "npu_common/no_destructor.h"

#include <torch_npu/compat/VirtualOverrides.h>

namespace torch_npu::npu::NPUCachingAllocator {

namespace {

using c10::CachingAllocator::Stat;
using c10::CachingAllocator::StatArray;
using c10::CachingAllocator::StatType;

constexpr size_t kKiB = 1024;
constexpr size_t kMiB = 1024 * kKiB;
constexpr size_t kGiB = 1024 * kMiB;

// Every block size is a multiple of this (and so is every block address).
constexpr size_t kMinBlockSize = 512;
// Largest request served from the small pool.
constexpr size_t kSmallSize = 1 * kMiB;
// Segment size of the small pool.
constexpr size_t kSmallBuffer = 2 * kMiB;
// Requests between kSmallSize and kMinLargeAlloc share segments of this size.
constexpr size_t kLargeBuffer = 20 * kMiB;
constexpr size_t kMinLargeAlloc = 10 * kMiB;
// Larger requests get a segment of their own, rounded to this.
constexpr size_t kRoundLarge = 2 * kMiB;
// Beyond this, rounding could overflow size_t; no device has that much memory,
// so such requests go straight to the out-of-memory error.
constexpr size_t kMaxRequestSize = size_t{1} << 56;

constexpr size_t kAggregateStat = static_cast<size_t>(StatType::AGGREGATE);

size_t roundUp(size_t size, size_t multiple) {
  return (size + multiple - 1) / multiple * multiple;
}

std::string formatSize(uint64_t size) {
  std::ostringstream text;
  text << std::fixed << std::setprecision(2);
  if (size < kKiB) {
    text << size << " bytes";
  } else if (size < kMiB) {
    text << static_cast<double>(size) / kKiB << " KiB";
  } else if (size < kGiB) {
    text << static_cast<double>(size) / kMiB << " MiB";
  } else {
    text << static_cast<double>(size) / kGiB << " GiB";
  }
  return text.str();
}

// Updates the aggregate entry and the entry of the block's pool together.
void increaseStat(StatArray& stat, bool small_pool, size_t amount) {
  stat[kAggregateStat].increase(amount);
  stat[static_cast<size_t>(small_pool ? StatType::SMALL_POOL : StatType::LARGE_POOL)].increase(amount);
}

void decreaseStat(StatArray& stat, bool small_pool, size_t amount) {
  stat[kAggregateStat].decrease(amount);
  stat[static_cast<size_t>(small_pool ? StatType::SMALL_POOL : StatType::LARGE_POOL)].decrease(amount);
}

void adjustStat(StatArray& stat, bool small_pool, int64_t delta) {
  if (delta > 0) {
    increaseStat(stat, small_pool, static_cast<size_t>(delta));
  } else if (delta < 0) {
    decreaseStat(stat, small_pool, static_cast<size_t>(-delta));
  }
}

std::array<StatArray*, 9> allStatArrays(DeviceStats& stats) {
  return {&stats.allocation,      &stats.segment,      &stats.active,
          &stats.inactive_split,  &stats.allocated_bytes, &stats.reserved_bytes,
          &stats.active_bytes,    &stats.inactive_split_bytes, &stats.requested_bytes};
}

// One runtime event, destroyed with its owner.
class AclEvent {
 public:
  static AclEvent create() {
    AclEvent event;
    NPU_CHECK(acl::aclrtCreateEvent(&event.handle_));
    return event;
  }
  AclEvent(AclEvent&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  AclEvent& operator=(AclEvent&& other) noexcept {
    std::swap(handle_, other.handle_);
    return *this;
  }
  AclEvent(const AclEvent&) = delete;
  AclEvent& operator=(const AclEvent&) = delete;
  ~AclEvent() {
    if (handle_ != nullptr) {
      // Destruction failures cannot be reported from a destructor; the event is lost either way.
      (void)acl::aclrtDestroyEvent(handle_);
    }
  }

  aclrtEvent get() const { return handle_; }

 private:
  AclEvent() = default;
  aclrtEvent handle_ = nullptr;
};

struct Block;
struct PrivatePool;

// Cached blocks are ordered by stream, then size, then address, so that a
// lower_bound on (stream, size) finds the smallest fitting block of a stream.
struct BlockKey {
  aclrtStream stream;
  size_t size;
  uintptr_t address;
};

struct BlockOrder {
  using is_transparent = void;
  bool operator()(const Block* lhs, const Block* rhs) const;
  bool operator()(const Block* lhs, const BlockKey& rhs) const;
};

using BlockSet = std::set<Block*, BlockOrder>;

struct BlockPool {
  BlockPool(bool small, PrivatePool* owner = nullptr) : is_small(small), owner_private_pool(owner) {}
  BlockSet blocks;
  // Free ranges of expandable segments with no pages behind them.
  BlockSet unmapped;
  // Pages empty_virt_addr_cache unmapped, kept for the pool's next mappings.
  std::vector<PhysicalPage> spare_pages;
  const bool is_small;
  // Null for the device's default pools.
  PrivatePool* const owner_private_pool;
};

// The memory of one or more graph captures, or of a MemPool.
struct PrivatePool {
  PrivatePool(c10::MempoolId_t pool_id, PoolOptions pool_options) : id(pool_id), options(pool_options) {}
  PrivatePool(const PrivatePool&) = delete;
  PrivatePool& operator=(const PrivatePool&) = delete;

  const c10::MempoolId_t id;
  const PoolOptions options;
  BlockPool large_blocks{false, this};
  BlockPool small_blocks{true, this};
  // Captures, graphs, MemPools and routings using the pool; at 0, emptyCache may release it.
  int use_count = 1;
  int segment_count = 0;
};

using PrivatePools = std::map<c10::MempoolId_t, std::unique_ptr<PrivatePool>>;

// A capture or a use_mem_pool under way: the allocations it selects come from its pool.
struct AllocationScope {
  c10::MempoolId_t pool_id;
  std::function<bool(aclrtStream)> filter;
  bool is_capture;
  // Whether the capture forbids every thread (global mode) or only the one
  // that began it (thread-local mode) to reserve new memory elsewhere.
  bool forbids_all_threads;
  bool forbids_capturing_thread;
  std::thread::id capturing_thread;
};

struct Block {
  c10::DeviceIndex device = 0;
  // The stream the block's segment serves; it is never reused by another.
  aclrtStream stream = nullptr;
  // Further streams that used the block (recordStream), possibly of other devices.
  std::vector<NPUStream> stream_uses;
  size_t size = 0;
  // What the caller asked for, before rounding; 0 while not allocated.
  size_t requested_size = 0;
  BlockPool* pool = nullptr;
  void* ptr = nullptr;
  bool allocated = false;
  // The expandable segment the block lies in; null in an aclrtMalloc segment.
  ExpandableSegment* expandable = nullptr;
  // False for a free range of an expandable segment with no pages behind it.
  bool mapped = true;
  // Neighbours inside the segment, in address order.
  Block* prev = nullptr;
  Block* next = nullptr;
  // Events still to complete before a freed block may be cached.
  int event_count = 0;
  // Allocator clock when the block entered its pool: garbage collection
  // releases the longest-cached segments first.
  uint64_t cached_since = 0;
  // The set node this block last occupied in a pool, kept so that moving a
  // block in and out of its pool does not allocate.
  BlockSet::node_type pool_node;

  bool is_split() const { return prev != nullptr || next != nullptr; }
  uintptr_t address() const { return reinterpret_cast<uintptr_t>(ptr); }
  BlockKey key() const { return {stream, size, address()}; }
};

bool keyLess(const BlockKey& lhs, const BlockKey& rhs) {
  const auto lhs_stream = reinterpret_cast<uintptr_t>(lhs.stream);
  const auto rhs_stream = reinterpret_cast<uintptr_t>(rhs.stream);
  if (lhs_stream != rhs_stream) {
    return lhs_stream < rhs_stream;
  }
  if (lhs.size != rhs.size) {
    return lhs.size < rhs.size;
  }
  return lhs.address < rhs.address;
}

bool BlockOrder::operator()(const Block* lhs, const Block* rhs) const {
  return keyLess(lhs->key(), rhs->key());
}
bool BlockOrder::operator()(const Block* lhs, const BlockKey& rhs) const {
  return keyLess(lhs->key(), rhs);
}

// Owns every Block of one device. Blocks are recycled, not deleted, so that a
// warmed-up allocator makes no heap calls; std::deque never moves elements,
// so Block pointers stay valid.
class BlockStore {
 public:
  Block* acquire() {
    if (recycled_.empty()) {
      return &storage_.emplace_back();
    }
    Block* block = recycled_.back();
    recycled_.pop_back();
    return block;
  }

  void recycle(Block* block) {
    BlockSet::node_type spare_node = std::move(block->pool_node);
    *block = Block{};
    block->pool_node = std::move(spare_node);
    recycled_.push_back(block);
  }

 private:
  std::deque<Block> storage_;
  std::vector<Block*> recycled_;
};

// What becomes of the physical pages of free memory unmapped from an expandable segment.
enum class PageDisposal {
  Keep,  // the pool keeps them for its next mappings (empty_virt_addr_cache)
  Free,  // they go back to the device (empty_cache)
};

// An expandable segment and its first block, which stays the first.
struct ExpandableSegmentEntry {
  std::unique_ptr<ExpandableSegment> memory;
  Block* head;
};

// A freed block waiting for an event recorded on one of its extra streams.
struct PendingFree {
  AclEvent event;  // recorded on a stream of `event_device`
  Block* block;
  c10::DeviceIndex event_device;
};

class DeviceCachingAllocator {
 public:
  DeviceCachingAllocator(c10::DeviceIndex device, const NPUAllocatorConfig& config)
      : device_(device), config_(config), expandable_segments_(config.expandable_segments() && config.caching_enabled()) {
    // Unlimited (SIZE_MAX) reads as -1, as in torch.cuda.memory_stats().
    stats_.max_split_size = static_cast<int64_t>(config_.max_split_size());
  }

  // Returns the address of a block of at least `request_size` bytes for use on `stream`.
  void* malloc(size_t request_size, aclrtStream stream) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (C10_UNLIKELY(request_size > kMaxRequestSize)) {
      raiseOutOfMemory(request_size);
    }
    if (C10_UNLIKELY(!pending_frees_.empty())) {
      processCompletedEvents();
    }
    const size_t size = roundSize(request_size);
    BlockPool& pool = poolFor(size, stream);
    Block* block = config_.caching_enabled() ? takeCachedBlock(pool, stream, size) : nullptr;
    if (C10_UNLIKELY(block == nullptr)) {
      block = usesExpandableSegments(pool) ? growExpandableSegment(pool, stream, size)
                                           : allocateSegment(pool, stream, segmentSizeFor(size));
    }
    if (C10_UNLIKELY(block == nullptr)) {
      block = takeFromPoolsUsableOnOom(pool, stream, size);
      if (block == nullptr) {
        raiseOutOfMemory(segmentSizeFor(size));
      }
    }
    handOut(block, size, request_size);
    // The sanitizer checks that earlier users of these bytes on other streams are ordered before `stream`.
    trace::report(trace::Kind::BlockAllocated, device_, block->ptr, stream, block->size);
    allocated_blocks_.emplace(block->ptr, block);
    reportUsageToProfiler(block, static_cast<int64_t>(block->size));
    return block->ptr;
  }

  // Frees `ptr` if this device allocated it; false otherwise.
  bool free(void* ptr) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = allocated_blocks_.find(ptr);
    if (it == allocated_blocks_.end()) {
      return false;
    }
    Block* block = it->second;
    allocated_blocks_.erase(it);

    const bool small = block->pool->is_small;
    block->allocated = false;
    decreaseStat(stats_.allocation, small, 1);
    decreaseStat(stats_.allocated_bytes, small, block->size);
    decreaseStat(stats_.requested_bytes, small, block->requested_size);
    block->requested_size = 0;
    if (isOversize(block->size)) {
      stats_.oversize_allocations.decrease(1);
    }
    reportUsageToProfiler(block, -static_cast<int64_t>(block->size));
    if (block->stream_uses.empty()) {
      cacheBlock(block);
    } else if (C10_UNLIKELY(captureUnderway())) {
      // The events would be recorded into a capture: wait until none is under way.
      deferred_until_no_capture_.push_back(block);
    } else {
      deferUntilStreamsFinish(block);
    }
    return true;
  }

  // ---- private pools ----

  void createOrIncrefPool(c10::MempoolId_t pool_id, PoolOptions options) {
    std::lock_guard<std::mutex> lock(mutex_);
    poolCreatedOrIncref(pool_id, options);
  }

  void releasePool(c10::MempoolId_t pool_id) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = private_pools_.find(pool_id);
    TORCH_CHECK(found != private_pools_.end(), "releasePool: no private memory pool (", pool_id.first, ", ",
                pool_id.second, ")");
    TORCH_INTERNAL_ASSERT(found->second->use_count > 0, "releasePool: the pool was released already");
    found->second->use_count -= 1;
  }

  int poolUseCount(c10::MempoolId_t pool_id) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = private_pools_.find(pool_id);
    return found == private_pools_.end() ? 0 : found->second->use_count;
  }

  void beginAllocateToPool(c10::MempoolId_t pool_id, std::function<bool(aclrtStream)> filter,
                           aclmdlRICaptureMode mode) {
    std::lock_guard<std::mutex> lock(mutex_);
    beginScope(AllocationScope{pool_id, std::move(filter), true, mode == ACL_MODEL_RI_CAPTURE_MODE_GLOBAL,
                               mode != ACL_MODEL_RI_CAPTURE_MODE_RELAXED, std::this_thread::get_id()});
  }

  void beginAllocateCurrentThreadToPool(c10::MempoolId_t pool_id) {
    std::lock_guard<std::mutex> lock(mutex_);
    // malloc runs on the allocating thread, so the filter asks which thread that is.
    auto on_this_thread = [thread = std::this_thread::get_id()](aclrtStream) {
      return std::this_thread::get_id() == thread;
    };
    beginScope(AllocationScope{pool_id, std::move(on_this_thread), false, false, false, std::this_thread::get_id()});
  }

  void endAllocateToPool(c10::MempoolId_t pool_id) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto scope = std::find_if(allocation_scopes_.begin(), allocation_scopes_.end(),
                              [&](const AllocationScope& entry) { return entry.pool_id == pool_id; });
    TORCH_CHECK(scope != allocation_scopes_.end(), "endAllocateToPool: no allocation into pool (", pool_id.first,
                ", ", pool_id.second, ") is under way");
    allocation_scopes_.erase(scope);
    if (!captureUnderway()) {
      for (Block* block : deferred_until_no_capture_) {
        deferUntilStreamsFinish(block);
      }
      deferred_until_no_capture_.clear();
    }
  }

  // Notes that `ptr` is used on `stream` if this device allocated it; false otherwise.
  bool recordStream(void* ptr, NPUStream stream) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = allocated_blocks_.find(ptr);
    if (it == allocated_blocks_.end()) {
      return false;
    }
    Block* block = it->second;
    // Work on the allocating stream is already ordered before any reuse.
    if (stream.stream() != block->stream &&
        std::find(block->stream_uses.begin(), block->stream_uses.end(), stream) == block->stream_uses.end()) {
      block->stream_uses.push_back(stream);
    }
    return true;
  }

  void emptyCache() {
    std::lock_guard<std::mutex> lock(mutex_);
    releaseCachedSegments();
  }

  // Unmaps the free pages of every expandable segment but keeps them for
  // later mappings (torch.npu.empty_virt_addr_cache).
  void emptyVirtAddrCache() {
    std::lock_guard<std::mutex> lock(mutex_);
    synchronizeAndFreeEvents();
    for (BlockPool* pool : releasableBlockPools()) {
      unmapFreePages(*pool, PageDisposal::Keep);
    }
  }

  void emptyPoolCache(c10::MempoolId_t pool_id) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = private_pools_.find(pool_id);
    if (found == private_pools_.end()) {
      return;
    }
    synchronizeAndFreeEvents();
    releaseUnusedSegmentsOf(found);
  }

  void setMemoryFraction(double fraction) {
    std::lock_guard<std::mutex> lock(mutex_);
    memory_fraction_ = fraction;
    fraction_set_ = true;
  }

  double memoryFraction() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return memory_fraction_;
  }

  DeviceStats stats() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return stats_;
  }

  void resetAccumulatedStats() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (StatArray* stat_array : allStatArrays(stats_)) {
      for (Stat& stat : *stat_array) {
        stat.reset_accumulated();
      }
    }
    stats_.oversize_allocations.reset_accumulated();
    stats_.oversize_segments.reset_accumulated();
    stats_.num_alloc_retries = 0;
    stats_.num_ooms = 0;
    stats_.num_sync_all_streams = 0;
    stats_.num_device_alloc = 0;
    stats_.num_device_free = 0;
  }

  void resetPeakStats() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (StatArray* stat_array : allStatArrays(stats_)) {
      for (Stat& stat : *stat_array) {
        stat.reset_peak();
      }
    }
    stats_.oversize_allocations.reset_peak();
    stats_.oversize_segments.reset_peak();
  }

  // An expandable segment appears as one segment per run of mapped blocks, as on CUDA.
  void appendSegments(std::vector<SegmentInfo>& segments) const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<const Block*> heads(segment_heads_.begin(), segment_heads_.end());
    std::sort(heads.begin(), heads.end(),
              [](const Block* lhs, const Block* rhs) { return lhs->address() < rhs->address(); });
    for (const Block* head : heads) {
      for (const Block* block = head; block != nullptr; block = block->next) {
        if (block->mapped && (block->prev == nullptr || !block->prev->mapped)) {
          segments.push_back(describeMappedRun(block));
        }
      }
    }
  }

  bool holdsAnyOf(const std::vector<std::pair<uintptr_t, size_t>>& ranges) const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const Block* head : segment_heads_) {
      for (const Block* block = head; block != nullptr; block = block->next) {
        if (!block->mapped) {
          continue;
        }
        for (const auto& [address, size] : ranges) {
          if (address < block->address() + block->size && block->address() < address + size) {
            return true;
          }
        }
      }
    }
    return false;
  }

  std::pair<size_t, size_t> memoryInfo() const {
    const NPUGuard on_device(device_);
    size_t free_bytes = 0;
    size_t total_bytes = 0;
    NPU_CHECK(acl::aclrtGetMemInfo(ACL_HBM_MEM, &free_bytes, &total_bytes));
    return {free_bytes, total_bytes};
  }

 private:
  // ---- sizes ----

  size_t roundSize(size_t size) const {
    if (size <= kMinBlockSize) {
      return kMinBlockSize;
    }
    const size_t divisions = config_.roundup_power2_divisions(size);
    if (divisions > 1 && size > kMinBlockSize * divisions) {
      return roundUpToPowerOfTwoDivision(size, divisions);
    }
    return roundUp(size, kMinBlockSize);
  }

  // Rounds up to the next of `divisions` equal steps between the powers of
  // two around `size`, e.g. with 4 divisions 1.2 GiB -> 1.25 GiB.
  static size_t roundUpToPowerOfTwoDivision(size_t size, size_t divisions) {
    if (std::has_single_bit(size)) {
      return size;
    }
    const size_t step = std::max(std::bit_floor(size) / divisions, kMinBlockSize);
    return roundUp(size, step);
  }

  size_t segmentSizeFor(size_t size) const {
    if (!config_.caching_enabled()) {
      // Uncached: the segment is exactly the block, so reserved == allocated.
      return size;
    }
    if (size <= kSmallSize) {
      return kSmallBuffer;
    }
    if (size < kMinLargeAlloc) {
      return kLargeBuffer;
    }
    return roundUp(size, kRoundLarge);
  }

  bool isOversize(size_t size) const { return size >= config_.max_split_size(); }

  bool shouldSplit(const Block* block, size_t size) const {
    if (!config_.caching_enabled()) {
      return false;
    }
    const size_t remaining = block->size - size;
    if (const PrivatePool* owner = block->pool->owner_private_pool; owner != nullptr && owner->options.no_split) {
      return false;
    }
    if (block->pool->is_small) {
      return remaining >= kMinBlockSize;
    }
    return !isOversize(size) && remaining > kSmallSize;
  }

  // ---- pools ----

  // The pools whose cached memory may go back to the device: the default ones
  // and those of private pools nothing uses any more (a graph replays into
  // its pool's memory, cached blocks included).
  std::vector<BlockPool*> releasableBlockPools() {
    std::vector<BlockPool*> pools{&large_pool_, &small_pool_};
    for (auto& [pool_id, pool] : private_pools_) {
      if (pool->use_count > 0) {
        continue;
      }
      pools.push_back(&pool->large_blocks);
      pools.push_back(&pool->small_blocks);
    }
    return pools;
  }

  BlockPool& poolFor(size_t size, aclrtStream stream) {
    const bool small = size <= kSmallSize;
    if (C10_UNLIKELY(!allocation_scopes_.empty())) {
      for (const AllocationScope& scope : allocation_scopes_) {
        if (scope.filter(stream)) {
          PrivatePool& pool = *private_pools_.at(scope.pool_id);
          return small ? pool.small_blocks : pool.large_blocks;
        }
      }
    }
    return small ? small_pool_ : large_pool_;
  }

  void poolCreatedOrIncref(c10::MempoolId_t pool_id, PoolOptions options) {
    auto found = private_pools_.find(pool_id);
    if (found == private_pools_.end()) {
      private_pools_.emplace(pool_id, std::make_unique<PrivatePool>(pool_id, options));
      return;
    }
    TORCH_INTERNAL_ASSERT(found->second->use_count > 0, "a released private memory pool was reused");
    found->second->use_count += 1;
  }

  // The scope counts as a user of its pool until endAllocateToPool (and releasePool).
  void beginScope(AllocationScope scope) {
    for (const AllocationScope& other : allocation_scopes_) {
      TORCH_CHECK(other.pool_id != scope.pool_id, "beginAllocateToPool: an allocation into pool (",
                  scope.pool_id.first, ", ", scope.pool_id.second, ") is already under way");
    }
    poolCreatedOrIncref(scope.pool_id, PoolOptions{});
    allocation_scopes_.push_back(std::move(scope));
  }

  bool captureUnderway() const {
    return std::any_of(allocation_scopes_.begin(), allocation_scopes_.end(),
                       [](const AllocationScope& scope) { return scope.is_capture; });
  }

  // When the device is out of memory, a cached block of a pool that allows it
  // (MemPool(use_on_oom=True)); null if none fits.
  Block* takeFromPoolsUsableOnOom(const BlockPool& requesting_pool, aclrtStream stream, size_t size) {
    for (auto& [pool_id, pool] : private_pools_) {
      if (!pool->options.use_on_oom || pool->use_count == 0) {
        continue;
      }
      BlockPool& blocks = requesting_pool.is_small ? pool->small_blocks : pool->large_blocks;
      if (&blocks == &requesting_pool) {
        continue;
      }
      if (Block* block = takeCachedBlock(blocks, stream, size)) {
        return block;
      }
    }
    return nullptr;
  }

  // As cudaMalloc does during a capture in global mode (or thread-local mode
  // on the capturing thread), reserving new memory outside the capture's pool
  // fails: the capture could not replay such an allocation.
  void checkNewSegmentPermitted(const BlockPool& pool) const {
    if (pool.owner_private_pool != nullptr) {
      return;
    }
    for (const AllocationScope& scope : allocation_scopes_) {
      const bool forbidden =
          scope.forbids_all_threads || (scope.forbids_capturing_thread && scope.capturing_thread == std::this_thread::get_id());
      TORCH_CHECK(!forbidden, "NPU error: operation not permitted when stream is capturing (an allocation outside "
                  "the capture's private memory pool needed new device memory while an NPU graph capture in \"",
                  scope.forbids_all_threads ? "global" : "thread_local", "\" mode is under way; capture_error_mode="
                  "\"relaxed\" permits it)");
    }
  }

  // A free block's place in its pool: with the cached blocks, or with the unmapped ranges.
  static BlockSet& poolSetOf(const Block* block) {
    return block->mapped ? block->pool->blocks : block->pool->unmapped;
  }

  void insertIntoPool(Block* block) {
    block->cached_since = ++clock_;
    BlockSet& blocks = poolSetOf(block);
    if (block->pool_node.empty()) {
      blocks.insert(block);
    } else {
      block->pool_node.value() = block;
      blocks.insert(std::move(block->pool_node));
    }
  }

  // The block's key (stream, size, address) must be unchanged since insertion.
  void removeFromPool(Block* block) { block->pool_node = poolSetOf(block).extract(block); }

  // A neighbour can be merged only if it sits in the pool (not allocated and
  // not waiting for other streams) and has pages behind it exactly if `block` has.
  static bool isMergeable(const Block* neighbour, const Block* block) {
    return isCachedFree(neighbour) && neighbour->mapped == block->mapped;
  }

  static bool isCachedFree(const Block* block) {
    return block != nullptr && !block->allocated && block->event_count == 0 && block->stream_uses.empty();
  }

  Block* takeCachedBlock(BlockPool& pool, aclrtStream stream, size_t size) {
    auto it = pool.blocks.lower_bound(BlockKey{stream, size, 0});
    if (it == pool.blocks.end() || (*it)->stream != stream) {
      return nullptr;
    }
    Block* block = *it;
    // An oversize block cannot be split, so it would be wasted on a normal request.
    if (!isOversize(size) && isOversize(block->size)) {
      return nullptr;
    }
    // Oversize requests accept a cached oversize block only if little is wasted.
    if (isOversize(size) && block->size >= size + kLargeBuffer) {
      return nullptr;
    }
    block->pool_node = pool.blocks.extract(it);
    return block;
  }

  // Marks `block` allocated with `size` bytes, returning any large enough
  // remainder to the pool as a block of its own.
  void handOut(Block* block, size_t size, size_t request_size) {
    const bool small = block->pool->is_small;
    const bool was_split = block->is_split();
    if (shouldSplit(block, size)) {
      Block* remainder = splitOff(block, size);
      if (was_split) {
        // An inactive split block shrank by what was handed out.
        decreaseStat(stats_.inactive_split_bytes, small, size);
      } else {
        increaseStat(stats_.inactive_split, small, 1);
        increaseStat(stats_.inactive_split_bytes, small, remainder->size);
      }
    } else if (was_split) {
      decreaseStat(stats_.inactive_split, small, 1);
      decreaseStat(stats_.inactive_split_bytes, small, block->size);
    }

    block->allocated = true;
    block->requested_size = request_size;
    increaseStat(stats_.allocation, small, 1);
    increaseStat(stats_.allocated_bytes, small, block->size);
    increaseStat(stats_.active, small, 1);
    increaseStat(stats_.active_bytes, small, block->size);
    increaseStat(stats_.requested_bytes, small, request_size);
    if (isOversize(block->size)) {
      stats_.oversize_allocations.increase(1);
    }
  }

  // Keeps the first `size` bytes in `block` (so a segment's first block never
  // changes) and caches the rest as a new block.
  Block* splitOff(Block* block, size_t size) {
    Block* remainder = splitBlock(block, size);
    insertIntoPool(remainder);
    return remainder;
  }

  // Keeps the first `size` bytes in `block` and returns the rest as a new
  // block of the same kind, in no pool.
  Block* splitBlock(Block* block, size_t size) {
    Block* remainder = blocks_.acquire();
    remainder->device = device_;
    remainder->stream = block->stream;
    remainder->pool = block->pool;
    remainder->expandable = block->expandable;
    remainder->mapped = block->mapped;
    remainder->ptr = static_cast<char*>(block->ptr) + size;
    remainder->size = block->size - size;
    remainder->prev = block;
    remainder->next = block->next;
    if (remainder->next != nullptr) {
      remainder->next->prev = remainder;
    }
    block->next = remainder;
    block->size = size;
    return remainder;
  }

  // Returns a freed block to its pool, merged with free neighbours; without
  // caching, returns its segment to the device instead.
  void cacheBlock(Block* block) {
    const bool small = block->pool->is_small;
    decreaseStat(stats_.active, small, 1);
    decreaseStat(stats_.active_bytes, small, block->size);
    block = mergeFreeNeighbours(block);
    if (config_.caching_enabled()) {
      insertIntoPool(block);
    } else {
      releaseSegment(block);
    }
  }

  // Merges `block`, which is in no pool, with the neighbours it can merge
  // with, and returns the merged block (in no pool). A block with pages that
  // is part of a split segment counts as an inactive split block.
  Block* mergeFreeNeighbours(Block* block) {
    const bool counts_as_inactive = block->mapped;
    int64_t inactive_split_blocks_delta = 0;
    int64_t inactive_split_bytes_delta = 0;

    if (isMergeable(block->next, block)) {
      Block* next = block->next;
      removeFromPool(next);
      inactive_split_blocks_delta -= 1;
      inactive_split_bytes_delta -= static_cast<int64_t>(next->size);
      block->size += next->size;
      block->next = next->next;
      if (block->next != nullptr) {
        block->next->prev = block;
      }
      blocks_.recycle(next);
    }
    if (isMergeable(block->prev, block)) {
      // Merge into the lower neighbour, so the segment's first block survives.
      Block* prev = block->prev;
      removeFromPool(prev);
      inactive_split_blocks_delta -= 1;
      inactive_split_bytes_delta -= static_cast<int64_t>(prev->size);
      prev->size += block->size;
      prev->next = block->next;
      if (prev->next != nullptr) {
        prev->next->prev = prev;
      }
      blocks_.recycle(block);
      block = prev;
    }
    if (block->is_split()) {
      inactive_split_blocks_delta += 1;
      inactive_split_bytes_delta += static_cast<int64_t>(block->size);
    }
    if (counts_as_inactive) {
      const bool small = block->pool->is_small;
      adjustStat(stats_.inactive_split, small, inactive_split_blocks_delta);
      adjustStat(stats_.inactive_split_bytes, small, inactive_split_bytes_delta);
    }
    return block;
  }

  // ---- device memory ----

  // A new segment for `pool`; null when the device (or the memory fraction) has no room for it.
  Block* allocateSegment(BlockPool& pool, aclrtStream stream, size_t segment_size) {
    if (C10_UNLIKELY(!allocation_scopes_.empty())) {
      checkNewSegmentPermitted(pool);
    }
    if (config_.garbage_collection_threshold() > 0.0) {
      collectGarbage();
    }
    void* ptr = nullptr;
    if (!tryDeviceMalloc(segment_size, &ptr)) {
      // Cached segments may be what is in the way: give them back and retry.
      stats_.num_alloc_retries += 1;
      releaseCachedSegments();
      if (!tryDeviceMalloc(segment_size, &ptr)) {
        return nullptr;
      }
    }
    Block* segment = addSegmentHead(pool, stream, ptr, segment_size);
    increaseStat(stats_.reserved_bytes, pool.is_small, segment_size);
    stats_.num_device_alloc += 1;
    if (isOversize(segment_size)) {
      stats_.oversize_segments.increase(1);
    }
    return segment;
  }

  // The first block of a new segment of `pool` at [ptr, ptr + size), counted
  // as a segment of the pool; in no pool set yet.
  Block* addSegmentHead(BlockPool& pool, aclrtStream stream, void* ptr, size_t size) {
    Block* head = blocks_.acquire();
    head->device = device_;
    head->stream = stream;
    head->pool = &pool;
    head->ptr = ptr;
    head->size = size;
    segment_heads_.insert(head);
    if (PrivatePool* owner = pool.owner_private_pool) {
      owner->segment_count += 1;
    }
    increaseStat(stats_.segment, pool.is_small, 1);
    return head;
  }

  // Undoes addSegmentHead for a segment that is gone, whose only block `head` is in no pool set.
  void removeSegmentHead(Block* head) {
    segment_heads_.erase(head);
    if (PrivatePool* owner = head->pool->owner_private_pool) {
      owner->segment_count -= 1;
    }
    decreaseStat(stats_.segment, head->pool->is_small, 1);
    blocks_.recycle(head);
  }

  // ---- expandable segments ----

  // A no_split pool gives each allocation a segment of its own, which an
  // expandable segment is not: it keeps aclrtMalloc segments.
  bool usesExpandableSegments(const BlockPool& pool) const {
    const PrivatePool* owner = pool.owner_private_pool;
    return expandable_segments_ && (owner == nullptr || !owner->options.no_split);
  }

  // A block of at least `size` bytes for `stream` from `pool`, made of the
  // free memory at the start of an unmapped range of the stream's expandable
  // segment and of pages newly mapped there; null when the device (or the
  // memory fraction) has no room for them.
  Block* growExpandableSegment(BlockPool& pool, aclrtStream stream, size_t size) {
    if (C10_UNLIKELY(!allocation_scopes_.empty())) {
      checkNewSegmentPermitted(pool);
    }
    if (config_.garbage_collection_threshold() > 0.0) {
      collectGarbage();
    }
    Block* block = tryMapPages(pool, stream, size);
    if (block == nullptr) {
      // Free pages elsewhere may be what is in the way: unmap them and retry.
      stats_.num_alloc_retries += 1;
      releaseCachedSegments();
      block = tryMapPages(pool, stream, size);
    }
    return block;
  }

  Block* tryMapPages(BlockPool& pool, aclrtStream stream, size_t size) {
    runtime_oom_message_.clear();
    Block* head = expandableSegmentHead(pool, stream);
    ExpandableSegment& segment = *head->expandable;
    // The first unmapped range that, with the free memory just before it, fits.
    Block* unmapped = nullptr;
    size_t reused = 0;
    for (auto it = pool.unmapped.lower_bound(BlockKey{stream, 0, 0});
         it != pool.unmapped.end() && (*it)->stream == stream; ++it) {
      Block* candidate = *it;
      if (candidate->expandable != &segment) {
        continue;
      }
      Block* before = candidate->prev;
      const size_t free_before = isCachedFree(before) && before->mapped && before->size < size ? before->size : 0;
      if (candidate->size + free_before >= size) {
        unmapped = candidate;
        reused = free_before;
        break;
      }
    }
    if (unmapped == nullptr) {
      return nullptr;  // the reservation, larger than the device, is full
    }
    const size_t length = roundUp(size - reused, segment.pageSize());
    if (fraction_set_ && reservedBytes() + length > allowedMemory()) {
      return nullptr;
    }
    const size_t offset = static_cast<size_t>(static_cast<char*>(unmapped->ptr) - segment.base());
    if (!segment.map(offset, length, pool.spare_pages, runtime_oom_message_)) {
      return nullptr;
    }
    increaseStat(stats_.reserved_bytes, pool.is_small, length);
    // As on CUDA, each page mapped counts as a device allocation.
    stats_.num_device_alloc += static_cast<int64_t>(length / segment.pageSize());
    removeFromPool(unmapped);
    if (length < unmapped->size) {
      insertIntoPool(splitBlock(unmapped, length));
    }
    unmapped->mapped = true;
    return mergeFreeNeighbours(unmapped);
  }

  // The first block of the stream's expandable segment of `pool`, which is
  // reserved (as one unmapped range) on first need.
  Block* expandableSegmentHead(BlockPool& pool, aclrtStream stream) {
    const auto key = std::make_pair(&pool, stream);
    if (auto found = expandable_segments_by_pool_.find(key); found != expandable_segments_by_pool_.end()) {
      return found->second.head;
    }
    const size_t page_size = pool.is_small ? kSmallBuffer : kLargeBuffer;
    // As the reference does: room for all of the device's memory and an eighth more.
    const size_t reserved = roundUp(totalMemory() + totalMemory() / 8, page_size);
    auto segment = std::make_unique<ExpandableSegment>(device_, page_size, reserved);
    Block* head = addSegmentHead(pool, stream, segment->base(), segment->size());
    head->expandable = segment.get();
    head->mapped = false;
    insertIntoPool(head);
    expandable_segments_by_pool_.emplace(key, ExpandableSegmentEntry{std::move(segment), head});
    return head;
  }

  // Unmaps the whole pages of the pool's free expandable memory, which then
  // go to the pool's spare pages or back to the device; segments left without
  // pages are released.
  void unmapFreePages(BlockPool& pool, PageDisposal disposal) {
    std::vector<Block*> free_blocks;
    for (Block* block : pool.blocks) {
      if (block->expandable != nullptr) {
        free_blocks.push_back(block);
      }
    }
    bool synchronized = false;
    for (Block* block : free_blocks) {
      const ExpandableSegment& segment = *block->expandable;
      const auto start = static_cast<size_t>(static_cast<char*>(block->ptr) - segment.base());
      const size_t begin = roundUp(start, segment.pageSize());
      const size_t end = (start + block->size) / segment.pageSize() * segment.pageSize();
      if (begin >= end) {
        continue;
      }
      if (!synchronized) {
        // Work queued earlier may still use the pages (as with aclrtFree, which waits itself).
        const NPUGuard on_device(device_);
        NPU_CHECK(acl::aclrtSynchronizeDevice());
        trace::report(trace::Kind::DeviceSynchronize, device_, nullptr, nullptr);
        synchronized = true;
      }
      unmapPages(block, begin - start, end - begin, disposal == PageDisposal::Keep ? &pool.spare_pages : nullptr);
    }
    if (disposal == PageDisposal::Free) {
      pool.spare_pages.clear();
    }
    releaseUnmappedSegmentsOf(pool);
  }

  // Unmaps `length` bytes from `offset` into `block`, a free block of the
  // pool's cached ones, whose mapped head and tail stay cached.
  void unmapPages(Block* block, size_t offset, size_t length, std::vector<PhysicalPage>* spare) {
    const bool small = block->pool->is_small;
    removeFromPool(block);
    if (block->is_split()) {
      decreaseStat(stats_.inactive_split, small, 1);
      decreaseStat(stats_.inactive_split_bytes, small, block->size);
    }
    Block* middle = offset != 0 ? splitBlock(block, offset) : block;
    if (length < middle->size) {
      cacheSplitPart(splitBlock(middle, length));
    }
    if (middle != block) {
      cacheSplitPart(block);
    }
    ExpandableSegment& segment = *middle->expandable;
    segment.unmap(static_cast<size_t>(static_cast<char*>(middle->ptr) - segment.base()), length, spare);
    decreaseStat(stats_.reserved_bytes, small, length);
    stats_.num_device_free += static_cast<int64_t>(length / segment.pageSize());
    middle->mapped = false;
    insertIntoPool(mergeFreeNeighbours(middle));
  }

  // Caches a free part of a block that was split apart, with pages behind it.
  void cacheSplitPart(Block* part) {
    increaseStat(stats_.inactive_split, part->pool->is_small, 1);
    increaseStat(stats_.inactive_split_bytes, part->pool->is_small, part->size);
    insertIntoPool(part);
  }

  void releaseUnmappedSegmentsOf(const BlockPool& pool) {
    for (auto it = expandable_segments_by_pool_.begin(); it != expandable_segments_by_pool_.end();) {
      Block* head = it->second.head;
      if (it->first.first != &pool || head->mapped || head->next != nullptr) {
        ++it;
        continue;
      }
      removeFromPool(head);
      removeSegmentHead(head);
      it = expandable_segments_by_pool_.erase(it);  // releases the reservation
    }
  }

  // False when the memory fraction forbids the segment or the device is out
  // of memory; other runtime errors raise.
  bool tryDeviceMalloc(size_t size, void** ptr) {
    runtime_oom_message_.clear();
    if (fraction_set_ && reservedBytes() + size > allowedMemory()) {
      return false;
    }
    const NPUGuard on_device(device_);
    const aclError error = acl::aclrtMalloc(ptr, size, ACL_MEM_MALLOC_HUGE_FIRST);
    if (error == ACL_ERROR_RT_MEMORY_ALLOCATION) {
      // Taken now, so it does not surface in a later, unrelated error; the OOM error quotes it.
      const char* message = acl::aclGetRecentErrMsg();
      runtime_oom_message_ = message != nullptr ? message : "";
      return false;
    }
    NPU_CHECK(error);
    return true;
  }

  // `block` must be a whole segment that is in no pool.
  void releaseSegment(Block* block) {
    {
      const NPUGuard on_device(device_);
      NPU_CHECK(acl::aclrtFree(block->ptr));
    }
    // aclrtFree waits for the device's streams first (as cudaFree does).
    trace::report(trace::Kind::DeviceSynchronize, device_, nullptr, nullptr);
    decreaseStat(stats_.reserved_bytes, block->pool->is_small, block->size);
    stats_.num_device_free += 1;
    if (isOversize(block->size)) {
      stats_.oversize_segments.decrease(1);
    }
    removeSegmentHead(block);
  }

  void releaseCachedSegments() {
    synchronizeAndFreeEvents();
    releaseWholeSegments(large_pool_);
    releaseWholeSegments(small_pool_);
    unmapFreePages(large_pool_, PageDisposal::Free);
    unmapFreePages(small_pool_, PageDisposal::Free);
    // Pools nothing uses any more go too, once nothing of theirs is allocated.
    for (auto it = private_pools_.begin(); it != private_pools_.end();) {
      if (it->second->use_count > 0) {
        ++it;
        continue;
      }
      it = releaseUnusedSegmentsOf(it);
    }
  }

  // Releases the pool's cached whole segments; drops the pool if nothing uses
  // or holds it any more. Returns the next pool.
  PrivatePools::iterator releaseUnusedSegmentsOf(PrivatePools::iterator it) {
    PrivatePool& pool = *it->second;
    for (BlockPool* blocks : {&pool.large_blocks, &pool.small_blocks}) {
      releaseWholeSegments(*blocks);
      unmapFreePages(*blocks, PageDisposal::Free);
    }
    return pool.use_count == 0 && pool.segment_count == 0 ? private_pools_.erase(it) : std::next(it);
  }

  void releaseWholeSegments(BlockPool& pool) {
    for (auto it = pool.blocks.begin(); it != pool.blocks.end();) {
      Block* block = *it;
      if (block->is_split() || block->expandable != nullptr) {
        ++it;
        continue;
      }
      it = pool.blocks.erase(it);
      releaseSegment(block);
    }
  }

  // Releases whole cached segments, longest-cached first, until reserved
  // memory is back under garbage_collection_threshold * allowed memory.
  void collectGarbage() {
    const auto target = static_cast<size_t>(config_.garbage_collection_threshold() *
                                            static_cast<double>(allowedMemory()));
    if (reservedBytes() <= target) {
      return;
    }
    std::vector<Block*> candidates;
    for (BlockPool* pool : {&large_pool_, &small_pool_}) {
      for (Block* block : pool->blocks) {
        if (!block->is_split() && block->expandable == nullptr) {
          candidates.push_back(block);
        }
      }
    }
    std::sort(candidates.begin(), candidates.end(),
              [](const Block* lhs, const Block* rhs) { return lhs->cached_since < rhs->cached_since; });
    for (Block* block : candidates) {
      if (reservedBytes() <= target) {
        break;
      }
      block->pool->blocks.erase(block);
      releaseSegment(block);
    }
  }

  size_t reservedBytes() const {
    return static_cast<size_t>(stats_.reserved_bytes[kAggregateStat].current);
  }

  size_t totalMemory() {
    if (total_memory_ == 0) {
      total_memory_ = memoryInfo().second;
    }
    return total_memory_;
  }

  size_t allowedMemory() {
    const auto total = static_cast<double>(totalMemory());
    return fraction_set_ ? static_cast<size_t>(memory_fraction_ * total) : static_cast<size_t>(total);
  }

  [[noreturn]] void raiseOutOfMemory(size_t segment_size) {
    stats_.num_ooms += 1;
    size_t device_free = 0;
    size_t device_total = 0;
    {
      const NPUGuard on_device(device_);
      if (acl::aclrtGetMemInfo(ACL_HBM_MEM, &device_free, &device_total) != ACL_SUCCESS) {
        (void)acl::aclGetRecentErrMsg();
      }
    }
    const auto allocated = static_cast<size_t>(stats_.allocated_bytes[kAggregateStat].current);
    const auto active = static_cast<size_t>(stats_.active_bytes[kAggregateStat].current);
    const std::string allowed_info = fraction_set_ ? formatSize(allowedMemory()) + " allowed; " : "";
    c10::reportOutOfMemoryToProfiler(static_cast<int64_t>(segment_size), allocated, reservedBytes(),
                                     c10::Device(c10::DeviceType::PrivateUse1, device_));
    TORCH_CHECK_WITH(OutOfMemoryError, false, "NPU out of memory. Tried to allocate ", formatSize(segment_size),
                     " (NPU ", static_cast<int>(device_), "; ", formatSize(device_total), " total capacity; ",
                     formatSize(allocated), " already allocated; ", formatSize(active), " current active; ",
                     formatSize(device_free), " free; ", allowed_info, formatSize(reservedBytes()),
                     " reserved in total by PyTorch) If reserved memory is >> allocated memory try setting "
                     "max_split_size_mb to avoid fragmentation.",
                     runtime_oom_message_.empty() ? "" : " The NPU runtime reports: ", runtime_oom_message_);
  }

  // ---- cross-stream frees ----

  // As CUDA's allocator does: each event is created and recorded on its stream's
  // device (CANN records only on streams of the current device).
  void deferUntilStreamsFinish(Block* block) {
    for (const NPUStream& use : block->stream_uses) {
      const c10::DeviceIndex device = use.device_index();
      const NPUGuard on_device(device);
      AclEvent event = device == device_ ? takeIdleEvent() : AclEvent::create();
      const aclrtStream handle = use.stream();
      NPU_CHECK(acl::aclrtRecordEvent(event.get(), handle));
      // Reuse now waits for `use`'s work so far: the sanitizer forgets that stream's accesses here.
      trace::report(trace::Kind::BlockFreeDeferred, device, block->ptr, handle, block->size);
      block->event_count += 1;
      pending_frees_.push_back(PendingFree{std::move(event), block, device});
    }
    block->stream_uses.clear();
  }

  AclEvent takeIdleEvent() {
    if (idle_events_.empty()) {
      return AclEvent::create();
    }
    AclEvent event = std::move(idle_events_.back());
    idle_events_.pop_back();
    return event;
  }

  // Removes entry `index` from pending_frees_ (order does not matter), keeping
  // the list consistent even if caching the block then raises.
  PendingFree takePendingFree(size_t index) {
    PendingFree taken = std::move(pending_frees_[index]);
    if (index + 1 != pending_frees_.size()) {
      pending_frees_[index] = std::move(pending_frees_.back());
    }
    pending_frees_.pop_back();
    return taken;
  }

  void completePendingFree(PendingFree pending) {
    if (pending.event_device == device_) {  // another device's event is destroyed, not pooled
      idle_events_.push_back(std::move(pending.event));
    }
    Block* block = pending.block;
    block->event_count -= 1;
    if (block->event_count == 0) {
      cacheBlock(block);
    }
  }

  void processCompletedEvents() {
    for (size_t i = 0; i < pending_frees_.size();) {
      aclrtEventRecordedStatus status = ACL_EVENT_RECORDED_STATUS_NOT_READY;
      NPU_CHECK(acl::aclrtQueryEventStatus(pending_frees_[i].event.get(), &status));
      if (status == ACL_EVENT_RECORDED_STATUS_COMPLETE) {
        completePendingFree(takePendingFree(i));
      } else {
        ++i;
      }
    }
  }

  void synchronizeAndFreeEvents() {
    stats_.num_sync_all_streams += 1;
    while (!pending_frees_.empty()) {
      const size_t last = pending_frees_.size() - 1;
      NPU_CHECK(acl::aclrtSynchronizeEvent(pending_frees_[last].event.get()));
      completePendingFree(takePendingFree(last));
    }
  }

  // ---- reporting ----

  void reportUsageToProfiler(const Block* block, int64_t size_delta) const {
    if (C10_LIKELY(!c10::memoryProfilingEnabled())) {
      return;
    }
    c10::reportMemoryUsageToProfiler(block->ptr, size_delta,
                                     static_cast<size_t>(stats_.allocated_bytes[kAggregateStat].current),
                                     reservedBytes(), c10::Device(c10::DeviceType::PrivateUse1, device_));
  }

  // The blocks from `first` up to the next one without pages (or the segment's end).
  SegmentInfo describeMappedRun(const Block* first) const {
    SegmentInfo segment;
    segment.device = device_;
    segment.address = first->address();
    segment.stream = first->stream;
    segment.is_large = !first->pool->is_small;
    segment.is_expandable = first->expandable != nullptr;
    if (const PrivatePool* owner = first->pool->owner_private_pool) {
      segment.owner_pool_id = owner->id;
    }
    for (const Block* block = first; block != nullptr && block->mapped; block = block->next) {
      BlockInfo info;
      info.size = block->size;
      info.requested_size = block->requested_size;
      info.allocated = block->allocated;
      // Freed but still awaited by another stream counts as active.
      info.active = block->allocated || block->event_count > 0 || !block->stream_uses.empty();
      segment.total_size += block->size;
      if (info.allocated) {
        segment.allocated_size += block->size;
        segment.requested_size += block->requested_size;
      }
      if (info.active) {
        segment.active_size += block->size;
      }
      segment.blocks.push_back(std::move(info));
    }
    return segment;
  }

  const c10::DeviceIndex device_;
  const NPUAllocatorConfig& config_;
  // New memory comes from expandable segments rather than aclrtMalloc.
  const bool expandable_segments_;
  mutable std::mutex mutex_;
  DeviceStats stats_;
  BlockStore blocks_;
  BlockPool small_pool_{true};
  BlockPool large_pool_{false};
  // The first block of every segment (stable for the segment's lifetime).
  ska::flat_hash_set<Block*> segment_heads_;
  // One expandable segment per pool and stream, created on first need.
  std::map<std::pair<const BlockPool*, aclrtStream>, ExpandableSegmentEntry> expandable_segments_by_pool_;
  // Blocks handed out and not yet freed, by address.
  ska::flat_hash_map<void*, Block*> allocated_blocks_;
  std::vector<AclEvent> idle_events_;
  std::vector<PendingFree> pending_frees_;
  // Private pools by id; unique_ptr keeps PrivatePool addresses (which blocks
  // point into) stable.
  PrivatePools private_pools_;
  // The captures and use_mem_pool routings under way on this device.
  std::vector<AllocationScope> allocation_scopes_;
  // Freed during a capture while other streams used them (see free()).
  std::vector<Block*> deferred_until_no_capture_;
  uint64_t clock_ = 0;
  double memory_fraction_ = 1.0;
  bool fraction_set_ = false;
  // Why the runtime refused the last device allocation (its recent-error text), or empty.
  std::string runtime_oom_message_;
  size_t total_memory_ = 0;  // queried on first need
};

// The device this thread last allocated or freed on: frees usually come from
// the same device, so it is asked first whether it owns a pointer.
thread_local c10::DeviceIndex last_used_device = 0;

void deleteRaw(void* ptr) noexcept;

class NPUCachingAllocatorImpl final : public c10::DeviceAllocator {
 public:
  c10::DataPtr allocate(size_t nbytes) override {
    const c10::DeviceIndex device = current_device();
    const c10::Device npu_device(c10::DeviceType::PrivateUse1, device);
    if (nbytes == 0) {
      return {nullptr, nullptr, &deleteRaw, npu_device};
    }
    void* ptr = allocateOn(device, nbytes, getCurrentNPUStream(device).stream());
    return {ptr, ptr, &deleteRaw, npu_device};
  }

  c10::DeleterFnPtr raw_deleter() const override { return &deleteRaw; }

  void copy_data(void* dest, const void* src, std::size_t count) const override {
    if (count == 0) {
      return;
    }
    // Ordered after the work that produced `src` on the current stream.
    NPU_CHECK(acl::aclrtMemcpyAsync(dest, count, src, count, ACL_MEMCPY_DEVICE_TO_DEVICE, getCurrentNPUStream()));
  }

  bool initialized() override { return ensureInitialized(false); }

  bool hasServed() const { return initialized_.load(std::memory_order_acquire); }

  void emptyCache(c10::MempoolId_t mempool_id) override {
    if (!initialized_.load(std::memory_order_acquire)) {
      return;
    }
    const bool every_pool = mempool_id.first == 0 && mempool_id.second == 0;
    for (const auto& device_allocator : devices_) {
      if (every_pool) {
        device_allocator->emptyCache();
      } else {
        device_allocator->emptyPoolCache(mempool_id);
      }
    }
  }

  void emptyVirtAddrCache() {
    if (initialized_.load(std::memory_order_acquire)) {
      for (const auto& device_allocator : devices_) {
        device_allocator->emptyVirtAddrCache();
      }
    }
  }

  void recordStream(const c10::DataPtr& ptr, c10::Stream stream) override {
    // Memory from elsewhere (e.g. from_blob) is not ours to track.
    if (ptr.get() == nullptr || ptr.get_deleter() != &deleteRaw) {
      return;
    }
    const NPUStream npu_stream(stream);
    const bool found =
        forOwningDevice([&](DeviceCachingAllocator& device) { return device.recordStream(ptr.get(), npu_stream); });
    TORCH_CHECK(found, "recordStream: no NPU caching allocator block for pointer ", ptr.get());
  }

  DeviceStats getDeviceStats(c10::DeviceIndex device) override { return deviceAllocator(device).stats(); }

  void resetAccumulatedStats(c10::DeviceIndex device) override { deviceAllocator(device).resetAccumulatedStats(); }

  void resetPeakStats(c10::DeviceIndex device) override { deviceAllocator(device).resetPeakStats(); }

  std::pair<size_t, size_t> getMemoryInfo(c10::DeviceIndex device) TORCH_NPU_OVERRIDE_SINCE_2_10 {
    return deviceAllocator(device).memoryInfo();
  }

  void* allocateOn(c10::DeviceIndex device, size_t nbytes, aclrtStream stream) {
    void* ptr = deviceAllocator(device).malloc(nbytes, stream);
    last_used_device = device;
    return ptr;
  }

  void free(void* ptr) {
    if (ptr == nullptr) {
      return;
    }
    const bool found = forOwningDevice([ptr](DeviceCachingAllocator& device) { return device.free(ptr); });
    TORCH_CHECK(found, "NPU caching allocator: invalid device pointer ", ptr);
  }

  void setMemoryFraction(double fraction, c10::DeviceIndex device) {
    TORCH_CHECK_VALUE(fraction >= 0.0 && fraction <= 1.0, "Invalid fraction value: ", fraction,
                      ". Allowed range: 0~1");
    deviceAllocator(device).setMemoryFraction(fraction);
  }

  double getMemoryFraction(c10::DeviceIndex device) { return deviceAllocator(device).memoryFraction(); }

  std::vector<SegmentInfo> snapshot() {
    std::vector<SegmentInfo> segments;
    if (ensureInitialized(false)) {
      for (const auto& device_allocator : devices_) {
        device_allocator->appendSegments(segments);
      }
    }
    return segments;
  }

  DeviceCachingAllocator& deviceAllocator(c10::DeviceIndex device) {
    ensureInitialized(true);
    if (device < 0) {
      device = current_device();
    }
    TORCH_CHECK(static_cast<size_t>(device) < devices_.size(), "Invalid NPU device index ", static_cast<int>(device),
                ": ", devices_.size(), " device(s) visible");
    return *devices_[device];
  }

 private:
  // Creates one allocator per visible device on first use. Returns false
  // (or raises, if `required`) when there is no device.
  bool ensureInitialized(bool required) {
    if (C10_LIKELY(initialized_.load(std::memory_order_acquire))) {
      return true;
    }
    std::lock_guard<std::mutex> lock(init_mutex_);
    if (initialized_.load(std::memory_order_relaxed)) {
      return true;
    }
    const c10::DeviceIndex count = required ? device_count_ensure_non_zero() : device_count();
    if (count <= 0) {
      return false;
    }
    // Raises on a bad PYTORCH_NPU_ALLOC_CONF; nothing is latched then, so
    // every later use reports it again.
    const NPUAllocatorConfig& config = NPUAllocatorConfig::instance();
    devices_.reserve(count);
    for (c10::DeviceIndex device = 0; device < count; ++device) {
      devices_.push_back(std::make_unique<DeviceCachingAllocator>(device, config));
    }
    initialized_.store(true, std::memory_order_release);
    return true;
  }

  // Calls `action` (which returns whether the device owns the pointer) on the
  // thread's last used device first, then on the others, until one does.
  template <typename Action>
  bool forOwningDevice(Action&& action) {
    if (!initialized_.load(std::memory_order_acquire)) {
      return false;
    }
    const auto device_total = static_cast<c10::DeviceIndex>(devices_.size());
    const c10::DeviceIndex first = last_used_device < device_total ? last_used_device : 0;
    if (action(*devices_[first])) {
      return true;
    }
    for (c10::DeviceIndex device = 0; device < device_total; ++device) {
      if (device != first && action(*devices_[device])) {
        last_used_device = device;
        return true;
      }
    }
    return false;
  }

  std::atomic<bool> initialized_{false};
  std::mutex init_mutex_;
  // Filled once under init_mutex_, read-only afterwards.
  std::vector<std::unique_ptr<DeviceCachingAllocator>> devices_;
};

NPUCachingAllocatorImpl& allocatorImpl() {
  // Never destroyed: the allocator must outlive every tensor, including those
  // owned by statics destroyed after this one, and the runtime at exit.
  static npu_common::NoDestructor<NPUCachingAllocatorImpl> instance;
  return instance.get();
}

// The deleter of every DataPtr: it runs in destructors, so it must not throw.
void deleteRaw(void* ptr) noexcept {
  releaseWithoutThrowing("NPU memory", ptr, [ptr] { allocatorImpl().free(ptr); });
}

// Installs the allocator for PrivateUse1 when libtorch_npu is loaded.
struct RegisterAllocator {
  RegisterAllocator() { c10::SetAllocator(c10::DeviceType::PrivateUse1, &allocatorImpl()); }
};
const RegisterAllocator register_allocator;

}  // namespace

// Each entry point serves from the pluggable allocator once one is installed
// (NPUPluggableAllocator.h), or says what it cannot do.
using NPUPluggableAllocator::PluggableAllocator;

namespace {

PluggableAllocator* pluggable() noexcept {
  return NPUPluggableAllocator::current();
}

void refuseIfPluggable(const char* what) {
  if (C10_UNLIKELY(pluggable() != nullptr)) {
    NPUPluggableAllocator::raiseUnsupported(what);
  }
}

}  // namespace

c10::DeviceAllocator* get() {
  if (PluggableAllocator* custom = pluggable()) {
    return custom;
  }
  return &allocatorImpl();
}

bool hasServed() {
  return allocatorImpl().hasServed();
}

void* raw_alloc(size_t nbytes) {
  if (nbytes == 0) {
    return nullptr;
  }
  const c10::DeviceIndex device = current_device();
  const aclrtStream stream = getCurrentNPUStream(device).stream();
  if (PluggableAllocator* custom = pluggable()) {
    return custom->rawAlloc(nbytes, device, stream);
  }
  return allocatorImpl().allocateOn(device, nbytes, stream);
}

void* raw_alloc_with_stream(size_t nbytes, aclrtStream stream) {
  if (nbytes == 0) {
    return nullptr;
  }
  if (PluggableAllocator* custom = pluggable()) {
    return custom->rawAlloc(nbytes, current_device(), stream);
  }
  return allocatorImpl().allocateOn(current_device(), nbytes, stream);
}

void raw_delete(void* ptr) {
  if (PluggableAllocator* custom = pluggable()) {
    custom->rawDelete(ptr);
    return;
  }
  allocatorImpl().free(ptr);
}

void recordStream(const c10::DataPtr& ptr, NPUStream stream) {
  get()->recordStream(ptr, stream.unwrap());
}

void emptyCache() {
  get()->emptyCache({0, 0});
}

void emptyCache(c10::MempoolId_t mempool_id) {
  get()->emptyCache(mempool_id);
}

void emptyVirtAddrCache() {
  refuseIfPluggable("emptyVirtAddrCache");
  TORCH_CHECK(NPUAllocatorConfig::instance().expandable_segments(),
              "Unsupported config for empty_virt_addr_cache, please enable expandable_segments.");
  allocatorImpl().emptyVirtAddrCache();
}

void createOrIncrefPool(c10::DeviceIndex device, c10::MempoolId_t mempool_id, PoolOptions options) {
  refuseIfPluggable("private memory pools (MemPool)");
  allocatorImpl().deviceAllocator(device).createOrIncrefPool(mempool_id, options);
}

void releasePool(c10::DeviceIndex device, c10::MempoolId_t mempool_id) {
  refuseIfPluggable("private memory pools (MemPool)");
  allocatorImpl().deviceAllocator(device).releasePool(mempool_id);
}

int getPoolUseCount(c10::DeviceIndex device, c10::MempoolId_t mempool_id) {
  refuseIfPluggable("private memory pools (MemPool)");
  return allocatorImpl().deviceAllocator(device).poolUseCount(mempool_id);
}

void beginAllocateToPool(c10::DeviceIndex device, c10::MempoolId_t mempool_id,
                         std::function<bool(aclrtStream)> filter, aclmdlRICaptureMode mode) {
  refuseIfPluggable("NPU graph capture");
  allocatorImpl().deviceAllocator(device).beginAllocateToPool(mempool_id, std::move(filter), mode);
}

void beginAllocateCurrentThreadToPool(c10::DeviceIndex device, c10::MempoolId_t mempool_id) {
  refuseIfPluggable("private memory pools (use_mem_pool)");
  allocatorImpl().deviceAllocator(device).beginAllocateCurrentThreadToPool(mempool_id);
}

void endAllocateToPool(c10::DeviceIndex device, c10::MempoolId_t mempool_id) {
  refuseIfPluggable("private memory pools");
  allocatorImpl().deviceAllocator(device).endAllocateToPool(mempool_id);
}

void setMemoryFraction(double fraction, c10::DeviceIndex device) {
  refuseIfPluggable("setMemoryFraction");
  allocatorImpl().setMemoryFraction(fraction, device);
}

double getMemoryFraction(c10::DeviceIndex device) {
  refuseIfPluggable("getMemoryFraction");
  return allocatorImpl().getMemoryFraction(device);
}

DeviceStats getDeviceStats(c10::DeviceIndex device) {
  return get()->getDeviceStats(device);
}

void resetAccumulatedStats(c10::DeviceIndex device) {
  get()->resetAccumulatedStats(device);
}

void resetPeakStats(c10::DeviceIndex device) {
  get()->resetPeakStats(device);
}

bool holdsAnyOf(c10::DeviceIndex device, const std::vector<std::pair<uintptr_t, size_t>>& ranges) {
  refuseIfPluggable("holdsAnyOf");
  return allocatorImpl().deviceAllocator(device).holdsAnyOf(ranges);
}

std::vector<SegmentInfo> snapshot() {
  refuseIfPluggable("snapshot");
  return allocatorImpl().snapshot();
}

// The runtime's figures, whichever allocator serves.
std::pair<size_t, size_t> getMemoryInfo(c10::DeviceIndex device) {
  return allocatorImpl().getMemoryInfo(device);
}

bool isCachingEnabled() {
  return pluggable() == nullptr && NPUAllocatorConfig::instance().caching_enabled();
}

std::string name() {
  return pluggable() != nullptr ? "pluggable" : "native";
}

}  // namespace torch_npu::npu::NPUCachingAllocator
