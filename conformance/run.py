"""Run PyTorch's OpInfo database on the NPU against the CPU; write report.md and report.json.

    python conformance/run.py                       # every op of op_db; reports in conformance/
    python conformance/run.py --ops add,sin,nn.functional.conv2d --jobs 1
    python conformance/run.py --dtypes float32 --max-samples 8   # quicker

Ops run in worker subprocesses, a chunk of ops per worker, so a crash or a hang
costs one op, not the run: each worker announces an op before checking it, so
when a worker dies (or an op exceeds --timeout) the op it was on is known. That
op is then re-run alone in a fresh worker: dying again records it as a crash;
passing alone records its result with a note (it crashed only after other ops).
The rest of the chunk continues in a new worker.

An op passes when every sample at every dtype checked passes (see opcheck.py for
what is compared). Pass rate = passed / (ops - skipped), skipped meaning the op
had no sample the CPU could run at any dtype checked.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import reporting  # conformance/reporting.py, next to this file
from reporting import overall_status

DEFAULT_DTYPES = "float32,float64,int64,bool"


# ------------------------------------------------------------------ worker side


def worker_main(args: argparse.Namespace) -> None:
    """Check the op_db entries ``args.indices``, appending start/result JSON lines to ``args.out``."""
    import warnings

    warnings.filterwarnings("ignore")
    import torch

    torch.set_num_threads(1)
    import opcheck
    from torch.testing._internal.common_methods_invocations import op_db

    dtypes = [getattr(torch, name) for name in args.dtypes.split(",")]
    grad_dtypes = {getattr(torch, name) for name in args.grad_dtypes.split(",") if name}
    with open(args.out, "a", buffering=1) as out:
        for index in map(int, args.indices.split(",")):
            op = op_db[index]
            out.write(json.dumps({"event": "start", "index": index}) + "\n")
            start = time.perf_counter()
            results = opcheck.check_op(op, dtypes, grad_dtypes, args.max_samples)
            record = {
                "event": "result",
                "index": index,
                "op": opcheck.op_key(op),
                "seconds": round(time.perf_counter() - start, 3),
                "dtypes": [asdict(r) for r in results],
            }
            out.write(json.dumps(record) + "\n")


# ------------------------------------------------------------------ parent side


def list_ops(selection: str | None) -> list[tuple[int, str]]:
    """(op_db index, op key) of the ops to check; ``selection`` is a comma list of keys or names."""
    import warnings

    warnings.filterwarnings("ignore")
    import opcheck
    from torch.testing._internal.common_methods_invocations import op_db

    ops = [(i, opcheck.op_key(op)) for i, op in enumerate(op_db)]
    if selection:
        wanted = set(selection.split(","))
        ops = [(i, key) for i, key in ops if key in wanted or op_db[i].name in wanted]
    return ops


class Scheduler:
    """Runs chunks of ops in worker subprocesses, pinning crashes and hangs to single ops."""

    def __init__(self, args: argparse.Namespace, names: dict[int, str]) -> None:
        self.args = args
        self.names = names
        self.results: dict[int, dict[str, Any]] = {}
        self.events: list[str] = []  # crashes at exit and other oddities, for the report
        self.lock = threading.Lock()
        self.scratch = Path(tempfile.mkdtemp(prefix="npu-conformance-"))

    def worker_command(self, indices: list[int], out: Path) -> list[str]:
        a = self.args
        return [
            sys.executable, str(Path(__file__).resolve()), "--worker",
            "--indices", ",".join(map(str, indices)), "--out", str(out),
            "--dtypes", a.dtypes, "--grad-dtypes", a.grad_dtypes,
            *(["--max-samples", str(a.max_samples)] if a.max_samples else []),
        ]  # fmt: skip

    def run_worker(self, indices: list[int]) -> tuple[dict[int, dict], int | None, str, int | None]:
        """Run one worker: (results by index, op it died or hung on, why, exit code)."""
        out = Path(tempfile.mkstemp(dir=self.scratch, suffix=".jsonl")[1])
        err = out.with_suffix(".err")
        with open(err, "w") as stderr:
            process = subprocess.Popen(self.worker_command(indices, out), stdout=subprocess.DEVNULL, stderr=stderr)
            hung = self.watch(process, out)
        results, current = read_lines(out)
        if hung:
            return results, current, f"timed out after {self.args.timeout:.0f} s", None
        code = process.returncode
        if code == 0 and current is None:
            return results, None, "", 0
        return results, current, describe_exit(code, tail(err)), code

    def watch(self, process: subprocess.Popen, out: Path) -> bool:
        """Wait for ``process``; kill it and return True when one op runs longer than --timeout."""
        last_size, last_change = -1, time.monotonic()
        while process.poll() is None:
            time.sleep(0.5)
            size = out.stat().st_size
            if size != last_size:
                last_size, last_change = size, time.monotonic()
            elif time.monotonic() - last_change > self.args.timeout + 60 * (size == 0):  # +60 s: worker start
                process.kill()
                process.wait()
                return True
        return False

    def run_chunk(self, chunk: list[int]) -> None:
        """Check ``chunk``, restarting a worker after each op that kills one."""
        pending = list(chunk)
        while pending:
            results, culprit, why, code = self.run_worker(pending)
            self.store(results)
            if culprit is None:
                if code not in (0, None) or why:
                    self.note(f"worker for {self.describe(pending)} exited abnormally after finishing: {why}")
                missing = [i for i in pending if i not in results]
                for index in missing:  # the worker never got to them (died before starting)
                    self.store({index: crash_record(index, self.names[index], f"worker died before this op: {why}")})
                return
            pending = [i for i in pending if i not in results and i != culprit]
            self.pin(culprit, why, alone=len(results) == 0 and not pending)

    def pin(self, index: int, why: str, alone: bool) -> None:
        """Record op ``index``, which killed its worker: re-run it alone unless it already was."""
        if alone or why.startswith("timed out"):
            self.store({index: crash_record(index, self.names[index], why)})
            return
        results, culprit, again, _ = self.run_worker([index])
        if culprit is not None:
            self.store({index: crash_record(index, self.names[index], again)})
        else:
            record = results[index]
            record["note"] = f"its worker died ({why}) after running other ops; re-run alone it did not"
            self.store({index: record})
            self.note(f"{self.names[index]}: worker died ({why}) after other ops; alone it did not")

    def store(self, results: dict[int, dict]) -> None:
        with self.lock:
            for index, record in results.items():
                self.results[index] = record
                status = overall_status(record)
                if status in ("crash", "error", "fail") or self.args.verbose:
                    print(f"[{len(self.results)}/{len(self.names)}] {record['op']}: {status}", flush=True)

    def note(self, text: str) -> None:
        with self.lock:
            self.events.append(text)

    def describe(self, indices: list[int]) -> str:
        return f"{self.names[indices[0]]}..{self.names[indices[-1]]}"

    def run(self, indices: list[int]) -> None:
        chunks: queue.Queue[list[int]] = queue.Queue()
        size = self.args.chunk_size
        for start in range(0, len(indices), size):
            chunks.put(indices[start : start + size])

        def drain() -> None:
            while True:
                try:
                    chunk = chunks.get_nowait()
                except queue.Empty:
                    return
                self.run_chunk(chunk)

        threads = [threading.Thread(target=drain) for _ in range(max(1, self.args.jobs))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def read_lines(path: Path) -> tuple[dict[int, dict], int | None]:
    """Results in a worker's output, and the op it started but did not finish (None if none)."""
    results: dict[int, dict] = {}
    started = None
    for line in path.read_text().splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut short by the crash
        if record["event"] == "start":
            started = record["index"]
        else:
            results[record["index"]] = record
            started = None
    return results, started


def describe_exit(code: int | None, stderr_tail: str) -> str:
    if code is not None and code < 0:
        import signal

        what = f"killed by {signal.Signals(-code).name}"
    else:
        what = f"exit code {code}"
    return f"{what}: {stderr_tail}" if stderr_tail else what


def tail(path: Path, lines: int = 3) -> str:
    text = [line for line in path.read_text(errors="replace").splitlines() if line.strip()]
    return " | ".join(text[-lines:])[-400:]


def crash_record(index: int, name: str, why: str) -> dict[str, Any]:
    return {"event": "result", "index": index, "op": name, "seconds": None, "crash": why, "dtypes": []}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", help="comma list of op names or name.variant keys (default: all of op_db)")
    parser.add_argument("--dtypes", default=DEFAULT_DTYPES, help=f"dtypes to check, where supported ({DEFAULT_DTYPES})")
    parser.add_argument("--grad-dtypes", default="float32", help="dtypes whose gradients are checked too")
    parser.add_argument("--max-samples", type=int, default=None, help="samples per op and dtype (default: all)")
    parser.add_argument("--jobs", type=int, default=2, help="workers running at once")
    parser.add_argument("--chunk-size", type=int, default=40, help="ops per worker")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds one op may take before it counts as hung")
    parser.add_argument("--report-dir", type=Path, default=HERE, help="where report.md and report.json go")
    parser.add_argument("--verbose", action="store_true", help="print every op's status, not only failures")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--indices", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        worker_main(args)
        return 0
    start = time.perf_counter()
    ops = list_ops(args.ops)
    if not ops:
        print("no op matches --ops", file=sys.stderr)
        return 2
    scheduler = Scheduler(args, dict(ops))
    print(
        f"checking {len(ops)} OpInfos at {args.dtypes} with {args.jobs} worker(s) of {args.chunk_size} ops", flush=True
    )
    scheduler.run([index for index, _ in ops])
    seconds = time.perf_counter() - start
    records = [scheduler.results[index] for index, _ in ops]
    summary = reporting.write(records, scheduler.events, args, seconds, args.report_dir)
    print(summary)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    sys.exit(main())
