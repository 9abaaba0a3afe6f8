"""A strict checker of Chrome trace-event JSON, as Perfetto and chrome://tracing read it.

``check_trace(path)`` returns the problems it finds (empty: valid): the file must be one
JSON document (no NaN, no trailing text); every event needs an integer pid and tid and a
numeric ts; complete events (``X``) a non-negative numeric dur and, per track, strict
nesting (a slice starting inside another ends inside it); flows pair one ``s`` with one
``f`` per integer id below 2**53, the ``f`` bound to the enclosing slice (``"bp": "e"``) and
inside a slice of its track, the ``s`` inside a slice of its own.
"""

import json
import math
from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, List, Tuple

MAX_SAFE_INTEGER = 2**53 - 1


def _reject_constant(name: str) -> float:
    raise ValueError(f"non-JSON constant {name}")


def load_strict(path: Path) -> Dict[str, Any]:
    """The document at ``path``; raises on anything a strict JSON parser refuses."""
    return json.loads(path.read_text(), parse_constant=_reject_constant)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _ns(us: float) -> int:
    return round(us * 1000)


def _inside(slices: List[Tuple[int, int]], ts: int) -> bool:
    return any(start <= ts <= end for start, end in slices)


def check_events(document: Dict[str, Any]) -> List[str]:
    """The problems of a loaded trace document."""
    problems: List[str] = []
    events = document.get("traceEvents")
    if not isinstance(events, list):
        return ["no traceEvents list"]
    tracks: Dict[Tuple[int, int], List[Tuple[int, int]]] = defaultdict(list)
    flows: Dict[Any, Dict[str, List[Dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for index, event in enumerate(events):
        where = f"event {index} ({event.get('name')!r}, ph {event.get('ph')!r})"
        if not (_integer(event.get("pid")) and _integer(event.get("tid", 0))):
            problems.append(f"{where}: pid and tid must be integers")
            continue
        phase = event.get("ph")
        if phase == "M":
            continue
        if not _number(event.get("ts")):
            problems.append(f"{where}: ts must be a number, not {event.get('ts')!r}")
            continue
        if event["ts"] < 0:
            problems.append(f"{where}: ts is negative (timestamps are relative to the session start)")
        if phase == "X":
            if not _number(event.get("dur")) or event["dur"] < 0:
                problems.append(f"{where}: dur must be a non-negative number, not {event.get('dur')!r}")
                continue
            tracks[(event["pid"], event["tid"])].append((_ns(event["ts"]), _ns(event["ts"] + event["dur"])))
        elif phase in ("s", "f"):
            flows[event.get("id")][phase].append(event)
    for track, slices in tracks.items():
        open_ends: List[int] = []
        for start, end in sorted(slices, key=lambda s: (s[0], -s[1])):
            while open_ends and open_ends[-1] <= start:
                open_ends.pop()
            if open_ends and end > open_ends[-1]:
                problems.append(f"track {track}: slice [{start}, {end}] ns overlaps its enclosing slice's end "
                                f"{open_ends[-1]} ns instead of nesting")  # fmt: skip
            open_ends.append(end)
    for flow_id, ends in flows.items():
        if not _integer(flow_id) or not 0 < flow_id <= MAX_SAFE_INTEGER:
            problems.append(f"flow id {flow_id!r}: must be a positive integer below 2**53")
        if len(ends["s"]) != 1 or len(ends["f"]) != 1:
            problems.append(f"flow {flow_id!r}: {len(ends['s'])} start(s) and {len(ends['f'])} finish(es), not 1 and 1")
            continue
        start, finish = ends["s"][0], ends["f"][0]
        if finish.get("bp") != "e":
            problems.append(f"flow {flow_id!r}: its f event must bind to the enclosing slice (\"bp\": \"e\")")
        for name, event in (("s", start), ("f", finish)):
            if not _inside(tracks.get((event["pid"], event["tid"]), []), _ns(event["ts"])):
                problems.append(f"flow {flow_id!r}: its {name} event lies in no slice of its track")
    return problems


def check_trace(path: Path) -> List[str]:
    """The problems of the trace file at ``path``."""
    try:
        document = load_strict(path)
    except ValueError as error:
        return [f"not one strict JSON document: {error}"]
    return check_events(document)
