// The Work of one HCCL collective, in the shape of c10d's WorkNCCL: its
// tensors and future here, its events and failure in a CollectiveState that
// the watchdog shares.
#pragma once

#include <ATen/core/ivalue.h>
#include <torch/csrc/distributed/c10d/Work.hpp>

#include <chrono>
#include <memory>
#include <vector>

#include "CollectiveState.h"

namespace torch_npu::hccl {

class WorkHCCL : public c10d::Work {
 public:
  WorkHCCL(int rank, c10d::OpType type, uint64_t sequence, c10::Device device, std::chrono::milliseconds timeout,
           std::shared_ptr<HcclCommunicator> comm, bool blocks_host);

  // Done when the event is reached (or the work failed).
  bool isCompleted() override;
  bool isSuccess() const override;
  std::exception_ptr exception() const override;
  // The current stream waits for the collective; the host does not, unless
  // this is a barrier or HCCL_BLOCKING_WAIT is set (then failures raise here).
  bool wait(std::chrono::milliseconds timeout = kNoTimeout) override;
  void synchronize() override;
  c10::intrusive_ptr<c10::ivalue::Future> getFuture() override;
  std::vector<at::Tensor> result() override;
  uint64_t getSequencenumber() const override { return state_->sequence(); }

  // Set up by ProcessGroupHCCL while enqueueing.
  void waitForCurrent(const npu::NPUStream& current, const npu::NPUStream& hccl_stream) {
    state_->waitForCurrent(current, hccl_stream);
  }
  void recordEnd(const npu::NPUStream& stream, std::vector<at::Tensor> outputs, int64_t numel_in, int64_t numel_out);
  const std::shared_ptr<CollectiveState>& state() const { return state_; }

 private:
  std::shared_ptr<CollectiveState> state_;
  bool blocks_host_;
  std::vector<at::Tensor> outputs_;
  c10::intrusive_ptr<c10::ivalue::Future> future_;
};

// TORCH_HCCL_BLOCKING_WAIT (or HCCL_BLOCKING_WAIT) is 1.
bool blockingWait();

}  // namespace torch_npu::hccl
