// NPU streams, in the shape of c10/cuda/CUDAStream.h.
//
// Each device has a default stream and two lazily created pools (normal and
// high priority) handed out round-robin. The current stream is thread-local.
#pragma once

#include <c10/core/Stream.h>

#include "acl/acl_rt.h"

namespace torch_npu::npu {

class NPUStream {
 public:
  // Wraps a c10::Stream whose device type is PrivateUse1.
  explicit NPUStream(c10::Stream stream);

  bool operator==(const NPUStream& other) const noexcept { return stream_ == other.stream_; }
  bool operator!=(const NPUStream& other) const noexcept { return stream_ != other.stream_; }

  operator aclrtStream() const { return stream(); }
  operator c10::Stream() const { return stream_; }

  c10::Stream unwrap() const { return stream_; }
  c10::Device device() const { return stream_.device(); }
  c10::DeviceIndex device_index() const { return stream_.device_index(); }
  c10::StreamId id() const { return stream_.id(); }
  int priority() const;

  // The runtime's handle for this stream.
  aclrtStream stream() const;
  // True when every task enqueued so far has completed.
  bool query() const;
  // Blocks the calling thread until every task enqueued so far has completed.
  void synchronize() const;

 private:
  c10::Stream stream_;
};

NPUStream getStreamFromPool(bool isHighPriority = false, c10::DeviceIndex device = -1);
NPUStream getDefaultNPUStream(c10::DeviceIndex device = -1);
NPUStream getCurrentNPUStream(c10::DeviceIndex device = -1);
// Makes `stream` current on its device for the calling thread.
void setCurrentNPUStream(NPUStream stream);
// Wraps a stream created outside torch-npu; the caller keeps ownership.
NPUStream getStreamFromExternal(aclrtStream stream, c10::DeviceIndex device);

}  // namespace torch_npu::npu

template <>
struct std::hash<torch_npu::npu::NPUStream> {
  size_t operator()(const torch_npu::npu::NPUStream& stream) const noexcept {
    return std::hash<c10::Stream>{}(stream.unwrap());
  }
};
