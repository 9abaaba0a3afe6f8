#include "session.h"

namespace npu_sim {

Session::Session(SimConfig config, uint64_t generation) : config_(std::move(config)), generation_(generation) {
  const int32_t count = config_.visibleDeviceCount();
  devices_.reserve(static_cast<size_t>(count));
  for (int32_t index = 0; index < count; ++index) {
    devices_.push_back(std::make_unique<Device>(index, config_.device_capacity_bytes, config_.launch_blocking));
  }
}

Device* Session::device(int32_t index) const noexcept {
  if (index < 0 || index >= deviceCount()) return nullptr;
  return devices_[static_cast<size_t>(index)].get();
}

std::optional<DeviceBlock> Session::findDeviceMemory(const void* ptr) const {
  for (const auto& device : devices_) {
    if (auto span = device->memory().findContaining(ptr)) return DeviceBlock{device.get(), *span};
  }
  return std::nullopt;
}

void Session::synchronizeDevice(const Device& device) const {
  std::vector<std::shared_ptr<Stream>> streams = streams_.all();
  if (auto default_stream = device.existingDefaultStream()) streams.push_back(std::move(default_stream));
  for (const auto& stream : streams) {
    if (stream->deviceIndex() == device.index() && !stream->isCallingWorker()) stream->synchronize();
  }
}

}  // namespace npu_sim
