"""Sets of time as sorted, disjoint [start, end) nanosecond intervals."""

from typing import Iterable, List, Tuple

Interval = Tuple[int, int]


def union(intervals: Iterable[Interval]) -> List[Interval]:
    """The disjoint, sorted intervals covering the same time as ``intervals``."""
    merged: List[Interval] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def intersection(a: List[Interval], b: List[Interval]) -> List[Interval]:
    """The time in both of the disjoint, sorted ``a`` and ``b``."""
    found: List[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            found.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return found


def length(intervals: Iterable[Interval]) -> int:
    """Nanoseconds covered by disjoint ``intervals``."""
    return sum(end - start for start, end in intervals)
