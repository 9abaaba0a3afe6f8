# TORCH_NPU_SANITIZE=address,undefined or thread instruments every target (nox -s sanitize).
set(TORCH_NPU_SANITIZE "" CACHE STRING "Sanitizers to build with, as -fsanitize= takes them (empty: none)")
if(TORCH_NPU_SANITIZE)
  # Frame pointers for readable reports; undefined behaviour stops the test that hit it.
  add_compile_options("-fsanitize=${TORCH_NPU_SANITIZE}" -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options("-fsanitize=${TORCH_NPU_SANITIZE}")
  message(STATUS "torch-npu: instrumented with -fsanitize=${TORCH_NPU_SANITIZE}")
endif()
