// A communicator: this rank's view of the shared segment that every rank of
// the group mapped, and the waits between ranks.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "config.h"
#include "hccl/hccl_types.h"
#include "layout.h"
#include "liveness.h"
#include "shared_segment.h"

namespace npu_sim_hccl {

// A failure: the HCCL code and the message the stream and HcclGetErrorString report.
struct Failure {
  HcclResult code = HCCL_SUCCESS;
  std::string message;
  explicit operator bool() const { return code != HCCL_SUCCESS; }
};

class Communicator {
 public:
  // Joins (rank 0: creates) the segment named in `root` and waits until all
  // `ranks` have mapped it, at most HCCL_CONNECT_TIMEOUT; the last to join
  // removes the name from /dev/shm, so a crash later leaves nothing behind.
  // `buffer_mb` 0 takes HCCL_BUFFSIZE.
  static Failure create(uint32_t ranks, const HcclRootInfo& root, uint32_t rank, uint64_t buffer_mb,
                        std::shared_ptr<Communicator>& created);
  ~Communicator();

  uint32_t rank() const { return rank_; }
  uint32_t size() const { return layout_.ranks; }
  uint64_t slotBytes() const { return layout_.slot_bytes; }
  uint64_t channelBytes() const { return layout_.channel_bytes; }
  char* slot(uint32_t rank) const;
  Channel& channel(uint32_t from, uint32_t to) const;
  char* channelBuffer(uint32_t from, uint32_t to) const;
  RankControl& control(uint32_t rank) const;

  // Every rank arrives; returns once all have (or fails naming why not).
  Failure barrier(const char* what);
  // Waits until `word` (owned by `peer`) satisfies `done`, watching `peer`.
  template <class Done>
  Failure waitFor(std::atomic<uint32_t>& word, Done&& done, uint32_t peer, const char* what);

  // Whether `peer` can still come: fails naming it when dead, gone or later
  // than HCCL_EXEC_TIMEOUT counted from `since`.
  Failure checkPeerSince(uint32_t peer, Clock::time_point since, const char* what) {
    return checkPeer(peer, since + settings_.exec_timeout, what);
  }

  // Sequence number of the next collective (every rank counts the same), and
  // of the one running.
  uint64_t nextSequence() { return ++sequence_; }
  uint64_t sequence() const { return sequence_; }

  // Whether every rank may read and write every other's memory, so
  // collectives copy straight between the ranks' buffers (process_vm_readv /
  // writev: the kernel's ptrace check, same user and no Yama restriction
  // between siblings). Each rank publishes its own answer as it joins: ask
  // after a barrier.
  bool peersReadable();
  // Copies `bytes` from `remote` in `peer`'s address space to `local`, or back.
  Failure readPeer(uint32_t peer, const void* remote, void* local, size_t bytes, const char* what);
  Failure writePeer(uint32_t peer, void* remote, const void* local, size_t bytes, const char* what);

  // The first error of a collective: kept for HcclGetCommAsyncError and
  // failing every later collective; peers see this rank as failed.
  void fail(const Failure& failure);
  Failure asyncError() const;

 private:
  Communicator(uint32_t rank, Settings settings) : rank_(rank), settings_(settings) {}
  SegmentHeader& header() const { return *static_cast<SegmentHeader*>(segment_.data()); }
  Failure checkPeer(uint32_t peer, Clock::time_point deadline, const char* what);
  Failure transferWithPeer(bool read, uint32_t peer, uint64_t remote, void* local, size_t bytes, const char* what);

  uint32_t rank_;
  Settings settings_;
  SharedSegment segment_;
  Layout layout_{};
  uint32_t step_ = 0;
  uint64_t sequence_ = 0;
  std::atomic<int> peers_readable_{-1};  // -1: not asked yet
  mutable std::mutex error_mutex_;
  Failure error_;
};

template <class Done>
Failure Communicator::waitFor(std::atomic<uint32_t>& word, Done&& done, uint32_t peer, const char* what) {
  uint32_t seen = word.load(std::memory_order_acquire);
  for (int spin = 0; spin < 4000; ++spin) {  // a peer already there: no system call
    if (done(seen)) return {};
    __builtin_ia32_pause();
    seen = word.load(std::memory_order_acquire);
  }
  const Clock::time_point deadline = Clock::now() + settings_.exec_timeout;
  while (!done(seen)) {
    if (Failure failure = checkPeer(peer, deadline, what)) {
      // A peer publishes its arrival before it records a failure of its own:
      // if it got here first, this wait is done and its error is its own.
      if (done(word.load(std::memory_order_acquire))) return {};
      return failure;
    }
    waitForChange(word, seen, std::chrono::microseconds(2000));
    seen = word.load(std::memory_order_acquire);
  }
  return {};
}

}  // namespace npu_sim_hccl
