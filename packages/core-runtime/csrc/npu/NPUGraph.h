// NPU graphs (torch.npu.NPUGraph), the counterpart of at::cuda::CUDAGraph:
// the work a stream enqueues between capture_begin and capture_end is
// recorded by the runtime (aclmdlRICaptureBegin/End) instead of running, and
// replay() enqueues all of it again as one submission (aclmdlRIExecuteAsync).
//
// A replay reuses the device addresses of the capture, so the memory the
// capture allocates comes from a private pool of the caching allocator that
// outlives the capture until reset() (see NPUCachingAllocator.h).
#pragma once

#include <vector>

#include <ATen/core/Tensor.h>
#include <c10/core/CachingDeviceAllocator.h>

#include "acl/acl_rt.h"
#include "npu/NPUStream.h"

namespace torch_npu::npu {

class NPUGraph {
 public:
  NPUGraph() = default;
  // Resets; failures become warnings.
  ~NPUGraph();

  NPUGraph(const NPUGraph&) = delete;
  NPUGraph& operator=(const NPUGraph&) = delete;

  // Starts capturing the current stream, which must not be the default one.
  // `pool` {0, 0}: a pool of the graph's own; otherwise one to share
  // (graph_pool_handle() or another graph's pool()).
  void capture_begin(c10::MempoolId_t pool = {0, 0}, aclmdlRICaptureMode mode = ACL_MODEL_RI_CAPTURE_MODE_GLOBAL);
  void capture_end();
  // Enqueues the captured work on the current stream.
  void replay();
  // Destroys the captured graph and gives its pool back (emptyCache then
  // returns its memory once no other graph shares it).
  void reset();
  c10::MempoolId_t pool() const;

  // Keeps `buffer` alive as long as the graph capturing `stream`, if one
  // does: for host memory that a captured task reads at every replay.
  // Returns whether a graph took it.
  static bool retainForReplays(aclrtStream stream, at::Tensor buffer);

 private:
  void endCaptureBookkeeping();

  aclmdlRI model_ = nullptr;
  bool capturing_ = false;
  bool has_graph_ = false;
  c10::MempoolId_t mempool_id_{0, 0};
  c10::DeviceIndex capture_device_ = -1;
  aclrtStream capture_stream_ = nullptr;
  std::vector<at::Tensor> retained_;
};

// A new pool id for graphs to share (torch.npu.graph_pool_handle).
c10::MempoolId_t graph_pool_handle();

// Task groups, for the graph dispatch mode of torch.npu.graph: the work that
// a capturing `stream` enqueues between graphTaskGroupBegin and
// graphTaskGroupEnd becomes a group; the work another stream enqueues between
// graphTaskUpdateBegin and graphTaskUpdateEnd (as many tasks, launched the
// same way with new host-side arguments) replaces the group, in that stream's
// order, for every later replay (aclmdlRICaptureTaskGrp*, TaskUpdate*).
void graphTaskGroupBegin(const NPUStream& stream);
aclrtTaskGrp graphTaskGroupEnd(const NPUStream& stream);
void graphTaskUpdateBegin(const NPUStream& stream, aclrtTaskGrp group);
void graphTaskUpdateEnd(const NPUStream& stream);

// How many NPUGraph captures are under way in the process: the cheap test
// that lets hot paths skip asking the runtime whether a stream captures.
int capturesUnderway() noexcept;

}  // namespace torch_npu::npu
