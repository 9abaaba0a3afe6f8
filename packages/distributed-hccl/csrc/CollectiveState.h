// What the watchdog watches of a collective: its events, timing and failure,
// and no tensors. The watchdog outlives the works it checks, so it must not
// own their tensors: releasing a tensor that python gave up on takes the GIL,
// which a thread of our own cannot do while the interpreter shuts down.
#pragma once

#include <torch/csrc/distributed/c10d/Types.hpp>
#include <torch/csrc/distributed/c10d/Work.hpp>

#include <chrono>
#include <exception>
#include <memory>
#include <mutex>
#include <string>

#include "HcclComm.h"
#include "npu/NPUEvent.h"
#include "npu/NPUStream.h"

namespace torch_npu::hccl {

class CollectiveState {
 public:
  CollectiveState(c10d::OpType type, uint64_t sequence, c10::Device device, std::chrono::milliseconds timeout,
                  std::shared_ptr<HcclCommunicator> comm);

  // The HCCL stream waits for `current`'s work so far.
  void waitForCurrent(const npu::NPUStream& current, const npu::NPUStream& hccl_stream);
  void recordEnd(const npu::NPUStream& hccl_stream, int64_t numel_in, int64_t numel_out);
  // The current stream of the device waits for the collective.
  void blockCurrentStream() const;
  // Synchronizes the end event on the host; raises the collective's failure.
  void synchronizeHost();

  // The end event was reached (or the collective failed).
  bool isCompleted();
  std::exception_ptr exception() const;
  void setFailure(const std::string& message);

  uint64_t sequence() const { return sequence_; }
  std::chrono::milliseconds elapsed() const;
  std::chrono::milliseconds timeout() const { return timeout_; }
  const HcclCommunicator& communicator() const { return *comm_; }
  // "WorkHCCL(SeqNum=..., OpType=..., NumelIn=..., NumelOut=..., Timeout(ms)=...)"
  std::string describe() const;

 private:
  c10d::OpType type_;
  uint64_t sequence_;
  c10::Device device_;
  std::chrono::milliseconds timeout_;
  std::shared_ptr<HcclCommunicator> comm_;
  std::chrono::steady_clock::time_point start_;
  npu::NPUEvent ready_;
  npu::NPUEvent end_;
  int64_t numel_in_ = 0;
  int64_t numel_out_ = 0;
  mutable std::mutex failure_mutex_;
  std::exception_ptr failure_;
};

}  // namespace torch_npu::hccl
