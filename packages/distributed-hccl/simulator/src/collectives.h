// The collectives, run on a stream's worker through shared memory.
//
// Data moves device memory -> this rank's slot -> every rank's device memory,
// in chunks of the slot's size (HCCL_BUFFSIZE). Device memory of the
// simulator is host memory of this process, so each step is a memcpy or a
// reduction; the slots are the only memory shared between the processes.
#pragma once

#include <cstdint>
#include <vector>

#include "communicator.h"
#include "hccl/hccl_types.h"

namespace npu_sim_hccl {

enum class CollectiveKind : uint32_t {
  AllReduce = 1,
  Broadcast,
  Reduce,
  AllGather,
  ReduceScatter,
  AlltoAllV,
  Barrier,
};

const char* kindName(CollectiveKind kind);

Failure allReduce(Communicator& comm, const void* send, void* recv, uint64_t count, HcclDataType type,
                  HcclReduceOp op);
Failure broadcast(Communicator& comm, void* buffer, uint64_t count, HcclDataType type, uint32_t root);
Failure reduceToRoot(Communicator& comm, const void* send, void* recv, uint64_t count, HcclDataType type,
                     HcclReduceOp op, uint32_t root);
// `send_count` elements from every rank, in rank order, into `recv`.
Failure allGather(Communicator& comm, const void* send, void* recv, uint64_t send_count, HcclDataType type);
// Block k (recv_count elements) of every rank's `send`, reduced, to rank k.
Failure reduceScatter(Communicator& comm, const void* send, void* recv, uint64_t recv_count, HcclDataType type,
                      HcclReduceOp op);
// Counts and displacements: `size()` elements counts each.
Failure allToAllV(Communicator& comm, const void* send, const uint64_t* send_counts, const uint64_t* send_displs,
                  void* recv, const uint64_t* recv_counts, const uint64_t* recv_displs, HcclDataType type);
Failure barrier(Communicator& comm);

// Point to point through the (from, to) channels: every transfer of `items`
// makes progress as its channel allows, none waiting for another to finish; a
// send is done once its last chunk is in the channel, a receive checks that
// the sizes match. Transfers to (or from) one peer go in their order.
Failure sendReceive(Communicator& comm, const std::vector<HcclSendRecvItem>& items);

}  // namespace npu_sim_hccl
