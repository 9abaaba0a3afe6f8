#include "session.h"

namespace npu_sim {

Session::Session(SimConfig config, uint64_t generation) : config_(std::move(config)), generation_(generation) {
  const int32_t count = config_.visibleDeviceCount();
  devices_.reserve(static_cast<size_t>(count));
  for (int32_t index = 0; index < count; ++index) {
    devices_.push_back(
        std::make_unique<Device>(index, config_.device_capacity_bytes, host_budget_, config_.launch_blocking,
                                 config_.protect_device_memory ? HostAccess::SimulatorOnly : HostAccess::Direct));
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
  if (auto mapped = virtual_memory_.findContaining(ptr)) return DeviceBlock{device(mapped->device_index), mapped->span};
  return std::nullopt;
}

std::vector<std::shared_ptr<Stream>> Session::streamsToSynchronize(const Device& device) const {
  std::vector<std::shared_ptr<Stream>> streams = streams_.all();
  if (auto default_stream = device.existingDefaultStream()) streams.push_back(std::move(default_stream));
  std::erase_if(streams, [&](const std::shared_ptr<Stream>& stream) {
    return stream->deviceIndex() != device.index() || stream->isCallingWorker();
  });
  return streams;
}

std::vector<std::shared_ptr<ModelRI>> Session::activeCaptures(int32_t device) const {
  std::vector<std::shared_ptr<ModelRI>> active;
  for (auto& model : models_.all()) {
    if (model->capturing() && (device < 0 || model->deviceIndex() == device)) active.push_back(std::move(model));
  }
  return active;
}

void Session::synchronizeDevice(const Device& device) const {
  for (const auto& stream : streamsToSynchronize(device)) stream->synchronize();
}

void Session::abortQueuedWork(const Device& device) const {
  for (const auto& stream : streamsToSynchronize(device)) stream->abortQueuedWork();
}

std::optional<TaskFailure> Session::takeTaskFailures(const Device& device) const {
  std::optional<TaskFailure> joined;
  for (const auto& stream : streamsToSynchronize(device)) {
    if (std::optional<TaskFailure> failure = stream->failures().take()) {
      if (joined) {
        joined->message += "; " + failure->message;
      } else {
        joined = std::move(failure);
      }
    }
  }
  return joined;
}

}  // namespace npu_sim
