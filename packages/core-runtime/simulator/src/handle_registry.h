// The objects behind the opaque handles given to C callers (aclrtStream,
// aclrtEvent). A handle is the object's address; looking it up here is what
// tells a live handle from a stale or foreign one, and the shared_ptr handed
// back keeps the object alive while a call uses it even if another thread
// destroys the handle meanwhile.
#pragma once

#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace npu_sim {

template <class T>
class HandleRegistry {
 public:
  void* add(std::shared_ptr<T> object) {
    void* handle = object.get();
    std::lock_guard lock(mutex_);
    objects_.emplace(handle, std::move(object));
    return handle;
  }

  // Null when `handle` is not live.
  std::shared_ptr<T> find(const void* handle) const {
    std::lock_guard lock(mutex_);
    auto found = objects_.find(handle);
    return found == objects_.end() ? nullptr : found->second;
  }

  // Null when `handle` is not live.
  std::shared_ptr<T> remove(const void* handle) {
    std::lock_guard lock(mutex_);
    auto found = objects_.find(handle);
    if (found == objects_.end()) return nullptr;
    std::shared_ptr<T> object = std::move(found->second);
    objects_.erase(found);
    return object;
  }

  std::vector<std::shared_ptr<T>> all() const {
    std::lock_guard lock(mutex_);
    std::vector<std::shared_ptr<T>> objects;
    objects.reserve(objects_.size());
    for (const auto& entry : objects_) objects.push_back(entry.second);
    return objects;
  }

 private:
  mutable std::mutex mutex_;
  std::unordered_map<const void*, std::shared_ptr<T>> objects_;
};

}  // namespace npu_sim
