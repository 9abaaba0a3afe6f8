#include "npu/NPUGraph.h"

#include <atomic>
#include <mutex>

#include <c10/util/Exception.h>
#include <c10/util/flat_hash_map.h>

#include "acl/AclApi.h"
#include "npu/NPUCachingAllocator.h"
#include "npu/NPUException.h"
#include "npu/NPUFunctions.h"
#include "npu/NPUGraphsUtils.h"
#include "npu/NPUGuardImpl.h"
#include "npu/NPUMemPool.h"

namespace torch_npu::npu {
namespace {

std::atomic<int> captures_underway{0};

// The graphs whose capture is under way, by the model they record into.
struct CapturingGraphs {
  std::mutex mutex;
  ska::flat_hash_map<aclmdlRI, std::vector<at::Tensor>*> retained_by_model;
};
CapturingGraphs& capturingGraphs() {
  static CapturingGraphs graphs;
  return graphs;
}

}  // namespace

c10::MempoolId_t graph_pool_handle() {
  return newMempoolId(/*user_created=*/true);
}

void graphTaskGroupBegin(const NPUStream& stream) {
  const NPUGuard guard(stream.device_index());
  NPU_CHECK(acl::aclmdlRICaptureTaskGrpBegin(stream.stream()));
}

aclrtTaskGrp graphTaskGroupEnd(const NPUStream& stream) {
  const NPUGuard guard(stream.device_index());
  aclrtTaskGrp group = nullptr;
  NPU_CHECK(acl::aclmdlRICaptureTaskGrpEnd(stream.stream(), &group));
  return group;
}

void graphTaskUpdateBegin(const NPUStream& stream, aclrtTaskGrp group) {
  const NPUGuard guard(stream.device_index());
  NPU_CHECK(acl::aclmdlRICaptureTaskUpdateBegin(stream.stream(), group));
}

void graphTaskUpdateEnd(const NPUStream& stream) {
  const NPUGuard guard(stream.device_index());
  NPU_CHECK(acl::aclmdlRICaptureTaskUpdateEnd(stream.stream()));
}

int capturesUnderway() noexcept {
  return captures_underway.load(std::memory_order_acquire);
}

NPUGraph::~NPUGraph() {
  try {
    reset();
  } catch (const std::exception& error) {
    try {
      TORCH_WARN("NPUGraph could not release its graph: ", error.what());
    } catch (...) {  // a warning handler that raises must not escape a destructor
    }
  }
}

void NPUGraph::capture_begin(c10::MempoolId_t pool, aclmdlRICaptureMode mode) {
  TORCH_CHECK(!has_graph_ && !capturing_,
              "This NPUGraph instance already owns a captured graph. To capture a new graph, create a new instance.");
  TORCH_CHECK(NPUCachingAllocator::isCachingEnabled(),
              "NPU graphs need the caching allocator, which PYTORCH_NO_NPU_MEMORY_CACHING=1 turns off: a replay "
              "writes to the memory its capture allocated, which must stay reserved for it.");
  TORCH_CHECK(!(pool.first != 0 && pool.second != 0), "Invalid graph pool id (", pool.first, ", ", pool.second,
              "): pass graph_pool_handle() or another graph's pool()");
  const NPUStream stream = getCurrentNPUStream();
  TORCH_CHECK(stream != getDefaultNPUStream(stream.device_index()),
              "NPU graphs must be captured on a non-default stream. (However, after capture, it's ok to replay them "
              "on the default stream.)");
  capture_device_ = stream.device_index();
  capture_stream_ = stream.stream();
  mempool_id_ = (pool.first != 0 || pool.second != 0) ? pool : newMempoolId(/*user_created=*/false);

  // The pool is in place before the capture starts, so that no allocation of
  // the capturing stream can reach the default pool. The filter reads model_
  // when it runs: the model exists once aclmdlRICaptureBegin returned.
  NPUCachingAllocator::beginAllocateToPool(
      capture_device_, mempool_id_,
      [this](aclrtStream candidate) {
        const CaptureInfo info = captureInfo(candidate);
        return info.status == ACL_MODEL_RI_CAPTURE_STATUS_ACTIVE && info.model == model_;
      },
      mode);
  const aclError begun = acl::aclmdlRICaptureBegin(capture_stream_, mode);
  if (begun != ACL_SUCCESS) {
    NPUCachingAllocator::endAllocateToPool(capture_device_, mempool_id_);
    NPUCachingAllocator::releasePool(capture_device_, mempool_id_);
    NPU_CHECK(begun);
  }
  const CaptureInfo info = captureInfo(capture_stream_);
  TORCH_INTERNAL_ASSERT(info.status == ACL_MODEL_RI_CAPTURE_STATUS_ACTIVE && info.model != nullptr);
  model_ = info.model;
  capturing_ = true;
  {
    CapturingGraphs& graphs = capturingGraphs();
    std::lock_guard<std::mutex> lock(graphs.mutex);
    graphs.retained_by_model.emplace(model_, &retained_);
  }
  captures_underway.fetch_add(1, std::memory_order_acq_rel);
}

void NPUGraph::capture_end() {
  TORCH_CHECK(capturing_, "capture_end() called before capture_begin().");
  TORCH_CHECK(getCurrentNPUStream().stream() == capture_stream_, "Capture must end on the same stream it began on.");
  aclmdlRI captured = nullptr;
  const aclError ended = acl::aclmdlRICaptureEnd(capture_stream_, &captured);
  endCaptureBookkeeping();
  if (ended != ACL_SUCCESS) {
    // Nothing was captured: the pool has no graph to serve.
    NPUCachingAllocator::releasePool(capture_device_, mempool_id_);
    retained_.clear();
    model_ = nullptr;
    NPU_CHECK(ended);
  }
  TORCH_INTERNAL_ASSERT(captured == model_, "aclmdlRICaptureEnd returned another model than the capture's");
  has_graph_ = true;
}

void NPUGraph::endCaptureBookkeeping() {
  capturing_ = false;
  captures_underway.fetch_sub(1, std::memory_order_acq_rel);
  {
    CapturingGraphs& graphs = capturingGraphs();
    std::lock_guard<std::mutex> lock(graphs.mutex);
    graphs.retained_by_model.erase(model_);
  }
  NPUCachingAllocator::endAllocateToPool(capture_device_, mempool_id_);
}

void NPUGraph::replay() {
  TORCH_CHECK(has_graph_, "Called NPUGraph::replay without a preceding successful capture.");
  const NPUGuard on_device(capture_device_);
  NPU_CHECK(acl::aclmdlRIExecuteAsync(model_, getCurrentNPUStream()));
}

void NPUGraph::reset() {
  TORCH_CHECK(!capturing_, "NPUGraph::reset() was called while the graph is capturing; call capture_end() first.");
  if (!has_graph_) {
    return;
  }
  has_graph_ = false;
  NPUCachingAllocator::releasePool(capture_device_, mempool_id_);
  const NPUGuard on_device(capture_device_);
  NPU_CHECK(acl::aclmdlRIDestroy(model_));
  model_ = nullptr;
  retained_.clear();
}

c10::MempoolId_t NPUGraph::pool() const {
  TORCH_CHECK(has_graph_, "Called NPUGraph::pool() without a preceding successful capture.");
  return mempool_id_;
}

bool NPUGraph::retainForReplays(aclrtStream stream, at::Tensor buffer) {
  if (capturesUnderway() == 0) {
    return false;
  }
  const CaptureInfo info = captureInfo(stream);
  if (info.status == ACL_MODEL_RI_CAPTURE_STATUS_NONE) {
    return false;
  }
  CapturingGraphs& graphs = capturingGraphs();
  std::lock_guard<std::mutex> lock(graphs.mutex);
  auto found = graphs.retained_by_model.find(info.model);
  if (found == graphs.retained_by_model.end()) {
    return false;
  }
  found->second->push_back(std::move(buffer));
  return true;
}

}  // namespace torch_npu::npu
