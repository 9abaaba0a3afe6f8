#include "HcclComm.h"

#include <cstring>

namespace torch_npu::hccl {

HcclCommConfig defaultCommConfig() {
  HcclCommConfig config{};
  // The header of `reserved`: the struct's size, the magic word, the version.
  struct Header {
    size_t size;
    uint32_t magic;
    uint32_t version;
    uint64_t reserved;
  };
  static_assert(sizeof(Header) == HCCL_COMM_CONFIG_INFO_BYTES);
  const Header header{sizeof(HcclCommConfig), HCCL_COMM_CONFIG_MAGIC_WORD, HCCL_COMM_CONFIG_VERSION, 0};
  std::memcpy(config.reserved, &header, sizeof(header));
  config.hcclBufferSize = HCCL_COMM_BUFFSIZE_CONFIG_NOT_SET;
  config.hcclDeterministic = HCCL_COMM_DETERMINISTIC_CONFIG_NOT_SET;
  config.hcclOpExpansionMode = 0;
  config.hcclRdmaTrafficClass = 0xffffffff;
  config.hcclRdmaServiceLevel = 0xffffffff;
  config.hcclWorldRankID = 0xffffffff;
  config.hcclJobID = 0;
  return config;
}

std::shared_ptr<HcclCommunicator> HcclCommunicator::create(uint32_t ranks, const HcclRootInfo& root, uint32_t rank,
                                                           const HcclCommConfig& config) {
  HcclComm comm = nullptr;
  HCCL_CHECK(hccl::HcclCommInitRootInfoConfig(ranks, &root, rank, &config, &comm));
  return std::shared_ptr<HcclCommunicator>(new HcclCommunicator(comm));
}

HcclCommunicator::~HcclCommunicator() {
  if (comm_ != nullptr) {
    hccl::HcclCommDestroy(comm_);  // nothing to do about a failure in a destructor
  }
}

HcclResult HcclCommunicator::asyncError() const {
  HcclResult error = HCCL_SUCCESS;
  HCCL_CHECK(hccl::HcclGetCommAsyncError(comm_, &error));
  return error;
}

}  // namespace torch_npu::hccl
