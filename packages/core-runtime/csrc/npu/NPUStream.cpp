#include "npu/NPUStream.h"

#include <array>
#include <atomic>
#include <mutex>
#include <vector>

#include <c10/util/Exception.h>

#include "acl/AclApi.h"
#include "npu/NPUException.h"
#include "npu/NPUFunctions.h"
#include "npu/NPURuntime.h"
#include "npu/NPUSyncDebug.h"
#include "npu/NPUTrace.h"

namespace torch_npu::npu {
namespace {

// A StreamId packs (kind, index) for streams torch-npu owns, shifted left by
// one; external streams store their handle with the low bit set, since handles
// are at least 2-byte aligned.
enum class StreamKind : c10::StreamId { Default = 0, Normal = 1, HighPriority = 2 };
constexpr int kStreamsPerPool = 4;  // each simulated stream owns a worker thread
constexpr c10::StreamId kKindShift = 5;

c10::StreamId makeId(StreamKind kind, int index) {
  return ((static_cast<c10::StreamId>(kind) << kKindShift) | index) << 1;
}
bool isExternal(c10::StreamId id) {
  return (id & 1) != 0;
}
StreamKind kindOf(c10::StreamId id) {
  return static_cast<StreamKind>((id >> 1) >> kKindShift);
}
int indexOf(c10::StreamId id) {
  return static_cast<int>((id >> 1) & ((1 << kKindShift) - 1));
}

aclrtStream createStream(c10::DeviceIndex device, StreamKind kind) {
  const c10::DeviceIndex previous = exchange_device(device);
  aclrtStream stream = nullptr;
  // CANN: a lower number is a higher priority; 0 is the highest.
  NPU_CHECK(acl::aclrtCreateStreamWithConfig(&stream, kind == StreamKind::HighPriority ? 0 : 1, 0));
  exchange_device(previous);
  return stream;
}

// The streams of one device, created on first use and kept for the process's life.
// Every operator asks for its stream's handle (to launch, and to allocate its
// output), so the handles are read through atomics once created: std::call_once
// itself costs a few hundred instructions even when the work is done.
struct DeviceStreams {
  std::once_flag default_once;
  std::atomic<aclrtStream> default_stream{nullptr};
  std::once_flag pool_once;
  std::atomic<bool> pools_ready{false};
  std::array<aclrtStream, kStreamsPerPool> normal{};
  std::array<aclrtStream, kStreamsPerPool> high_priority{};
  std::atomic<uint32_t> next_normal{0};
  std::atomic<uint32_t> next_high_priority{0};
};

std::vector<DeviceStreams>& allDeviceStreams() {
  static std::vector<DeviceStreams> streams(device_count_ensure_non_zero());
  return streams;
}

DeviceStreams& streamsOf(c10::DeviceIndex device) {
  check_device_index(device);
  ensureRuntimeInitialized();
  return allDeviceStreams()[device];
}

aclrtStream defaultHandle(c10::DeviceIndex device) {
  DeviceStreams& streams = streamsOf(device);
  if (aclrtStream created = streams.default_stream.load(std::memory_order_acquire)) {
    return created;
  }
  std::call_once(streams.default_once, [&] {
    streams.default_stream.store(createStream(device, StreamKind::Default), std::memory_order_release);
  });
  return streams.default_stream.load(std::memory_order_acquire);
}

void ensurePools(c10::DeviceIndex device) {
  DeviceStreams& streams = streamsOf(device);
  if (streams.pools_ready.load(std::memory_order_acquire)) {
    return;
  }
  std::call_once(streams.pool_once, [&] {
    for (int i = 0; i < kStreamsPerPool; ++i) {
      streams.normal[i] = createStream(device, StreamKind::Normal);
      streams.high_priority[i] = createStream(device, StreamKind::HighPriority);
    }
    streams.pools_ready.store(true, std::memory_order_release);
  });
}

// Per-thread current stream of each device; 0 means the default stream.
thread_local std::vector<c10::StreamId> current_stream_ids;

c10::StreamId& currentIdSlot(c10::DeviceIndex device) {
  if (current_stream_ids.empty()) {
    current_stream_ids.assign(device_count_ensure_non_zero(), makeId(StreamKind::Default, 0));
  }
  return current_stream_ids[device];
}

c10::DeviceIndex resolve(c10::DeviceIndex device) {
  return device < 0 ? current_device() : device;
}

NPUStream wrap(c10::DeviceIndex device, c10::StreamId id) {
  return NPUStream(c10::Stream(c10::Stream::UNSAFE, c10::Device(c10::DeviceType::PrivateUse1, device), id));
}

}  // namespace

NPUStream::NPUStream(c10::Stream stream) : stream_(stream) {
  TORCH_CHECK(stream_.device_type() == c10::DeviceType::PrivateUse1, "Expected an NPU stream, got a stream on ",
              stream_.device());
}

int NPUStream::priority() const {
  return !isExternal(id()) && kindOf(id()) == StreamKind::HighPriority ? -1 : 0;
}

aclrtStream NPUStream::stream() const {
  const c10::StreamId id = this->id();
  if (isExternal(id)) {
    return reinterpret_cast<aclrtStream>(id & ~c10::StreamId{1});
  }
  switch (kindOf(id)) {
    case StreamKind::Default:
      return defaultHandle(device_index());
    case StreamKind::Normal:
      ensurePools(device_index());
      return streamsOf(device_index()).normal.at(indexOf(id));
    case StreamKind::HighPriority:
      ensurePools(device_index());
      return streamsOf(device_index()).high_priority.at(indexOf(id));
  }
  TORCH_CHECK(false, "Unrecognized NPU stream id ", id);
}

bool NPUStream::query() const {
  // The handle is resolved once: report()'s arguments are evaluated even while tracing is off.
  const aclrtStream handle = stream();
  aclrtStreamStatus status = ACL_STREAM_STATUS_NOT_READY;
  NPU_CHECK(acl::aclrtStreamQuery(handle, &status));
  const bool complete = status == ACL_STREAM_STATUS_COMPLETE;
  if (complete) {  // the host has seen the work finish, as if it had waited
    trace::report(trace::Kind::StreamSynchronize, device_index(), nullptr, handle);
  }
  return complete;
}

void NPUStream::synchronize() const {
  const aclrtStream handle = stream();
  NPU_CHECK(acl::aclrtSynchronizeStream(handle));
  trace::report(trace::Kind::StreamSynchronize, device_index(), nullptr, handle);
  // After the wait: a caller's copy may still be reading its staging buffer until then,
  // and the error mode's exception must not free it under the device.
  warn_or_error_on_sync();
}

NPUStream getStreamFromPool(bool isHighPriority, c10::DeviceIndex device) {
  device = resolve(device);
  DeviceStreams& streams = streamsOf(device);
  ensurePools(device);
  std::atomic<uint32_t>& counter = isHighPriority ? streams.next_high_priority : streams.next_normal;
  const int index = static_cast<int>(counter++ % kStreamsPerPool);
  return wrap(device, makeId(isHighPriority ? StreamKind::HighPriority : StreamKind::Normal, index));
}

NPUStream getDefaultNPUStream(c10::DeviceIndex device) {
  device = resolve(device);
  check_device_index(device);
  return wrap(device, makeId(StreamKind::Default, 0));
}

NPUStream getCurrentNPUStream(c10::DeviceIndex device) {
  device = resolve(device);
  check_device_index(device);
  return wrap(device, currentIdSlot(device));
}

void setCurrentNPUStream(NPUStream stream) {
  currentIdSlot(stream.device_index()) = stream.id();
}

NPUStream getStreamFromExternal(aclrtStream stream, c10::DeviceIndex device) {
  TORCH_CHECK(stream != nullptr, "getStreamFromExternal needs a stream handle, got null");
  TORCH_CHECK((reinterpret_cast<uintptr_t>(stream) & 1) == 0, "getStreamFromExternal: ", stream,
              " is not a stream handle (stream handles are aligned)");
  check_device_index(device);
  return wrap(device, static_cast<c10::StreamId>(reinterpret_cast<intptr_t>(stream)) | 1);
}

}  // namespace torch_npu::npu
