"""Run PyTorch's OpInfo database on the NPU against the CPU; write the reports.

    python conformance/run.py                       # every op of op_db, both checks; reports in conformance/
    python conformance/run.py --ops add,sin,nn.functional.conv2d --jobs 1
    python conformance/run.py --dtypes float32 --max-samples 8   # quicker
    python conformance/run.py --only errors --jobs 1              # only the error inputs

Two checks, each with its own reports:

* samples (report.md, report.json): every op's sample inputs on the NPU against the CPU;
* errors (errors_report.md, errors_report.json): every error input of the ops that have
  them, on the CPU and on the NPU, must raise the error the OpInfo names (what PyTorch's
  test_ops.py::test_errors asserts; see errorcheck.py).

Ops run in worker subprocesses, a chunk of ops per worker, so a crash or a hang
costs one op, not the run: each worker announces an op before checking it, so
when a worker dies (or an op exceeds --timeout) the op it was on is known. That
op is then re-run alone in a fresh worker: dying again records it as a crash;
passing alone records its result with a note (it crashed only after other ops).
The rest of the chunk continues in a new worker.

In the samples check, an op passes when every sample at every dtype checked
passes (see opcheck.py for what is compared). Pass rate = passed / (ops - skipped),
skipped meaning the op had no sample the CPU could run at any dtype checked.
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
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import reporting  # conformance/reporting.py, next to this file
from reporting import overall_status

DEFAULT_DTYPES = "float32,float64,int64,bool"
CHECKS = ("samples", "errors")
ERROR_DEVICES = ("cpu", "npu")


# ------------------------------------------------------------------ worker side


def worker_main(args: argparse.Namespace) -> None:
    """Check the op_db entries ``args.indices``, appending start/result JSON lines to ``args.out``.

    With ``--errors-on DEVICE`` the check is the ops' error inputs on DEVICE, else their samples.
    """
    import warnings

    warnings.filterwarnings("ignore")
    import torch

    torch.set_num_threads(1)
    import opcheck
    from torch.testing._internal.common_methods_invocations import op_db

    if args.errors_on:
        import errorcheck

        def check(op: Any) -> dict[str, Any]:
            return {"errors": asdict(errorcheck.check_error_inputs(op, args.errors_on))}

    else:
        dtypes = [getattr(torch, name) for name in args.dtypes.split(",")]
        grad_dtypes = {getattr(torch, name) for name in args.grad_dtypes.split(",") if name}

        def check(op: Any) -> dict[str, Any]:
            return {"dtypes": [asdict(r) for r in opcheck.check_op(op, dtypes, grad_dtypes, args.max_samples)]}

    with open(args.out, "a", buffering=1) as out:
        for index in map(int, args.indices.split(",")):
            op = op_db[index]
            out.write(json.dumps({"event": "start", "index": index}) + "\n")
            start = time.perf_counter()
            fields = check(op)
            record = {
                "event": "result",
                "index": index,
                "op": opcheck.op_key(op),
                "seconds": round(time.perf_counter() - start, 3),
                **fields,
            }
            out.write(json.dumps(record) + "\n")


# ------------------------------------------------------------------ parent side


def list_ops(selection: str | None, with_error_inputs: bool = False) -> list[tuple[int, str]]:
    """(op_db index, op key) of the ops to check; ``selection`` is a comma list of keys or names.

    ``with_error_inputs`` keeps only the ops whose OpInfo has error inputs.
    """
    import warnings

    warnings.filterwarnings("ignore")
    import opcheck
    from torch.testing._internal.common_methods_invocations import op_db

    ops = [(i, opcheck.op_key(op)) for i, op in enumerate(op_db)]
    if selection:
        wanted = set(selection.split(","))
        ops = [(i, key) for i, key in ops if key in wanted or op_db[i].name in wanted]
    if with_error_inputs:
        ops = [(i, key) for i, key in ops if op_db[i].error_inputs_func is not None]
    return ops


@dataclass(frozen=True)
class Check:
    """One kind of check the workers run on each op."""

    label: str  # for progress lines
    worker_flags: tuple[str, ...]  # what tells a worker to run this check
    status: Callable[[dict[str, Any]], str]  # a result record's status (crash, fail, pass, ...)
    crashed: dict[str, Any]  # the result fields of an op that killed its worker


def sample_check(args: argparse.Namespace) -> Check:
    """Each op's samples against the CPU (opcheck.py)."""
    flags = ("--dtypes", args.dtypes, "--grad-dtypes", args.grad_dtypes)
    flags += ("--max-samples", str(args.max_samples)) if args.max_samples else ()
    return Check("samples", flags, overall_status, {"dtypes": []})


def error_check(device: str) -> Check:
    """Each op's error inputs on ``device`` (errorcheck.py)."""
    return Check(f"error inputs on {device}", ("--errors-on", device), reporting.error_status, {"errors": None})


class Scheduler:
    """Runs chunks of ops in worker subprocesses, pinning crashes and hangs to single ops."""

    def __init__(self, args: argparse.Namespace, names: dict[int, str], check: Check) -> None:
        self.args = args
        self.names = names
        self.check = check
        self.results: dict[int, dict[str, Any]] = {}
        self.events: list[str] = []  # crashes at exit and other oddities, for the report
        self.lock = threading.Lock()
        self.scratch = Path(tempfile.mkdtemp(prefix="npu-conformance-"))

    def worker_command(self, indices: list[int], out: Path) -> list[str]:
        return [
            sys.executable, str(Path(__file__).resolve()), "--worker",
            "--indices", ",".join(map(str, indices)), "--out", str(out), *self.check.worker_flags,
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
                    self.store({index: self.crash_record(index, f"worker died before this op: {why}")})
                return
            pending = [i for i in pending if i not in results and i != culprit]
            self.pin(culprit, why, alone=len(results) == 0 and not pending)

    def pin(self, index: int, why: str, alone: bool) -> None:
        """Record op ``index``, which killed its worker: re-run it alone unless it already was."""
        if alone or why.startswith("timed out"):
            self.store({index: self.crash_record(index, why)})
            return
        results, culprit, again, _ = self.run_worker([index])
        if culprit is not None:
            self.store({index: self.crash_record(index, again)})
        else:
            record = results[index]
            record["note"] = f"its worker died ({why}) after running other ops; re-run alone it did not"
            self.store({index: record})
            self.note(f"{self.names[index]}: worker died ({why}) after other ops; alone it did not")

    def store(self, results: dict[int, dict]) -> None:
        with self.lock:
            for index, record in results.items():
                self.results[index] = record
                status = self.check.status(record)
                if status in ("crash", "error", "fail") or self.args.verbose:
                    progress = f"{self.check.label} {len(self.results)}/{len(self.names)}"
                    print(f"[{progress}] {record['op']}: {status}", flush=True)

    def crash_record(self, index: int, why: str) -> dict[str, Any]:
        """The result record of op ``index``, which killed or hung its worker."""
        return {"event": "result", "index": index, "op": self.names[index], "seconds": None, "crash": why} | dict(
            self.check.crashed
        )

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


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", help="comma list of op names or name.variant keys (default: all of op_db)")
    parser.add_argument(
        "--only",
        choices=CHECKS,
        help="run one check: 'samples' (report.md/.json) or 'errors' (errors_report.md/.json); default: both",
    )
    parser.add_argument("--dtypes", default=DEFAULT_DTYPES, help=f"dtypes to check, where supported ({DEFAULT_DTYPES})")
    parser.add_argument("--grad-dtypes", default="float32", help="dtypes whose gradients are checked too")
    parser.add_argument("--max-samples", type=int, default=None, help="samples per op and dtype (default: all)")
    parser.add_argument("--jobs", type=int, default=2, help="workers running at once")
    parser.add_argument("--chunk-size", type=int, default=40, help="ops per worker")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds one op may take before it counts as hung")
    parser.add_argument("--report-dir", type=Path, default=HERE, help="where the reports go")
    parser.add_argument("--verbose", action="store_true", help="print every op's status, not only failures")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--indices", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--errors-on", help=argparse.SUPPRESS)  # a worker checking error inputs on this device
    return parser.parse_args(argv)


def run_samples(args: argparse.Namespace) -> str | None:
    """Check every selected op's samples; write report.md and report.json; their summary (None: no op)."""
    start = time.perf_counter()
    ops = list_ops(args.ops)
    if not ops:
        return None
    scheduler = Scheduler(args, dict(ops), sample_check(args))
    print(
        f"checking {len(ops)} OpInfos at {args.dtypes} with {args.jobs} worker(s) of {args.chunk_size} ops", flush=True
    )
    scheduler.run([index for index, _ in ops])
    records = [scheduler.results[index] for index, _ in ops]
    return reporting.write(records, scheduler.events, args, time.perf_counter() - start, args.report_dir)


def run_error_inputs(args: argparse.Namespace) -> str | None:
    """Check every selected op's error inputs on each of ERROR_DEVICES; write errors_report.md and .json.

    Each device is a pass of its own, so an op crashing the NPU still has its CPU result.
    """
    start = time.perf_counter()
    ops = list_ops(args.ops, with_error_inputs=True)
    if not ops:
        return None
    print(f"checking the error inputs of {len(ops)} OpInfos on {', '.join(ERROR_DEVICES)}", flush=True)
    by_device: dict[str, list[dict[str, Any]]] = {}
    events: list[str] = []
    for device in ERROR_DEVICES:
        scheduler = Scheduler(args, dict(ops), error_check(device))
        scheduler.run([index for index, _ in ops])
        by_device[device] = [scheduler.results[index] for index, _ in ops]
        events += [f"{device}: {event}" for event in scheduler.events]
    seconds = time.perf_counter() - start
    return reporting.write_errors(by_device, events, args, seconds, args.report_dir)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        worker_main(args)
        return 0
    runs = {"samples": run_samples, "errors": run_error_inputs}
    summaries = [runs[check](args) for check in ([args.only] if args.only else CHECKS)]
    if not any(summaries):
        print("no op matches --ops (for --only errors: no matching op has error inputs)", file=sys.stderr)
        return 2
    for summary in filter(None, summaries):
        print(summary)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    sys.exit(main())
