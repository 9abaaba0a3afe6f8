// The layout of a communicator's shared segment.
//
//   SegmentHeader | RankControl[n] | Channel[n * n] | slot[n] | channel buffer[n * n]
//
// A slot is a rank's staging buffer for collectives (HCCL_BUFFSIZE); a
// channel carries point-to-point messages from one rank to another. Only the
// atomics are shared state between processes; they are lock-free, so they
// work across address spaces.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace npu_sim_hccl {

inline constexpr uint64_t kSegmentMagic = 0x4e50554843434c31ULL;  // "NPUHCCL1"
inline constexpr size_t kCacheLine = 64;

enum class RankState : uint32_t { Absent = 0, Joined = 1, Left = 2 };

// What a rank is about to run; every rank compares all of them so that
// mismatched collectives fail on every rank instead of corrupting data.
struct CollectiveDescriptor {
  uint64_t sequence;
  uint32_t kind;  // CollectiveKind
  uint32_t data_type;
  uint32_t reduce_op;
  uint32_t root;
  uint64_t count;   // elements, meaning per kind (see collectives.h)
  uint64_t extent;  // alltoallv: the largest block this rank sends, in bytes
  // The buffers in this rank's address space, for peers that read them.
  uint64_t send_address;
  uint64_t recv_address;
};

struct alignas(kCacheLine) RankControl {
  std::atomic<int32_t> pid;
  std::atomic<uint32_t> state;  // RankState
  // Where this rank's process sees `pid`: what peers read to learn whether
  // they may read its memory; and its own answer about its peers (0 not yet,
  // 1 it may read them all, 2 not).
  std::atomic<uint64_t> probe_address;
  std::atomic<uint32_t> reads_peers;
  // Barrier generation: the futex word peers wait on.
  alignas(kCacheLine) std::atomic<uint32_t> step;
  // By sequence parity: a rank may publish collective k + 1 while a slower
  // peer still reads its k (it cannot get further before that peer arrives).
  CollectiveDescriptor descriptors[2];
};

// One direction of a point-to-point link: a single-message mailbox.
struct alignas(kCacheLine) Channel {
  std::atomic<uint32_t> produced;  // futex word: chunks written
  std::atomic<uint32_t> consumed;  // futex word: chunks read
  uint64_t chunk_bytes;            // of the chunk in the buffer
  uint64_t message_bytes;          // of the whole message the chunk belongs to
};

struct alignas(kCacheLine) SegmentHeader {
  uint64_t magic;
  uint32_t ranks;
  uint64_t slot_bytes;
  uint64_t channel_bytes;
  std::atomic<uint32_t> ready;   // the creator initialised the header
  std::atomic<uint32_t> joined;  // ranks that mapped the segment
  // The first rank noticed dead (-1: none), so every rank names the same one.
  std::atomic<int32_t> dead_rank;
};

// Offsets and sizes derived from the header's fields.
struct Layout {
  uint32_t ranks;
  uint64_t slot_bytes;
  uint64_t channel_bytes;

  static size_t align(size_t bytes) { return (bytes + 4095) & ~size_t{4095}; }
  size_t controls() const { return align(sizeof(SegmentHeader)); }
  size_t channels() const { return controls() + align(sizeof(RankControl) * ranks); }
  size_t slots() const { return channels() + align(sizeof(Channel) * ranks * ranks); }
  size_t channelBuffers() const { return slots() + slot_bytes * ranks; }
  size_t total() const { return channelBuffers() + channel_bytes * ranks * ranks; }
};

}  // namespace npu_sim_hccl
