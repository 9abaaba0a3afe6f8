#include "device.h"

namespace npu_sim {

std::shared_ptr<Stream> Device::defaultStream() {
  std::lock_guard lock(default_stream_mutex_);
  if (!default_stream_) default_stream_ = newStream();
  return default_stream_;
}

std::shared_ptr<Stream> Device::existingDefaultStream() const {
  std::lock_guard lock(default_stream_mutex_);
  return default_stream_;
}

std::shared_ptr<Stream> Device::newStream() {
  return std::make_shared<Stream>(index_, busy_, launch_blocking_);
}

}  // namespace npu_sim
