#include "WorkHCCL.h"

#include <c10/core/StreamGuard.h>

#include <cstdlib>
#include <string>

namespace torch_npu::hccl {

bool blockingWait() {
  for (const char* name : {"TORCH_HCCL_BLOCKING_WAIT", "HCCL_BLOCKING_WAIT"}) {
    const char* value = std::getenv(name);
    if (value != nullptr && *value != '\0') return std::string(value) == "1";
  }
  return false;
}

WorkHCCL::WorkHCCL(int rank, c10d::OpType type, uint64_t sequence, c10::Device device,
                   std::chrono::milliseconds timeout, std::shared_ptr<HcclCommunicator> comm, bool blocks_host)
    : c10d::Work(rank, type),
      state_(std::make_shared<CollectiveState>(type, sequence, device, timeout, std::move(comm))),
      blocks_host_(blocks_host),
      future_(c10::make_intrusive<c10::ivalue::Future>(c10::ListType::create(c10::TensorType::get()),
                                                        std::vector<c10::Device>{device})) {}

void WorkHCCL::recordEnd(const npu::NPUStream& stream, std::vector<at::Tensor> outputs, int64_t numel_in,
                         int64_t numel_out) {
  state_->recordEnd(stream, numel_in, numel_out);
  outputs_ = std::move(outputs);
  // Marked complete now, with the HCCL stream current: the future records its
  // own event there, so a callback's stream waits for the collective (as c10d's
  // futures on CUDA do).
  const c10::StreamGuard guard(stream.unwrap());
  future_->markCompleted(c10::IValue(outputs_));
}

bool WorkHCCL::isCompleted() { return state_->isCompleted(); }

bool WorkHCCL::isSuccess() const { return !state_->exception(); }

std::exception_ptr WorkHCCL::exception() const { return state_->exception(); }

bool WorkHCCL::wait(std::chrono::milliseconds timeout) {
  if (std::exception_ptr failure = exception()) std::rethrow_exception(failure);
  state_->blockCurrentStream();
  if (blocks_host_ || blockingWait()) state_->synchronizeHost();
  if (std::exception_ptr failure = exception()) std::rethrow_exception(failure);
  return true;
}

void WorkHCCL::synchronize() { wait(); }

c10::intrusive_ptr<c10::ivalue::Future> WorkHCCL::getFuture() { return future_; }

std::vector<at::Tensor> WorkHCCL::result() { return outputs_; }

}  // namespace torch_npu::hccl
