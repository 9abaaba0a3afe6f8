#include "acl/AclApi.h"
#include "npu/NPUEvent.h"
#include "npu/NPUException.h"
#include "npu/NPUResourceLimits.h"
#include "npu/NPUStream.h"
#include "python/Bindings.h"

namespace torch_npu::python {
namespace py = pybind11;

namespace {

// Streams cross into python as (stream_id, device_index, device_type), the
// triple torch.Stream is constructed from.
using StreamTriple = std::tuple<int64_t, int64_t, int64_t>;

StreamTriple pack(const npu::NPUStream& stream) {
  return {stream.id(), stream.device_index(), static_cast<int64_t>(stream.device().type())};
}

npu::NPUStream unpack(int64_t stream_id, int64_t device_index, int64_t device_type) {
  return npu::NPUStream(c10::Stream::unpack3(stream_id, static_cast<c10::DeviceIndex>(device_index),
                                             static_cast<c10::DeviceType>(device_type)));
}

}  // namespace

void initStreamBindings(py::module_& m) {
  m.def("_npu_getCurrentStream", [](c10::DeviceIndex device) { return pack(npu::getCurrentNPUStream(device)); });
  m.def("_npu_getDefaultStream", [](c10::DeviceIndex device) { return pack(npu::getDefaultNPUStream(device)); });
  m.def("_npu_getStreamFromPool",
        [](bool high_priority, c10::DeviceIndex device) { return pack(npu::getStreamFromPool(high_priority, device)); });
  m.def("_npu_getStreamFromExternal", [](uintptr_t handle, c10::DeviceIndex device) {
    return pack(npu::getStreamFromExternal(reinterpret_cast<aclrtStream>(handle), device));
  });
  m.def("_npu_setStream", [](int64_t stream_id, int64_t device_index, int64_t device_type) {
    npu::setCurrentNPUStream(unpack(stream_id, device_index, device_type));
  });
  m.def("_npu_streamHandle", [](int64_t stream_id, int64_t device_index, int64_t device_type) {
    return reinterpret_cast<uintptr_t>(unpack(stream_id, device_index, device_type).stream());
  });
  // torch.Event.elapsed_time accepts only exact torch.Event objects, so the
  // torch.npu.Event subclass times its events here.
  m.def("_npu_eventElapsedTime", [](uintptr_t start, uintptr_t end) {
    TORCH_CHECK(start != 0 && end != 0, "Both events must be recorded before calculating elapsed time.");
    float milliseconds = 0;
    NPU_CHECK(acl::aclrtEventElapsedTime(&milliseconds, reinterpret_cast<aclrtEvent>(start),
                                         reinterpret_cast<aclrtEvent>(end)));
    return milliseconds;
  });
  m.def(
      "_npu_set_stream_res_limit",
      [](int64_t stream_id, int64_t device_index, int64_t device_type, int64_t type, uint32_t value) {
        npu::setStreamResLimit(unpack(stream_id, device_index, device_type), npu::resLimitType(type), value);
      },
      py::arg("stream_id"), py::arg("device_index"), py::arg("device_type"), py::arg("type"), py::arg("value"));
  m.def(
      "_npu_get_stream_res_limit",
      [](int64_t stream_id, int64_t device_index, int64_t device_type, int64_t type) {
        return npu::getStreamResLimit(unpack(stream_id, device_index, device_type), npu::resLimitType(type));
      },
      py::arg("stream_id"), py::arg("device_index"), py::arg("device_type"), py::arg("type"));
  m.def(
      "_npu_reset_stream_res_limit",
      [](int64_t stream_id, int64_t device_index, int64_t device_type) {
        npu::resetStreamResLimit(unpack(stream_id, device_index, device_type));
      },
      py::arg("stream_id"), py::arg("device_index"), py::arg("device_type"));
  // torch.npu.ExternalEvent: a flag a stream may wait for before its record.
  // synchronize() may wait for another thread's record: it releases the GIL.
  py::class_<npu::NPUEvent>(m, "_NPUExternalEvent")
      .def(py::init([] { return npu::NPUEvent(/*enable_timing=*/false, /*external=*/true); }))
      .def("record", [](npu::NPUEvent& self, c10::Stream stream) { self.record(npu::NPUStream(stream)); })
      .def("wait", [](const npu::NPUEvent& self, c10::Stream stream) { self.block(npu::NPUStream(stream)); })
      .def("reset", [](npu::NPUEvent& self, c10::Stream stream) { self.reset(npu::NPUStream(stream)); })
      .def("query", &npu::NPUEvent::query)
      .def("synchronize", &npu::NPUEvent::synchronize, py::call_guard<py::gil_scoped_release>());
  m.def("_npu_streamPriority", [](int64_t stream_id, int64_t device_index, int64_t device_type) {
    return unpack(stream_id, device_index, device_type).priority();
  });
}

}  // namespace torch_npu::python
