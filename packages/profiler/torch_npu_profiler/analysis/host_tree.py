"""How host ops nest on their threads, and which device tasks each one launched."""

from collections import defaultdict
from typing import Dict, List, Optional

from torch_npu_profiler.analysis.raw_data import DeviceTask, HostOp, ProfileData, Step, find_step


class HostTree:
    """Parents and children of host ops (by interval, per thread) and the tasks each launched."""

    def __init__(self, data: ProfileData) -> None:
        self.data = data
        self.parent: Dict[int, Optional[int]] = {}  # index into data.host_ops
        self.children: Dict[int, List[int]] = defaultdict(list)
        self._nest()
        by_correlation = {op.correlation_id: index for index, op in enumerate(data.host_ops) if op.correlation_id}
        self.launched: Dict[int, List[DeviceTask]] = defaultdict(list)  # op index -> tasks it launched
        self.launcher: Dict[int, int] = {}  # id(task) -> op index
        for task in data.device_tasks:
            index = by_correlation.get(task.correlation_id)
            if index is not None:
                self.launched[index].append(task)
                self.launcher[id(task)] = index

    def _nest(self) -> None:
        open_ops: Dict[int, List[int]] = defaultdict(list)  # thread -> enclosing ops, innermost last
        for index, op in enumerate(self.data.host_ops):  # sorted by start, longest first
            stack = open_ops[op.thread]
            while stack and self.data.host_ops[stack[-1]].end_ns < op.end_ns:
                stack.pop()
            self.parent[index] = stack[-1] if stack else None
            if stack:
                self.children[stack[-1]].append(index)
            stack.append(index)

    def launcher_of(self, task: DeviceTask) -> Optional[HostOp]:
        """The host op that launched ``task``, when it was recorded."""
        index = self.launcher.get(id(task))
        return None if index is None else self.data.host_ops[index]

    def subtree(self, index: int) -> List[int]:
        """``index`` and every op nested in it."""
        found, pending = [], [index]
        while pending:
            current = pending.pop()
            found.append(current)
            pending.extend(self.children.get(current, ()))
        return found

    def step_of(self, task: DeviceTask) -> Optional[Step]:
        """The step the task belongs to: its launcher's (else its own start's)."""
        launcher = self.launcher_of(task)
        return find_step(self.data.steps, launcher.start_ns if launcher else task.start_ns)
