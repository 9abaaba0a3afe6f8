// The Work of one HCCL collective: an event recorded on the communicator's
// stream after it, in the shape of c10d's WorkNCCL.
#pragma once

#include <ATen/core/ivalue.h>
#include <torch/csrc/distributed/c10d/Work.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "HcclComm.h"
#include "npu/NPUEvent.h"
#include "npu/NPUStream.h"

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
  uint64_t getSequencenumber() const override { return sequence_; }

  // Set up by ProcessGroupHCCL while enqueueing: the HCCL stream waits for
  // `current`'s work so far (the event lives as long as the work).
  void waitForCurrent(const npu::NPUStream& current, const npu::NPUStream& hccl_stream);
  void recordEnd(const npu::NPUStream& stream, std::vector<at::Tensor> outputs, int64_t numel_in, int64_t numel_out);

  // For the watchdog.
  std::chrono::milliseconds elapsed() const;
  std::chrono::milliseconds timeout() const { return timeout_; }
  const HcclCommunicator& communicator() const { return *comm_; }
  // "WorkHCCL(SeqNum=..., OpType=..., NumelIn=..., NumelOut=..., Timeout(ms)=...)"
  std::string describe() const;
  void setFailure(const std::string& message);
  // Synchronizes the end event on the host; raises the collective's failure.
  void synchronizeHost();

 private:
  uint64_t sequence_;
  c10::Device device_;
  std::chrono::milliseconds timeout_;
  std::shared_ptr<HcclCommunicator> comm_;
  bool blocks_host_;
  std::chrono::steady_clock::time_point start_;
  npu::NPUEvent ready_;
  npu::NPUEvent end_;
  std::vector<at::Tensor> outputs_;
  int64_t numel_in_ = 0;
  int64_t numel_out_ = 0;
  c10::intrusive_ptr<c10::ivalue::Future> future_;
  mutable std::mutex failure_mutex_;
  std::exception_ptr failure_;
};

// TORCH_HCCL_BLOCKING_WAIT (or HCCL_BLOCKING_WAIT) is 1.
bool blockingWait();

}  // namespace torch_npu::hccl
