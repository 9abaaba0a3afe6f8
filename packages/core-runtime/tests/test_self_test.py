"""torch.npu.stress_detect: CANN's hardware self-test (libascend_ml.so), called as the reference calls it
and answered as the reference answers; refused on the simulator, which has no hardware to test.

The calling path is tested against a toolkit-shaped directory whose runtime is the simulator and whose
libascend_ml.so is built here: it records what it was given and returns the status a test asks for.
"""

import pathlib
import shutil
import subprocess

import pytest
import torch
import torch_npu

from conftest import fake_toolkit, run_python

FAKE_AML_SOURCE = r"""
#include <cstdio>
#include <cstdlib>
#include "aml/aml_fwk_detect.h"

extern "C" {

static AmlStatus answer(const char* test, int32_t device, void* comm, void* workspace, uint64_t size,
                        const uint8_t* reserve, int mode) {
  int reserve_zero = 1;
  for (int i = 0; i < 64; ++i) reserve_zero = reserve_zero && reserve[i] == 0;
  FILE* log = fopen(getenv("FAKE_AML_LOG"), "a");
  fprintf(log, "%s device=%d mode=%d comm=%d workspace=%d size=%llu reserve_zero=%d\n", test, device, mode,
          comm != NULL, workspace != NULL, (unsigned long long)size, reserve_zero);
  fclose(log);
  return atoi(getenv("FAKE_AML_STATUS"));
}

AmlStatus AmlAicoreDetectOnline(int32_t deviceId, const AmlAicoreDetectAttr* attr) {
  return answer("aicore", deviceId, NULL, attr->workspace, attr->workspaceSize, attr->reserve, (int)attr->mode);
}

AmlStatus AmlP2PDetectOnline(int32_t devId, void* comm, const AmlP2PDetectAttr* attr) {
  return answer("p2p", devId, comm, attr->workspace, attr->workspaceSize, attr->reserve, -1);
}
}
"""

TEN_GIB = 10 << 30


@pytest.fixture(scope="module")
def toolkit_with_aml(tmp_path_factory) -> pathlib.Path:
    # C++: CANN's header names `struct AmlP2PDetectAttr` without the `struct`, as only C++ may.
    compiler = shutil.which("c++") or shutil.which("g++")
    if compiler is None:
        pytest.fail("a C++ compiler (c++) is needed to build the test's libascend_ml.so")
    home = fake_toolkit(tmp_path_factory.mktemp("toolkit") / "cann", "8.5.0")
    source = home / "fake_aml.cpp"
    source.write_text(FAKE_AML_SOURCE)
    include = pathlib.Path(torch_npu.__file__).parent / "include"
    subprocess.run([compiler, "-shared", "-fPIC", f"-I{include}", "-o", str(home / "lib64" / "libascend_ml.so"),
                    str(source)], check=True, capture_output=True, text=True)  # fmt: skip
    return home


def test_a_detect_type_other_than_aic_or_hccs_warns_and_answers_1():
    with pytest.warns(UserWarning, match="Detect_type should be `aic` or `hccs`"):
        assert torch.npu.stress_detect("hbm") == 1


def test_the_link_test_without_torch_distributed_warns_and_answers_1():
    with pytest.warns(UserWarning, match="torch.distributed should be initialized for p2p detection"):
        assert torch.npu.stress_detect("hccs") == 1


def test_the_simulator_refuses_the_test_it_has_no_hardware_for():
    with pytest.raises(RuntimeError, match="stress_detect needs Ascend hardware"):
        torch.npu.stress_detect("aic")


def test_the_link_test_takes_the_nodes_communicator():
    # One rank, one node: the environment torchrun sets is required, then the node's communicator is made.
    result = run_python(
        """
import os, warnings, torch, torch_npu, torch.distributed as dist
dist.init_process_group("hccl", rank=0, world_size=1, store=dist.HashStore(), device_id=torch.device("npu", 0))
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    print("without the environment:", torch.npu.stress_detect("hccs"), [str(w.message) for w in caught])
os.environ.update(RANK="0", LOCAL_WORLD_SIZE="1", WORLD_SIZE="1")
try:
    torch.npu.stress_detect("hccs")
except RuntimeError as error:
    print("then:", str(error).split(":")[0])
group = torch_npu.npu.self_test._node_group
print("communicator:", group._get_backend(torch.device("npu")).get_hccl_comm(0) != 0)
dist.destroy_process_group()
"""
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "without the environment: 1 [\"Environment variables 'RANK', 'LOCAL_WORLD_SIZE' or 'WORLD_SIZE' are not set.\"]",
        "then: torch.npu.stress_detect needs Ascend hardware",
        "communicator: True",
    ]


def test_on_a_toolkit_the_ai_core_test_is_called_as_cann_publishes_and_answered_as_the_reference(
    toolkit_with_aml, tmp_path
):
    log = tmp_path / "aml.log"
    result = run_python(
        """
import os, warnings, torch
torch.npu.set_device(1)
free_before = torch.npu.mem_get_info()[0]
for status in ("0", "574006", "574008", "574009", "12345"):
    os.environ["FAKE_AML_STATUS"] = status
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        answer = torch.npu.stress_detect("aic")
    print(status, answer, [str(w.message).split(" (Triggered internally")[0] for w in caught])
os.environ["FAKE_AML_STATUS"] = "574007"
try:
    torch.npu.stress_detect()
except RuntimeError as error:
    print("574007 raised:", str(error).splitlines()[0])
print("workspace freed:", torch.npu.mem_get_info()[0] == free_before)
""",
        env={"ASCEND_HOME_PATH": str(toolkit_with_aml), "FAKE_AML_LOG": str(log), "TORCH_NPU_SIM_HBM_MB": "16384"},
    )
    assert result.returncode == 0, result.stderr
    fault = "Stress detect failed due to hardware malfunction, device id is 1, error code is "
    assert result.stdout.splitlines() == [
        "0 0 []",
        f"574006 2 ['{fault}574006']",
        f"574008 2 ['{fault}574008']",
        f"574009 2 ['{fault}574009']",
        "12345 1 ['Stress detect test case execution failed, device id is 1, error code is 12345']",
        "574007 raised: Stress detect error. Error code is 574007. Error message is Voltage recovery failed.",
        "workspace freed: True",
    ]
    calls = log.read_text().splitlines()
    assert calls == [f"aicore device=1 mode=0 comm=0 workspace=1 size={TEN_GIB} reserve_zero=1"] * 6


def test_a_device_too_small_for_the_workspace_answers_1(toolkit_with_aml, tmp_path):
    result = run_python(
        """
import warnings, torch
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    print(torch.npu.stress_detect(), [str(w.message).split(" (Triggered internally")[0] for w in caught])
""",
        env={"ASCEND_HOME_PATH": str(toolkit_with_aml), "FAKE_AML_LOG": str(tmp_path / "aml.log"),
             "FAKE_AML_STATUS": "0", "TORCH_NPU_SIM_HBM_MB": "4096"},  # fmt: skip
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "1 ['Stress detect failed, call aclrtMalloc failed, skip StressDetect, device id is 0']"
    )
    assert not (tmp_path / "aml.log").exists()
