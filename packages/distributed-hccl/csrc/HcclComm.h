// An owned HCCL communicator (RAII over HcclComm), in the shape of c10d's NCCLComm.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "HcclApi.h"

namespace torch_npu::hccl {

class HcclCommunicator {
 public:
  // Joins the group described by `root` as `rank` of `ranks` (blocks until
  // every rank joined, at most HCCL_CONNECT_TIMEOUT).
  static std::shared_ptr<HcclCommunicator> create(uint32_t ranks, const HcclRootInfo& root, uint32_t rank,
                                                  const HcclCommConfig& config);
  HcclCommunicator(const HcclCommunicator&) = delete;
  HcclCommunicator& operator=(const HcclCommunicator&) = delete;
  ~HcclCommunicator();

  HcclComm handle() const { return comm_; }
  // HCCL_SUCCESS while no collective of this communicator has failed.
  HcclResult asyncError() const;

 private:
  explicit HcclCommunicator(HcclComm comm) : comm_(comm) {}
  HcclComm comm_;
};

// A configuration with every field at HCCL's "not set" value, as
// HcclCommConfigInit of CANN's hccl.h prepares it.
HcclCommConfig defaultCommConfig();

}  // namespace torch_npu::hccl
