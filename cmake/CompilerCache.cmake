# Use ccache when it is installed, so a one-line change rebuilds one object.
find_program(TORCH_NPU_CCACHE ccache)
if(TORCH_NPU_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_C_COMPILER_LAUNCHER "${TORCH_NPU_CCACHE}")
  set(CMAKE_CXX_COMPILER_LAUNCHER "${TORCH_NPU_CCACHE}")
endif()
