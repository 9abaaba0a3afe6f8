// ProcessGroupHCCL: torch.distributed's `hccl` backend for the npu device, a
// c10d::Backend in the shape of ProcessGroupNCCL.
//
// Each device has one communicator (created on its first collective: rank 0
// makes the root info and shares it through the store) and one HCCL stream.
// A collective makes the HCCL stream wait for the caller's current stream,
// enqueues there, records its tensors on that stream for the caching
// allocator and returns a WorkHCCL; the host never waits for the data.
#pragma once

#include <torch/csrc/distributed/c10d/Backend.hpp>
#include <torch/csrc/distributed/c10d/Store.hpp>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "HcclComm.h"
#include "Watchdog.h"
#include "WorkHCCL.h"
#include "npu/NPUStream.h"

namespace torch_npu::hccl {

class ProcessGroupHCCL : public c10d::Backend {
 public:
  // ProcessGroupHCCL.Options: the op timeout (Backend.Options' timeout), the
  // HCCL streams' priority, and hccl_config's keys.
  struct Options : c10d::Backend::Options {
    explicit Options(bool is_high_priority_stream = false);
    static c10::intrusive_ptr<Options> create(bool is_high_priority_stream = false) {
      return c10::make_intrusive<Options>(is_high_priority_stream);
    }
    bool is_high_priority_stream;
    // hccl_config["hccl_buffer_size"]: MB of the staging buffer (HCCL_BUFFSIZE when unset).
    uint32_t hccl_buffer_size = HCCL_COMM_BUFFSIZE_CONFIG_NOT_SET;
    // hccl_config["group_name"]: the communicator's name.
    std::string hccl_group_name;
  };

  ProcessGroupHCCL(c10::intrusive_ptr<c10d::Store> store, int rank, int size, c10::intrusive_ptr<Options> options);
  ~ProcessGroupHCCL() override;

  const std::string getBackendName() const override { return "hccl"; }
  c10::intrusive_ptr<Options> getOptions() const { return options_; }
  uint64_t getSequenceNumberForGroup() override { return sequence_; }
  void setSequenceNumberForGroup() override {}

  c10::intrusive_ptr<c10d::Work> broadcast(std::vector<at::Tensor>& tensors,
                                           const c10d::BroadcastOptions& opts = {}) override;
  c10::intrusive_ptr<c10d::Work> allreduce(std::vector<at::Tensor>& tensors,
                                           const c10d::AllreduceOptions& opts = {}) override;
  c10::intrusive_ptr<c10d::Work> allreduce_coalesced(std::vector<at::Tensor>& tensors,
                                                     const c10d::AllreduceCoalescedOptions& opts = {}) override;
  c10::intrusive_ptr<c10d::Work> reduce(std::vector<at::Tensor>& tensors,
                                        const c10d::ReduceOptions& opts = {}) override;
  c10::intrusive_ptr<c10d::Work> allgather(std::vector<std::vector<at::Tensor>>& outputs,
                                           std::vector<at::Tensor>& inputs,
                                           const c10d::AllgatherOptions& opts = {}) override;
  c10::intrusive_ptr<c10d::Work> _allgather_base(at::Tensor& output, at::Tensor& input,
                                                 const c10d::AllgatherOptions& opts = {}) override;
  c10::intrusive_ptr<c10d::Work> allgather_into_tensor_coalesced(std::vector<at::Tensor>& outputs,
                                                                 std::vector<at::Tensor>& inputs,
                                                                 const c10d::AllgatherOptions& opts = {}) override;
  c10::intrusive_ptr<c10d::Work> reduce_scatter(std::vector<at::Tensor>& outputs,
                                                std::vector<std::vector<at::Tensor>>& inputs,
                                                const c10d::ReduceScatterOptions& opts = {}) override;
  c10::intrusive_ptr<c10d::Work> _reduce_scatter_base(at::Tensor& output, at::Tensor& input,
                                                      const c10d::ReduceScatterOptions& opts = {}) override;
  c10::intrusive_ptr<c10d::Work> reduce_scatter_tensor_coalesced(
      std::vector<at::Tensor>& outputs, std::vector<at::Tensor>& inputs,
      const c10d::ReduceScatterOptions& opts = {}) override;
  c10::intrusive_ptr<c10d::Work> alltoall_base(at::Tensor& output, at::Tensor& input,
                                               std::vector<int64_t>& output_split_sizes,
                                               std::vector<int64_t>& input_split_sizes,
                                               const c10d::AllToAllOptions& opts = {}) override;
  c10::intrusive_ptr<c10d::Work> alltoall(std::vector<at::Tensor>& outputs, std::vector<at::Tensor>& inputs,
                                          const c10d::AllToAllOptions& opts = {}) override;
  c10::intrusive_ptr<c10d::Work> send(std::vector<at::Tensor>& tensors, int dst_rank, int tag) override;
  c10::intrusive_ptr<c10d::Work> recv(std::vector<at::Tensor>& tensors, int src_rank, int tag) override;
  // HCCL receives from a named peer only (as NCCL does): refused.
  c10::intrusive_ptr<c10d::Work> recvAnysource(std::vector<at::Tensor>& tensors, int tag) override;
  c10::intrusive_ptr<c10d::Work> gather(std::vector<std::vector<at::Tensor>>& outputs,
                                        std::vector<at::Tensor>& inputs,
                                        const c10d::GatherOptions& opts = {}) override;
  c10::intrusive_ptr<c10d::Work> scatter(std::vector<at::Tensor>& outputs,
                                         std::vector<std::vector<at::Tensor>>& inputs,
                                         const c10d::ScatterOptions& opts = {}) override;
  c10::intrusive_ptr<c10d::Work> barrier(const c10d::BarrierOptions& opts = {}) override;

  // Between these, sends and receives are collected and then run as one
  // HcclBatchSendRecv (batch_isend_irecv: both directions progress together);
  // collectives run at once, in order. The returned work covers all of it.
  bool supportsCoalescing() const override { return true; }
  void startCoalescing() override;
  c10::intrusive_ptr<c10d::Work> endCoalescing() override;

  // torch_npu.distributed.reinit_process_group: waits for this rank's HCCL
  // streams, then destroys its communicators; the next collective creates new
  // ones through the store, as the first did. Every rank of the group calls it.
  void rebuildCommunicators();

  // The reference's get_hccl_comm: the HcclComm, as an integer, of the device
  // that rank `rank` uses (rank modulo the device count), for CANN calls made
  // outside torch-npu (stress_detect's link test). Creating it is collective:
  // every rank of the group then calls this.
  int64_t hcclCommHandle(int rank);

 private:
  struct DeviceState {
    std::shared_ptr<HcclCommunicator> comm;
    std::optional<npu::NPUStream> stream;
  };
  // Enqueues `body` on `device`'s HCCL stream, after the current stream's work.
  using Body = std::function<void(HcclComm comm, aclrtStream stream)>;
  c10::intrusive_ptr<c10d::Work> collective(c10::Device device, c10d::OpType type, const std::vector<at::Tensor>& inputs,
                                            std::vector<at::Tensor> outputs, const Body& body,
                                            bool blocks_host = false);
  DeviceState& stateFor(c10::Device device);
  HcclCommConfig commConfig() const;

  // A send or receive waiting for endCoalescing, and the work it returned.
  struct PendingTransfer {
    HcclSendRecvType type;
    at::Tensor tensor;
    uint32_t peer;
    c10::intrusive_ptr<WorkHCCL> work;
  };
  c10::intrusive_ptr<c10d::Work> pointToPoint(HcclSendRecvType type, std::vector<at::Tensor>& tensors, int peer);

  bool coalescing_ = false;
  std::optional<c10::Device> coalescing_device_;
  std::vector<PendingTransfer> pending_;

  c10::intrusive_ptr<c10d::Store> store_;
  c10::intrusive_ptr<Options> options_;
  std::mutex mutex_;
  std::map<c10::DeviceIndex, DeviceState> states_;
  // Names each communicator's root info in the store; every rank creates its
  // communicators in the same order, so the counts agree.
  uint64_t communicators_created_ = 0;
  uint64_t sequence_ = 0;
  std::unique_ptr<Watchdog> watchdog_;
};

}  // namespace torch_npu::hccl
