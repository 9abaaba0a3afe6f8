// The table of HCCL symbols ProcessGroupHCCL resolves at run time, in the
// runtime loader's X-macro form (csrc/acl/AclSymbols.h of core-runtime):
// X(return type, name, (parameters), (arguments)).
#pragma once

#include "hccl/hccl.h"

#define TORCH_NPU_HCCL_SYMBOLS(X)                                                                          \
  X(HcclResult, HcclGetRootInfo, (HcclRootInfo * rootInfo), (rootInfo))                                    \
  X(HcclResult, HcclCommInitRootInfo, (uint32_t nRanks, const HcclRootInfo* rootInfo, uint32_t rank, HcclComm* comm), \
    (nRanks, rootInfo, rank, comm))                                                                        \
  X(HcclResult, HcclCommInitRootInfoConfig,                                                                \
    (uint32_t nRanks, const HcclRootInfo* rootInfo, uint32_t rank, const HcclCommConfig* config, HcclComm* comm), \
    (nRanks, rootInfo, rank, config, comm))                                                                \
  X(HcclResult, HcclCommDestroy, (HcclComm comm), (comm))                                                  \
  X(HcclResult, HcclSetConfig, (HcclConfig config, union HcclConfigValue configValue), (config, configValue)) \
  X(HcclResult, HcclGetConfig, (HcclConfig config, union HcclConfigValue * configValue), (config, configValue)) \
  X(HcclResult, HcclGetRankSize, (HcclComm comm, uint32_t * rankSize), (comm, rankSize))                   \
  X(HcclResult, HcclGetRankId, (HcclComm comm, uint32_t * rank), (comm, rank))                             \
  X(HcclResult, HcclAllReduce,                                                                             \
    (void* sendBuf, void* recvBuf, uint64_t count, HcclDataType dataType, HcclReduceOp op, HcclComm comm,  \
     aclrtStream stream),                                                                                  \
    (sendBuf, recvBuf, count, dataType, op, comm, stream))                                                 \
  X(HcclResult, HcclBroadcast,                                                                             \
    (void* buf, uint64_t count, HcclDataType dataType, uint32_t root, HcclComm comm, aclrtStream stream),  \
    (buf, count, dataType, root, comm, stream))                                                            \
  X(HcclResult, HcclReduce,                                                                                \
    (void* sendBuf, void* recvBuf, uint64_t count, HcclDataType dataType, HcclReduceOp op, uint32_t root,  \
     HcclComm comm, aclrtStream stream),                                                                   \
    (sendBuf, recvBuf, count, dataType, op, root, comm, stream))                                           \
  X(HcclResult, HcclAllGather,                                                                             \
    (void* sendBuf, void* recvBuf, uint64_t sendCount, HcclDataType dataType, HcclComm comm, aclrtStream stream), \
    (sendBuf, recvBuf, sendCount, dataType, comm, stream))                                                 \
  X(HcclResult, HcclReduceScatter,                                                                         \
    (void* sendBuf, void* recvBuf, uint64_t recvCount, HcclDataType dataType, HcclReduceOp op, HcclComm comm, \
     aclrtStream stream),                                                                                  \
    (sendBuf, recvBuf, recvCount, dataType, op, comm, stream))                                             \
  X(HcclResult, HcclAlltoAll,                                                                              \
    (const void* sendBuf, uint64_t sendCount, HcclDataType sendType, const void* recvBuf, uint64_t recvCount, \
     HcclDataType recvType, HcclComm comm, aclrtStream stream),                                            \
    (sendBuf, sendCount, sendType, recvBuf, recvCount, recvType, comm, stream))                            \
  X(HcclResult, HcclAlltoAllV,                                                                             \
    (const void* sendBuf, const void* sendCounts, const void* sdispls, HcclDataType sendType,              \
     const void* recvBuf, const void* recvCounts, const void* rdispls, HcclDataType recvType, HcclComm comm, \
     aclrtStream stream),                                                                                  \
    (sendBuf, sendCounts, sdispls, sendType, recvBuf, recvCounts, rdispls, recvType, comm, stream))        \
  X(HcclResult, HcclSend,                                                                                  \
    (void* sendBuf, uint64_t count, HcclDataType dataType, uint32_t destRank, HcclComm comm, aclrtStream stream), \
    (sendBuf, count, dataType, destRank, comm, stream))                                                    \
  X(HcclResult, HcclRecv,                                                                                  \
    (void* recvBuf, uint64_t count, HcclDataType dataType, uint32_t srcRank, HcclComm comm, aclrtStream stream), \
    (recvBuf, count, dataType, srcRank, comm, stream))                                                     \
  X(HcclResult, HcclBatchSendRecv, (HcclSendRecvItem * sendRecvInfo, uint32_t itemNum, HcclComm comm, aclrtStream stream), \
    (sendRecvInfo, itemNum, comm, stream))                                                                 \
  X(HcclResult, HcclBarrier, (HcclComm comm, aclrtStream stream), (comm, stream))                          \
  X(const char*, HcclGetErrorString, (HcclResult code), (code))                                            \
  X(HcclResult, HcclGetCommAsyncError, (HcclComm comm, HcclResult * asyncError), (comm, asyncError))
