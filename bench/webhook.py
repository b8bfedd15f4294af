"""Webhook benchmark: the conversations of ``bench/conversations.py``, by polling and by
webhook, side by side in one run.

Run from the repository root with ``.venv/bin/python bench/webhook.py`` (a few minutes).
It rewrites only its own section of ``docs/performance.md``, between
``<!-- bench:webhook -->`` and ``<!-- /bench:webhook -->``; ``--quick`` runs a smoke
test and leaves the file alone.

Each mode gets the same loads, alternating so that a disturbance of the machine hits
both: a closed loop of 100 patients at once (updates/s), then an open loop at 100
updates/s offered (p95 of the time from an action to the bot's answer). Set-up,
patients and measurement are those of ``bench/conversations.py``; in webhook mode the
bot runs with ``TELEGRAM_WEBHOOK_URL`` on a free port and the Bot API stand-in POSTs each
update to it (with the secret the bot registered), instead of answering getUpdates.
"""

from __future__ import annotations

import asyncio
import time

from conversations import (
    BUDGET_SECONDS,
    OPEN_PATIENTS,
    OPEN_RATE,
    Run,
    details,
    measure,
    notes,
    per_step,
)
from harness import Start, arguments, busy_warning, machine_table, print_blocks, write_section

CLOSED = 100


def plan(*, quick: bool) -> list[Run]:
    closed, paced = (10, 20) if quick else (CLOSED, OPEN_PATIENTS)
    runs = []
    for webhook in (False, True):
        mode = "webhook" if webhook else "polling"
        runs.append(Run(f"{mode}, {closed} at once", closed, open_loop=False, webhook=webhook))
    for webhook in (False, True):
        mode = "webhook" if webhook else "polling"
        runs.append(
            Run(f"{mode}, {OPEN_RATE:.0f}/s offered", paced, open_loop=True, webhook=webhook)
        )
    return runs


async def run_all(*, quick: bool) -> list[Run]:
    runs = plan(quick=quick)
    async with asyncio.timeout(BUDGET_SECONDS):
        for run in runs:
            print(f"{run.name}: running ...", flush=True)
            await measure(run, None, native=False)
            print(
                f"  {run.tally.actions} actions in {run.wall:.1f} s, {run.rate:.0f}/s, "
                f"p95 {run.percentile(95):.0f} ms, {run.booked}/{run.patients} booked, "
                f"bot exit {run.exit_code}",
                flush=True,
            )
    return runs


def comparison(runs: list[Run]) -> list[str]:
    lines = [
        (
            "| load | polling: updates/s | webhook: updates/s | polling: p50 / p95 "
            "| webhook: p50 / p95 | polling: CPU per update | webhook: CPU per update |"
        ),
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for polling, webhook in zip(runs[::2], runs[1::2], strict=True):
        load = polling.name.split(", ", 1)[1]
        lines.append(
            f"| {load} | {polling.rate:,.0f} | {webhook.rate:,.0f} "
            f"| {polling.percentile(50):.0f} / {polling.percentile(95):.0f} ms "
            f"| {webhook.percentile(50):.0f} / {webhook.percentile(95):.0f} ms "
            f"| {polling.cpu_per_update_ms:.2f} ms | {webhook.cpu_per_update_ms:.2f} ms |"
        )
    return lines


def section(runs: list[Run], start: Start, duration: float) -> list[str]:
    warning = busy_warning(start.load)
    return [
        "## Webhook and polling",
        "",
        (
            "Measured by `bench/webhook.py`: reproduce with `.venv/bin/python bench/webhook.py` "
            f"from the repository root (it took {duration / 60:.1f} min here)."
        ),
        "",
        *machine_table(start.machine()),
        "",
        *comparison(runs),
        "",
        *details(runs),
        "",
        (
            "The patients and the measurement are those of *Conversations* above: each patient "
            "registers and books in Spanish, every action waits for the bot's answer, and the "
            "latency is from the action to that answer; *at once* is a closed loop, *offered* "
            f"an open loop ({OPEN_PATIENTS} patients, staggered). In *polling* runs the bot "
            "long-polls the stand-in (getUpdates); in *webhook* runs it is started with "
            "`TELEGRAM_WEBHOOK_URL` on a free port, registers its webhook, and the stand-in "
            "POSTs every update to it with the secret. The stand-in delivers one update at a "
            "time, the next after the bot's 200 (Telegram may use up to `max_connections` "
            "connections at once), so the webhook figures are those of the slower delivery; "
            "the bot answers 200 as soon as the update is on its queue, so a delivery costs "
            "one local round trip."
        ),
        "",
        "Latency per step:",
        "",
        *per_step(runs),
        "",
        *notes(runs),
        *(["", warning] if warning else []),
    ]


def main() -> None:
    parser = arguments(__doc__, "not supported here: run bench/conversations.py --profile")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke test with a few patients; leaves docs/performance.md alone",
    )
    args = parser.parse_args()
    start = Start.now(args)
    started = time.perf_counter()
    runs = asyncio.run(run_all(quick=args.quick))
    duration = time.perf_counter() - started
    print_blocks(comparison(runs), details(runs), per_step(runs), notes(runs))
    print(f"\nthe benchmark took {duration:.0f} s")
    if not args.quick and not args.profile:
        write_section("webhook", section(runs, start, duration))


if __name__ == "__main__":
    main()
