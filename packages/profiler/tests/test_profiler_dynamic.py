"""dynamic_profile: a running loop is profiled when its config file changes."""

import json
import os

import pytest

from torch_npu.profiler import dynamic_profile
from profiler_helpers import read_csv, train_step  # noqa: F401


@pytest.fixture(autouse=True)
def _fresh_state():
    yield
    dynamic_profile._reset()


def _rewrite(path, **changes):
    config = json.loads(path.read_text())
    config.update(changes)
    path.write_text(json.dumps(config))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # a change even on coarse clocks


def _run(steps, step):
    for _ in range(steps):
        step()
        dynamic_profile.step()


def test_a_changed_config_profiles_the_next_steps(tmp_path, train_step):  # noqa: F811
    dynamic_profile.init(str(tmp_path / "watch"))
    config_path = tmp_path / "watch" / "profiler_config.json"
    assert json.loads(config_path.read_text())["active"] == 1  # the template
    _run(3, train_step)
    out = tmp_path / "out"
    assert not out.exists(), "an unchanged config profiles nothing"
    _rewrite(config_path, prof_dir=str(out), analyse=True, warmup=1, active=2)
    _run(6, train_step)
    profiles = sorted(out.glob("*_ascend_pt"))
    assert len(profiles) == 1
    steps = read_csv(profiles[0] / "ASCEND_PROFILER_OUTPUT" / "step_trace_time.csv")
    assert len(steps) == 2
    _run(3, train_step)
    assert len(list(out.glob("*_ascend_pt"))) == 1, "the same config does not profile again"


def test_start_waits_for_its_start_step(tmp_path, train_step):  # noqa: F811
    config_path = tmp_path / "config.json"
    out = tmp_path / "out"
    config_path.write_text(json.dumps({**dynamic_profile.TEMPLATE, "prof_dir": str(out), "start_step": 4}))
    dynamic_profile.start(str(config_path))
    _run(3, train_step)
    assert not out.exists()
    _run(3, train_step)
    profiles = list(out.glob("*_ascend_pt"))
    assert len(profiles) == 1
    assert not (profiles[0] / "analyse.done").exists(), "analyse is false: raw data only"


def test_bad_configs_are_refused(tmp_path):
    path = tmp_path / "config.json"
    path.write_text('{"activities": ["CPU"], "actve": 1}')
    with pytest.raises(ValueError, match="unknown keys \\['actve'\\]"):
        dynamic_profile.start(str(path))
    path.write_text("{not json")
    with pytest.raises(ValueError, match="no readable JSON"):
        dynamic_profile.start(str(path))
    with pytest.raises(ValueError, match="init"):
        dynamic_profile.start()
