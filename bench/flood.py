"""Flood benchmark: one chat sending 300 commands at once must not slow the others.

Run from the repository root with ``.venv/bin/python bench/flood.py`` (about a minute
on two cores). It rewrites only its own section of ``docs/performance.md``, between
``<!-- bench:flood -->`` and ``<!-- /bench:flood -->``.

Two runs of ``bench/conversations.py``'s closed loop, side by side, each on a fresh
database with the real bot in its own process: 100 patients registering and booking
at once, then the same with one more chat that sends ``/my`` 300 times as the run
starts. The target (issue 13): the patients' p95 latency with the flood stays within
2x of the run without it. The bot keeps at most ``MAX_BACKLOG`` updates of one chat
(``bot/telegram/updates.py``) and asks that chat once to wait.
"""

from __future__ import annotations

import asyncio
import time

from conversations import Run, measure
from harness import (
    Start,
    arguments,
    busy_warning,
    machine_table,
    print_blocks,
    verdict,
    write_section,
)

PATIENTS = 100
FLOOD = 300
TARGET_RATIO = 2.0


async def run_both() -> list[Run]:
    runs = [
        Run(f"{PATIENTS} patients at once", PATIENTS, open_loop=False),
        Run(f"{PATIENTS} patients, one chat sending {FLOOD} at once", PATIENTS, False, flood=FLOOD),
    ]
    for run in runs:
        print(f"{run.name}: running ...", flush=True)
        await measure(run, None, native=False)
        print(f"  p95 {run.percentile(95):.0f} ms, bot exit {run.exit_code}", flush=True)
    return runs


def report(runs: list[Run]) -> list[str]:
    quiet, flooded = runs
    ratio = flooded.percentile(95) / quiet.percentile(95) if quiet.percentile(95) else 0.0
    lines = [
        "| run | patients' actions | p50 | p95 | p99 | booked | bot exit, stop |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    lines += [
        f"| {r.name} | {r.tally.actions} | {r.percentile(50):.0f} ms | {r.percentile(95):.0f} ms "
        f"| {r.percentile(99):.0f} ms | {r.booked}/{r.patients} "
        f"| {r.exit_code}, {r.stop_seconds:.1f} s |"
        for r in runs
    ]
    lines += [
        "",
        "| target | measured | required | verdict |",
        "|---|---:|---:|:---:|",
        (
            f"| patients' p95 with the flood ÷ without | {ratio:.2f} | ≤ {TARGET_RATIO:g} "
            f"| {verdict(ratio <= TARGET_RATIO)} |"
        ),
        (
            f"| SIGTERM with the flood: exit 0 within 10 s | {flooded.exit_code}, "
            f"{flooded.stop_seconds:.1f} s | 0, ≤ 10 s "
            f"| {verdict(flooded.exit_code == 0 and flooded.stop_seconds <= 10)} |"
        ),
    ]
    return lines


def main() -> None:
    args = arguments(__doc__, "unused").parse_args()
    start = Start.now(args)
    started = time.perf_counter()
    runs = asyncio.run(run_both())
    duration = time.perf_counter() - started
    info = start.machine()
    body = report(runs)
    print_blocks(body)
    section = [
        "## Flood",
        "",
        (
            "Measured by `bench/flood.py`: reproduce with `.venv/bin/python bench/flood.py` "
            f"from the repository root (it took {duration / 60:.1f} min here)."
        ),
        "",
        *machine_table(info),
        "",
        *([warning, ""] if (warning := busy_warning(start.load)) else []),
        *body,
    ]
    write_section("flood", section)


if __name__ == "__main__":
    main()
