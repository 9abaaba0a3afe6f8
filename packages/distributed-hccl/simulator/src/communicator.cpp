#include "communicator.h"

#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <new>
#include <thread>
#include <vector>

#include "rendezvous.h"

namespace npu_sim_hccl {
namespace {

constexpr uint32_t kFailedState = 3;  // beyond RankState: left after an error

std::string seconds(std::chrono::milliseconds duration) { return std::to_string(duration.count() / 1000) + " s"; }

std::string rankList(const std::vector<uint32_t>& ranks) {
  std::string text;
  for (uint32_t rank : ranks) text += (text.empty() ? "" : ", ") + std::to_string(rank);
  return text;
}

// Copies `bytes` between `local` and `remote` in process `pid` (into `local`
// when reading); false (errno set) if it cannot.
bool transfer(bool read, int32_t pid, uint64_t remote, void* local, size_t bytes) {
  auto* here_at = static_cast<char*>(local);
  while (bytes > 0) {
    iovec here{here_at, bytes};
    iovec there{reinterpret_cast<void*>(remote), bytes};
    const ssize_t moved = read ? ::process_vm_readv(pid, &here, 1, &there, 1, 0)
                               : ::process_vm_writev(pid, &here, 1, &there, 1, 0);
    if (moved <= 0) return false;
    here_at += moved;
    remote += static_cast<uint64_t>(moved);
    bytes -= static_cast<size_t>(moved);
  }
  return true;
}

}  // namespace

Failure Communicator::create(uint32_t ranks, const HcclRootInfo& root, uint32_t rank, uint64_t buffer_mb,
                             std::shared_ptr<Communicator>& created) {
  Settings settings;
  if (std::string error = readSettings(settings); !error.empty()) return {HCCL_E_PARA, error};
  const std::string name = segmentName(root);
  if (name.empty()) return {HCCL_E_PARA, "HcclCommInitRootInfo: the root info was not made by HcclGetRootInfo"};
  if (ranks == 0 || rank >= ranks) {
    return {HCCL_E_PARA, "HcclCommInitRootInfo: rank " + std::to_string(rank) + " is not below nRanks " +
                             std::to_string(ranks)};
  }
  std::shared_ptr<Communicator> comm(new Communicator(rank, settings));
  const Clock::time_point deadline = Clock::now() + settings.connect_timeout;
  const std::string timeout_hint = "; HCCL_CONNECT_TIMEOUT=" + seconds(settings.connect_timeout) +
                                   " bounds the wait (set it higher if ranks start slowly)";
  auto fail_init = [&](HcclResult code, std::string message) {
    unlinkSegment(name);  // never leave the name behind when the group does not form
    return Failure{code, "HcclCommInitRootInfo (rank " + std::to_string(rank) + " of " + std::to_string(ranks) +
                             "): " + message};
  };

  if (rank == 0) {
    const uint64_t slot_bytes = (buffer_mb != 0 ? buffer_mb : settings.buffer_mb) << 20;
    const Layout layout{ranks, slot_bytes, std::max<uint64_t>(slot_bytes / ranks, 4096) & ~uint64_t{63}};
    if (std::string error = comm->segment_.create(name, layout.total()); !error.empty()) {
      return fail_init(HCCL_E_MEMORY, error);
    }
    SegmentHeader& header = comm->header();
    header.magic = kSegmentMagic;
    header.ranks = ranks;
    header.slot_bytes = layout.slot_bytes;
    header.channel_bytes = layout.channel_bytes;
    header.dead_rank.store(-1);
    header.ready.store(1, std::memory_order_release);
  } else {
    for (;;) {
      bool missing = false;
      const std::string error = comm->segment_.open(name, missing);
      if (error.empty() && comm->header().ready.load(std::memory_order_acquire) == 1) break;
      if (!error.empty() && !missing) return fail_init(HCCL_E_SYSCALL, error);
      if (Clock::now() > deadline) {
        return fail_init(HCCL_E_TIMEOUT, "timed out waiting for the root (rank 0) to create the communicator" +
                                             timeout_hint);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    if (comm->header().magic != kSegmentMagic || comm->header().ranks != ranks) {
      return fail_init(HCCL_E_PARA, "the root created a communicator of " + std::to_string(comm->header().ranks) +
                                        " ranks, this rank was asked to join one of " + std::to_string(ranks));
    }
  }
  SegmentHeader& header = comm->header();
  comm->layout_ = Layout{header.ranks, header.slot_bytes, header.channel_bytes};
  RankControl& mine = comm->control(rank);
  if (mine.state.load() != static_cast<uint32_t>(RankState::Absent)) {
    return fail_init(HCCL_E_PARA, "another process already joined as rank " + std::to_string(rank));
  }
  mine.pid.store(static_cast<int32_t>(::getpid()));
  mine.probe_address.store(reinterpret_cast<uint64_t>(&mine.pid));
  mine.state.store(static_cast<uint32_t>(RankState::Joined), std::memory_order_release);
  if (header.joined.fetch_add(1) + 1 == ranks) unlinkSegment(name);  // everyone has it mapped

  for (;;) {
    std::vector<uint32_t> missing;
    for (uint32_t peer = 0; peer < ranks; ++peer) {
      if (comm->control(peer).state.load(std::memory_order_acquire) == static_cast<uint32_t>(RankState::Absent)) {
        missing.push_back(peer);
      }
    }
    // Once all joined the group exists; a rank dying later fails collectives, not this.
    if (missing.empty()) break;
    for (uint32_t peer = 0; peer < ranks; ++peer) {
      const RankControl& control = comm->control(peer);
      if (control.state.load() != static_cast<uint32_t>(RankState::Absent) && !processAlive(control.pid.load())) {
        // The last missing rank may have joined since the scan, and this one
        // died after the group formed: that fails its collectives, not this.
        if (comm->header().joined.load(std::memory_order_acquire) == ranks) break;
        return fail_init(HCCL_E_REMOTE, "rank " + std::to_string(peer) + " (pid " +
                                            std::to_string(control.pid.load()) + ") died during initialization");
      }
    }
    if (Clock::now() > deadline) {
      return fail_init(HCCL_E_TIMEOUT, "rank(s) " + rankList(missing) + " did not join within " +
                                           seconds(settings.connect_timeout) + timeout_hint);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  bool reads = settings.peer_reads;
  for (uint32_t peer = 0; reads && peer < ranks; ++peer) {
    if (peer == rank) continue;
    const RankControl& control = comm->control(peer);
    // Reads the peer's pid where it sees it, and writes the same value back.
    int32_t seen = 0;
    reads = transfer(true, control.pid.load(), control.probe_address.load(), &seen, sizeof(seen)) &&
            seen == control.pid.load() &&
            transfer(false, control.pid.load(), control.probe_address.load(), &seen, sizeof(seen));
  }
  mine.reads_peers.store(reads ? 1 : 2, std::memory_order_release);
  created = std::move(comm);
  return {};
}

bool Communicator::peersReadable() {
  int readable = peers_readable_.load(std::memory_order_relaxed);
  if (readable < 0) {
    readable = 1;
    for (uint32_t peer = 0; peer < size(); ++peer) {
      if (control(peer).reads_peers.load(std::memory_order_acquire) != 1) readable = 0;
    }
    peers_readable_.store(readable, std::memory_order_relaxed);
  }
  return readable == 1;
}

Failure Communicator::readPeer(uint32_t peer, const void* remote, void* local, size_t bytes, const char* what) {
  return transferWithPeer(true, peer, reinterpret_cast<uint64_t>(remote), local, bytes, what);
}

Failure Communicator::writePeer(uint32_t peer, void* remote, const void* local, size_t bytes, const char* what) {
  return transferWithPeer(false, peer, reinterpret_cast<uint64_t>(remote), const_cast<void*>(local), bytes, what);
}

Failure Communicator::transferWithPeer(bool read, uint32_t peer, uint64_t remote, void* local, size_t bytes,
                                       const char* what) {
  if (transfer(read, control(peer).pid.load(), remote, local, bytes)) return {};
  const int error = errno;
  if (Failure failure = checkPeerSince(peer, Clock::now(), what)) return failure;  // it died: say so
  return {HCCL_E_SYSCALL, std::string(what) + " on rank " + std::to_string(rank_) + ": " +
                              (read ? "reading" : "writing") + " rank " + std::to_string(peer) +
                              "'s memory failed: " + std::strerror(error)};
}

Communicator::~Communicator() {
  if (segment_.data() == nullptr) return;
  RankControl& mine = control(rank_);
  uint32_t joined = static_cast<uint32_t>(RankState::Joined);
  mine.state.compare_exchange_strong(joined, static_cast<uint32_t>(RankState::Left));
  wakeAll(mine.step);
}

char* Communicator::slot(uint32_t rank) const {
  return static_cast<char*>(segment_.data()) + layout_.slots() + layout_.slot_bytes * rank;
}

Channel& Communicator::channel(uint32_t from, uint32_t to) const {
  auto* channels = reinterpret_cast<Channel*>(static_cast<char*>(segment_.data()) + layout_.channels());
  return channels[from * layout_.ranks + to];
}

char* Communicator::channelBuffer(uint32_t from, uint32_t to) const {
  return static_cast<char*>(segment_.data()) + layout_.channelBuffers() +
         layout_.channel_bytes * (from * layout_.ranks + to);
}

RankControl& Communicator::control(uint32_t rank) const {
  auto* controls = reinterpret_cast<RankControl*>(static_cast<char*>(segment_.data()) + layout_.controls());
  return controls[rank];
}

Failure Communicator::checkPeer(uint32_t peer, Clock::time_point deadline, const char* what) {
  SegmentHeader& shared = header();
  const RankControl& control = this->control(peer);
  const std::string context = std::string(what) + " on rank " + std::to_string(rank_) + ": ";
  int32_t dead = shared.dead_rank.load(std::memory_order_acquire);
  if (dead < 0 && !processAlive(control.pid.load())) {
    int32_t none = -1;
    shared.dead_rank.compare_exchange_strong(none, static_cast<int32_t>(peer));
    dead = shared.dead_rank.load();
  }
  if (dead >= 0) {
    return {HCCL_E_REMOTE, context + "rank " + std::to_string(dead) + " (pid " +
                               std::to_string(this->control(static_cast<uint32_t>(dead)).pid.load()) +
                               ") died; the communicator cannot complete this or any later collective"};
  }
  const uint32_t state = control.state.load(std::memory_order_acquire);
  if (state == static_cast<uint32_t>(RankState::Left)) {
    return {HCCL_E_REMOTE, context + "rank " + std::to_string(peer) + " destroyed its communicator"};
  }
  if (state == kFailedState) {
    return {HCCL_E_REMOTE, context + "rank " + std::to_string(peer) + " stopped after an error of its own"};
  }
  if (Clock::now() > deadline) {
    return {HCCL_E_TIMEOUT, context + "rank " + std::to_string(peer) + " did not arrive within HCCL_EXEC_TIMEOUT=" +
                                seconds(settings_.exec_timeout)};
  }
  return {};
}

Failure Communicator::barrier(const char* what) {
  RankControl& mine = control(rank_);
  const uint32_t target = ++step_;
  mine.step.store(target, std::memory_order_release);
  wakeAll(mine.step);
  for (uint32_t peer = 0; peer < size(); ++peer) {
    if (peer == rank_) continue;
    if (Failure failure = waitFor(control(peer).step, [target](uint32_t value) { return reached(value, target); },
                                  peer, what)) {
      return failure;
    }
  }
  return {};
}

void Communicator::fail(const Failure& failure) {
  {
    std::lock_guard<std::mutex> lock(error_mutex_);
    if (!error_) error_ = failure;
  }
  RankControl& mine = control(rank_);
  mine.state.store(kFailedState, std::memory_order_release);
  wakeAll(mine.step);
}

Failure Communicator::asyncError() const {
  std::lock_guard<std::mutex> lock(error_mutex_);
  return error_;
}

}  // namespace npu_sim_hccl
