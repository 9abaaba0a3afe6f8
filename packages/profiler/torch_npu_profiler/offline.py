"""``analyse``: writes the output files of profiles recorded with ``analyse_flag=False``."""

from pathlib import Path
from typing import List, Optional

from torch_npu_profiler.analysis import output_directory


def analyse(profiler_path: str, max_process_number: Optional[int] = None) -> List[Path]:
    """Analyses ``profiler_path``: one ``*_ascend_pt`` directory, or a directory of them.

    Each gets its ASCEND_PROFILER_OUTPUT/ and analyse.done from its raw data; returns the
    directories analysed. ``max_process_number`` is accepted for the reference's signature;
    the directories are analysed one after another.
    """
    if max_process_number is not None and max_process_number < 1:
        raise ValueError(f"max_process_number must be positive, not {max_process_number}")
    profiles = output_directory.find_profiles(Path(profiler_path))
    for directory in profiles:
        output_directory.analyse(directory)
    return profiles
