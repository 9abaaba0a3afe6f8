#include "collectives.h"

#include <algorithm>
#include <cstring>
#include <thread>
#include <string>
#include <vector>

#include "reduce_kernels.h"

namespace npu_sim_hccl {
namespace {

std::string describe(const CollectiveDescriptor& d) {
  return std::string(kindName(static_cast<CollectiveKind>(d.kind))) + "(count=" + std::to_string(d.count) +
         ", dataType=" + std::to_string(d.data_type) + ", op=" + std::to_string(d.reduce_op) +
         ", root=" + std::to_string(d.root) + ")";
}

// Publishes what this rank runs and, after a barrier, checks every rank runs
// the same: a mismatch fails on every rank, naming both calls.
// `send` and `recv` are published for peers that read them.
Failure agree(Communicator& comm, CollectiveKind kind, uint64_t count, HcclDataType type, HcclReduceOp op,
              uint32_t root, bool counts_may_differ = false, const void* send = nullptr,
              const void* recv = nullptr) {
  CollectiveDescriptor mine{comm.nextSequence(), static_cast<uint32_t>(kind), static_cast<uint32_t>(type),
                            static_cast<uint32_t>(op), root, count, 0, reinterpret_cast<uint64_t>(send),
                            reinterpret_cast<uint64_t>(recv)};
  comm.control(comm.rank()).descriptors[mine.sequence & 1] = mine;
  const char* what = kindName(kind);
  if (Failure failure = comm.barrier(what)) return failure;
  for (uint32_t peer = 0; peer < comm.size(); ++peer) {
    const CollectiveDescriptor& theirs = comm.control(peer).descriptors[mine.sequence & 1];
    const bool same = theirs.sequence == mine.sequence && theirs.kind == mine.kind &&
                      theirs.data_type == mine.data_type && theirs.reduce_op == mine.reduce_op &&
                      theirs.root == mine.root && (counts_may_differ || theirs.count == mine.count);
    if (!same) {
      return {HCCL_E_PARA, std::string("collective mismatch on rank ") + std::to_string(comm.rank()) +
                               ": its collective #" + std::to_string(mine.sequence) + " is " + describe(mine) +
                               ", rank " + std::to_string(peer) + "'s collective #" +
                               std::to_string(theirs.sequence) + " is " + describe(theirs) +
                               "; every rank must call the same collectives, in the same order, with the same sizes"};
    }
  }
  return {};
}

// What `peer` published for the collective running (after agree).
const CollectiveDescriptor& published(Communicator& comm, uint32_t peer) {
  return comm.control(peer).descriptors[comm.sequence() & 1];
}

const char* peerBuffer(Communicator& comm, uint32_t peer, bool send, uint64_t byte_offset) {
  const CollectiveDescriptor& theirs = published(comm, peer);
  return reinterpret_cast<const char*>(send ? theirs.send_address : theirs.recv_address) + byte_offset;
}

// [begin, end) of `total` elements that `rank` reduces.
std::pair<uint64_t, uint64_t> share(uint64_t total, uint32_t rank, uint32_t ranks) {
  const uint64_t part = (total + ranks - 1) / ranks;
  const uint64_t begin = std::min(total, part * rank);
  return {begin, std::min(total, begin + part)};
}

// Reduces elements [begin, end) of every slot, in rank order, into `out`
// (which may be this rank's slot).
void reduceSlots(Communicator& comm, uint64_t begin, uint64_t end, HcclDataType type, HcclReduceOp op, void* out,
                 uint64_t slot_offset) {
  if (begin == end) return;
  const size_t element = elementSize(type);
  std::vector<const void*> inputs;
  inputs.reserve(comm.size());
  for (uint32_t peer = 0; peer < comm.size(); ++peer) inputs.push_back(comm.slot(peer) + slot_offset + begin * element);
  reduce(out, inputs.data(), inputs.size(), end - begin, type, op);
}

// Below this many bytes per rank (or with two ranks) each owner reduces every
// slot straight into its output: one barrier less, and with two ranks fewer
// bytes moved than sharing the work (measured with bench/allreduce.py).
constexpr uint64_t kDirectReduceBytes = 1 << 20;

// An allreduce step moves at most this much per rank, however large the slot:
// a step that stays in the core's cache (4 MiB of L2 here) reduces what it
// just copied in at cache speed. bench/allreduce.py measured 32 MiB at about
// 0.8 GB/s busbw with 200 MB steps and 1.6 GB/s with 4 MiB ones.
constexpr uint64_t kStepBytes = 4 << 20;

// Allreduce and reduce: every rank reduces its share of each chunk across the
// slots, then the owners (all ranks, or the root) gather the shares.
Failure reduceChunks(Communicator& comm, const void* send, void* recv, uint64_t count, HcclDataType type,
                     HcclReduceOp op, bool to_all, uint32_t root) {
  const size_t element = elementSize(type);
  const uint64_t chunk = std::min(comm.slotBytes(), kStepBytes) / element;
  const char* what = kindName(to_all ? CollectiveKind::AllReduce : CollectiveKind::Reduce);
  const bool owner = to_all || comm.rank() == root;
  for (uint64_t offset = 0; offset < count; offset += chunk) {
    const uint64_t length = std::min(chunk, count - offset);
    std::memcpy(comm.slot(comm.rank()), static_cast<const char*>(send) + offset * element, length * element);
    if (Failure failure = comm.barrier(what)) return failure;
    if (comm.size() == 2 || length * element <= kDirectReduceBytes) {
      if (owner) reduceSlots(comm, 0, length, type, op, static_cast<char*>(recv) + offset * element, 0);
      if (Failure failure = comm.barrier(what)) return failure;
      continue;
    }
    const auto [begin, end] = share(length, comm.rank(), comm.size());
    reduceSlots(comm, begin, end, type, op, comm.slot(comm.rank()) + begin * element, 0);
    if (Failure failure = comm.barrier(what)) return failure;
    if (owner) {
      for (uint32_t peer = 0; peer < comm.size(); ++peer) {
        const auto [from, to] = share(length, peer, comm.size());
        std::memcpy(static_cast<char*>(recv) + (offset + from) * element, comm.slot(peer) + from * element,
                    (to - from) * element);
      }
    }
    if (Failure failure = comm.barrier(what)) return failure;
  }
  return {};
}

// How much of each peer's input a direct reduction reads at a time: the
// copies and the result stay in the core's cache while they are reduced and
// written out.
constexpr uint64_t kPeerReadBytes = 256 << 10;

// Allreduce and reduce when every rank may reach the others' memory: each
// rank reduces its share of the inputs (all of them, for a reduce's root),
// reading the peers' parts straight from their buffers a cache-sized piece at
// a time, and an allreduce writes each reduced piece, still in cache, into
// every peer's output too. A byte crosses memory about half as often as
// through the slots, and one barrier serves the whole buffer. Nothing races:
// the region of a peer's buffers this rank reads and writes is its own share,
// which no other rank touches (in place, each piece is read before it is
// written back).
Failure reduceDirect(Communicator& comm, const void* send, void* recv, uint64_t count, HcclDataType type,
                     HcclReduceOp op, bool to_all, uint32_t root) {
  const size_t element = elementSize(type);
  const uint32_t ranks = comm.size();
  const uint32_t me = comm.rank();
  const char* what = kindName(to_all ? CollectiveKind::AllReduce : CollectiveKind::Reduce);
  const auto [begin, end] = to_all ? share(count, me, ranks)
                                   : (me == root ? std::pair<uint64_t, uint64_t>{0, count}
                                                 : std::pair<uint64_t, uint64_t>{0, 0});
  const uint64_t step = std::max<uint64_t>(kPeerReadBytes / element, 1);
  thread_local std::vector<char> staged;
  staged.resize(static_cast<size_t>(step * element) * ranks);
  std::vector<const void*> inputs(ranks);
  for (uint64_t offset = begin; offset < end; offset += step) {
    const uint64_t bytes = std::min(step, end - offset) * element;
    for (uint32_t peer = 0; peer < ranks; ++peer) {
      if (peer == me) {
        inputs[peer] = static_cast<const char*>(send) + offset * element;
        continue;
      }
      char* copy = staged.data() + static_cast<size_t>(step * element) * peer;
      if (Failure failure = comm.readPeer(peer, peerBuffer(comm, peer, true, offset * element), copy, bytes, what)) {
        return failure;
      }
      inputs[peer] = copy;
    }
    char* reduced = static_cast<char*>(recv) + offset * element;
    reduce(reduced, inputs.data(), ranks, bytes / element, type, op);
    for (uint32_t peer = 0; to_all && peer < ranks; ++peer) {
      if (peer == me) continue;
      char* theirs = const_cast<char*>(peerBuffer(comm, peer, false, offset * element));
      if (Failure failure = comm.writePeer(peer, theirs, reduced, bytes, what)) return failure;
    }
  }
  // Nobody goes on (and changes its buffers) before every rank is done with them.
  return comm.barrier(what);
}

}  // namespace

const char* kindName(CollectiveKind kind) {
  switch (kind) {
    case CollectiveKind::AllReduce:
      return "HcclAllReduce";
    case CollectiveKind::Broadcast:
      return "HcclBroadcast";
    case CollectiveKind::Reduce:
      return "HcclReduce";
    case CollectiveKind::AllGather:
      return "HcclAllGather";
    case CollectiveKind::ReduceScatter:
      return "HcclReduceScatter";
    case CollectiveKind::AlltoAllV:
      return "HcclAlltoAllV";
    case CollectiveKind::Barrier:
      return "HcclBarrier";
  }
  return "an unknown collective";
}

Failure allReduce(Communicator& comm, const void* send, void* recv, uint64_t count, HcclDataType type,
                  HcclReduceOp op) {
  if (Failure failure = agree(comm, CollectiveKind::AllReduce, count, type, op, 0, false, send, recv)) return failure;
  if (comm.peersReadable()) return reduceDirect(comm, send, recv, count, type, op, true, 0);
  return reduceChunks(comm, send, recv, count, type, op, true, 0);
}

Failure reduceToRoot(Communicator& comm, const void* send, void* recv, uint64_t count, HcclDataType type,
                     HcclReduceOp op, uint32_t root) {
  if (Failure failure = agree(comm, CollectiveKind::Reduce, count, type, op, root, false, send, recv)) return failure;
  if (comm.peersReadable()) return reduceDirect(comm, send, recv, count, type, op, false, root);
  return reduceChunks(comm, send, recv, count, type, op, false, root);
}

Failure broadcast(Communicator& comm, void* buffer, uint64_t count, HcclDataType type, uint32_t root) {
  if (Failure failure = agree(comm, CollectiveKind::Broadcast, count, type, HCCL_REDUCE_RESERVED, root)) {
    return failure;
  }
  const size_t element = elementSize(type);
  const uint64_t chunk = comm.slotBytes() / element;
  for (uint64_t offset = 0; offset < count; offset += chunk) {
    const uint64_t bytes = std::min(chunk, count - offset) * element;
    char* data = static_cast<char*>(buffer) + offset * element;
    if (comm.rank() == root) std::memcpy(comm.slot(root), data, bytes);
    if (Failure failure = comm.barrier("HcclBroadcast")) return failure;
    if (comm.rank() != root) std::memcpy(data, comm.slot(root), bytes);
    if (Failure failure = comm.barrier("HcclBroadcast")) return failure;
  }
  return {};
}

Failure allGather(Communicator& comm, const void* send, void* recv, uint64_t send_count, HcclDataType type) {
  if (Failure failure = agree(comm, CollectiveKind::AllGather, send_count, type, HCCL_REDUCE_RESERVED, 0)) {
    return failure;
  }
  const size_t element = elementSize(type);
  const uint64_t chunk = comm.slotBytes() / element;
  for (uint64_t offset = 0; offset < send_count; offset += chunk) {
    const uint64_t bytes = std::min(chunk, send_count - offset) * element;
    std::memcpy(comm.slot(comm.rank()), static_cast<const char*>(send) + offset * element, bytes);
    if (Failure failure = comm.barrier("HcclAllGather")) return failure;
    for (uint32_t peer = 0; peer < comm.size(); ++peer) {
      std::memcpy(static_cast<char*>(recv) + (peer * send_count + offset) * element, comm.slot(peer), bytes);
    }
    if (Failure failure = comm.barrier("HcclAllGather")) return failure;
  }
  return {};
}

Failure reduceScatter(Communicator& comm, const void* send, void* recv, uint64_t recv_count, HcclDataType type,
                      HcclReduceOp op) {
  if (Failure failure = agree(comm, CollectiveKind::ReduceScatter, recv_count, type, op, 0)) return failure;
  const size_t element = elementSize(type);
  const uint64_t chunk = comm.slotBytes() / (element * comm.size());  // one sub-block per destination
  for (uint64_t offset = 0; offset < recv_count; offset += chunk) {
    const uint64_t length = std::min(chunk, recv_count - offset);
    for (uint32_t block = 0; block < comm.size(); ++block) {
      std::memcpy(comm.slot(comm.rank()) + block * chunk * element,
                  static_cast<const char*>(send) + (block * recv_count + offset) * element, length * element);
    }
    if (Failure failure = comm.barrier("HcclReduceScatter")) return failure;
    reduceSlots(comm, 0, length, type, op, static_cast<char*>(recv) + offset * element,
                comm.rank() * chunk * element);
    if (Failure failure = comm.barrier("HcclReduceScatter")) return failure;
  }
  return {};
}

Failure allToAllV(Communicator& comm, const void* send, const uint64_t* send_counts, const uint64_t* send_displs,
                  void* recv, const uint64_t* recv_counts, const uint64_t* recv_displs, HcclDataType type) {
  const uint32_t ranks = comm.size();
  const uint32_t me = comm.rank();
  const size_t element = elementSize(type);
  uint64_t largest = 0;
  for (uint32_t peer = 0; peer < ranks; ++peer) largest = std::max({largest, send_counts[peer], recv_counts[peer]});
  // Each rank's send counts go through its slot first, so every receiver
  // checks that what comes is what it expects.
  if (Failure failure = agree(comm, CollectiveKind::AlltoAllV, 0, type, HCCL_REDUCE_RESERVED, 0, true)) {
    return failure;
  }
  auto* published = reinterpret_cast<uint64_t*>(comm.slot(me));
  std::copy(send_counts, send_counts + ranks, published);
  published[ranks] = largest;
  if (Failure failure = comm.barrier("HcclAlltoAllV")) return failure;
  for (uint32_t peer = 0; peer < ranks; ++peer) {
    const auto* theirs = reinterpret_cast<const uint64_t*>(comm.slot(peer));
    largest = std::max(largest, theirs[ranks]);
    if (theirs[me] != recv_counts[peer]) {
      Failure failure{HCCL_E_PARA, "HcclAlltoAllV size mismatch on rank " + std::to_string(me) + ": it expects " +
                                       std::to_string(recv_counts[peer]) + " elements from rank " +
                                       std::to_string(peer) + ", which sends " + std::to_string(theirs[me])};
      return failure;
    }
  }
  if (Failure failure = comm.barrier("HcclAlltoAllV")) return failure;
  const uint64_t piece = (comm.slotBytes() / ranks) / element;  // elements per (source, destination) per round
  for (uint64_t offset = 0; offset < largest; offset += piece) {
    for (uint32_t to = 0; to < ranks; ++to) {
      if (offset >= send_counts[to]) continue;
      const uint64_t length = std::min(piece, send_counts[to] - offset);
      std::memcpy(comm.slot(me) + to * piece * element,
                  static_cast<const char*>(send) + (send_displs[to] + offset) * element, length * element);
    }
    if (Failure failure = comm.barrier("HcclAlltoAllV")) return failure;
    for (uint32_t from = 0; from < ranks; ++from) {
      if (offset >= recv_counts[from]) continue;
      const uint64_t length = std::min(piece, recv_counts[from] - offset);
      std::memcpy(static_cast<char*>(recv) + (recv_displs[from] + offset) * element,
                  comm.slot(from) + me * piece * element, length * element);
    }
    if (Failure failure = comm.barrier("HcclAlltoAllV")) return failure;
  }
  return {};
}

Failure barrier(Communicator& comm) {
  return agree(comm, CollectiveKind::Barrier, 0, HCCL_DATA_TYPE_RESERVED, HCCL_REDUCE_RESERVED, 0);
}

namespace {

// A transfer's progress through its channel.
struct Transfer {
  const HcclSendRecvItem* item;
  uint64_t total;  // bytes
  uint64_t done = 0;
  bool started = false;  // an empty message is one empty chunk, so it still pairs up
  bool finished() const { return started && done >= total; }
};

// One step of `transfer` if its channel allows it now; true when it moved.
bool step(Communicator& comm, Transfer& transfer, Failure& failure) {
  const HcclSendRecvItem& item = *transfer.item;
  const bool sending = item.sendRecvType == HCCL_SEND;
  Channel& channel = sending ? comm.channel(comm.rank(), item.remoteRank) : comm.channel(item.remoteRank, comm.rank());
  const uint32_t produced = channel.produced.load(std::memory_order_acquire);
  const uint32_t consumed = channel.consumed.load(std::memory_order_acquire);
  if (sending) {
    if (consumed != produced) return false;  // the peer has not read the last chunk yet
    const uint64_t bytes = std::min(comm.channelBytes(), transfer.total - transfer.done);
    std::memcpy(comm.channelBuffer(comm.rank(), item.remoteRank), static_cast<const char*>(item.buf) + transfer.done,
                bytes);
    channel.chunk_bytes = bytes;
    channel.message_bytes = transfer.total;
    channel.produced.store(produced + 1, std::memory_order_release);
    wakeAll(channel.produced);
    transfer.done += bytes;
  } else {
    if (produced == consumed) return false;  // nothing sent yet
    if (channel.message_bytes != transfer.total) {
      failure = {HCCL_E_PARA, "HcclRecv size mismatch on rank " + std::to_string(comm.rank()) + ": it expects " +
                                  std::to_string(transfer.total) + " bytes from rank " +
                                  std::to_string(item.remoteRank) + ", which sent " +
                                  std::to_string(channel.message_bytes)};
      return false;
    }
    std::memcpy(static_cast<char*>(item.buf) + transfer.done, comm.channelBuffer(item.remoteRank, comm.rank()),
                channel.chunk_bytes);
    transfer.done += channel.chunk_bytes;
    channel.consumed.store(consumed + 1, std::memory_order_release);
    wakeAll(channel.consumed);
  }
  transfer.started = true;
  return true;
}

}  // namespace

Failure sendReceive(Communicator& comm, const std::vector<HcclSendRecvItem>& items) {
  std::vector<Transfer> transfers;
  transfers.reserve(items.size());
  for (const HcclSendRecvItem& item : items) transfers.push_back({&item, item.count * elementSize(item.dataType)});
  int idle = 0;
  Clock::time_point waiting_since = Clock::now();
  for (;;) {
    bool all_done = true;
    bool moved = false;
    for (size_t i = 0; i < transfers.size(); ++i) {
      Transfer& transfer = transfers[i];
      if (transfer.finished()) continue;
      all_done = false;
      // Only the first unfinished transfer per (direction, peer): messages keep their order.
      bool blocked = false;
      for (size_t j = 0; j < i && !blocked; ++j) {
        blocked = !transfers[j].finished() && transfers[j].item->sendRecvType == transfer.item->sendRecvType &&
                  transfers[j].item->remoteRank == transfer.item->remoteRank;
      }
      if (blocked) continue;
      Failure failure;
      while (!transfer.finished() && step(comm, transfer, failure)) moved = true;
      if (failure) return failure;
    }
    if (all_done) return {};
    if (moved) {
      idle = 0;
      waiting_since = Clock::now();
      continue;
    }
    // Nothing could move: watch the peers we wait for, then back off briefly.
    if (++idle > 2000) {
      for (const Transfer& transfer : transfers) {
        if (transfer.finished()) continue;
        if (Failure failure = comm.checkPeerSince(transfer.item->remoteRank, waiting_since,
                                                  transfer.item->sendRecvType == HCCL_SEND ? "HcclSend" : "HcclRecv")) {
          return failure;
        }
      }
      std::this_thread::sleep_for(std::chrono::microseconds(idle > 20000 ? 200 : 20));
    } else {
      __builtin_ia32_pause();
    }
  }
}

}  // namespace npu_sim_hccl
