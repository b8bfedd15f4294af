"""Dispatch benchmark: the real bot process draining the notifications outbox through
the Bot API stand-in, on SQLite and on PostgreSQL, with and without flood limits.

Run from the repository root with ``.venv/bin/python bench/dispatch.py`` (about four
minutes on two cores). PostgreSQL runs on a fresh database created on the local server
(or at ``MEDBOT_BENCH_POSTGRES_URL``) and dropped afterwards; without a server only
SQLite is measured. The results are printed and written into ``docs/performance.md``
between ``<!-- bench:dispatch -->`` and ``<!-- /bench:dispatch -->`` (the section is
appended when the markers are missing; the rest of the file is left as it is).

Each run starts the stand-in in this process, makes one chat per notification (each
person wrote to the bot before, ``chat.started``), starts ``python -m bot run`` and,
for a second process, ``python -m bot dispatch`` (``HTTP_PORT=0``, ``LOG_LEVEL=WARNING``,
``PTB_TIMEDELTA=true``, ``DISPATCH_INTERVAL=0.05``) and, once every process has started
and the first polls for updates, queues all the notifications as due in one
transaction. Every call the stand-in answers is counted through a journal listener
(the journal itself keeps only the last 10,000 calls).

1. Flood limits off (stand-in ``flood_limits=False``, ``TELEGRAM_MAX_RATE=0``): 10,000
   notifications to 10,000 chats, for several ``DISPATCH_BATCH`` values: on SQLite with
   one process (target: at least 1,000 messages/s) and on PostgreSQL with two processes
   sharing the table (target: at least 1,500 messages/s, with no message sent twice);
   one process on PostgreSQL for reference. The rate is counted from the first to the
   last successful ``sendMessage`` the stand-in answered; the time until every row is
   ``sent`` in the database is reported beside it. A new person sends ``/start`` every
   0.5 s meanwhile, to see how long live replies wait during a drain.
2. Flood limits on (stand-in ``flood_limits=True``, ``TELEGRAM_MAX_RATE=30``): 2,000
   notifications on SQLite, one process; the rate over the 60 s after the first message
   must be within 5 % of 30/s, with no 429 answer. Then the bot is stopped with SIGTERM.

3. The floor, in the same run: ``bench/bare_sender.py``, a process that sends the
   same message (the parameters of one the bot sent in the first flood-off run) to as
   many fresh chats through the bot's transport (``AiohttpRequest``) and the same
   stand-in, as many at a time as the outbox sender, and nothing else. The bot's CPU per
   message (user plus system time of its processes, from /proc, over the drain) is
   divided by the floor's, measured the same way (target: at most 1.5, for the best
   batch on SQLite with one process and on PostgreSQL with two). Absolute rates differ
   about twice between machines; the ratio does much less.

``--profile DIR`` samples the bot processes of the flood-off runs with py-spy and prints
where they spend their time (the figures are then inflated and the report is left alone).
All people are synthetic.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from harness import (
    BENCH_DATA_KEY,
    REPORT,
    ROOT,
    BotProcess,
    SpySession,
    Start,
    arguments,
    busy_cpu_seconds,
    busy_warning,
    fresh_database,
    machine_table,
    postgres_cpu,
    postgres_version,
    print_blocks,
    proc_cpu_seconds,
    verdict,
    write_section,
)
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.sandbox.standin import BotApiStandIn
from bot.sandbox.standin.journal import RequestRecord
from domain.notifications import Kind, Notification
from storage.crypto.keyring import KeyRing
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.outbox import OutboxStore
from storage.tables import notifications

ROWS = 10_000
INTERVAL = 0.05  # DISPATCH_INTERVAL, seconds
SQLITE_BATCHES = (250, 500, 1000)
POSTGRES_BATCHES = (250, 500, 1000)
REFERENCE_BATCH = 500  # one process on PostgreSQL, for comparison
#: The bot's CPU per message over the bare loop's, at most.
CPU_RATIO_TARGET = 1.5
BARE_SENDER = ROOT / "bench" / "bare_sender.py"

FLOOD_ROWS = 2_000
FLOOD_RATE = 30.0
FLOOD_WINDOW = 60.0
FLOOD_TOLERANCE = 0.05
FLOOD_BATCH = 100  # the default DISPATCH_BATCH
FLOOD_WARMUP = 5.0  # seconds left out of the steady rate

PROBE_EVERY = 0.5  # a live /start during flood-off runs
PROBE_GRACE = 5.0  # seconds a probe may still be answered after the drain
START_TIMEOUT = 60.0
DRAIN_TIMEOUT = 90.0
STOP_TIMEOUT = 30.0
POLL = 0.05
#: The whole run is planned to fit here; runs that would not fit are skipped.
BUDGET_SECONDS = 290.0
RUN_ESTIMATE = 25.0


# --------------------------------------------------------------------------- CPU and /proc


@dataclass
class CpuSnapshot:
    at: float
    bots: dict[int, float]
    bench: float
    postgres: dict[int, float]
    busy: float

    @classmethod
    def take(cls, pids: list[int], with_postgres: bool) -> CpuSnapshot:
        return cls(
            time.perf_counter(),
            {pid: proc_cpu_seconds(pid) for pid in pids},
            time.process_time(),
            postgres_cpu() if with_postgres else {},
            busy_cpu_seconds(),
        )


@dataclass
class CpuUse:
    """Shares of one core over a measured span: 1.0 is one core busy all along."""

    bots: float = 0.0
    bench: float = 0.0
    postgres: float = 0.0
    other: float = 0.0
    span: float = 0.0  # seconds

    @classmethod
    def between(cls, start: CpuSnapshot, end: CpuSnapshot) -> CpuUse:
        span = max(end.at - start.at, 1e-9)
        bots = sum(end.bots[pid] - start.bots.get(pid, 0.0) for pid in end.bots)
        bench = end.bench - start.bench
        pg = sum(cpu - start.postgres.get(pid, 0.0) for pid, cpu in end.postgres.items())
        other = max(0.0, end.busy - start.busy - bots - bench - pg)
        return cls(bots / span, bench / span, pg / span, other / span, span)


# --------------------------------------------------------------------------- the stand-in


@dataclass
class Tally:
    """What the stand-in answered, fed by a journal listener (the journal keeps 10,000)."""

    chats: frozenset[int] = frozenset()
    delivered: Counter[int] = field(default_factory=Counter)
    times: list[float] = field(default_factory=list)  # answers of delivered notifications
    calls: Counter[tuple[str, int]] = field(default_factory=Counter)
    probes_sent: dict[int, float] = field(default_factory=dict)
    probes_answered: dict[int, float] = field(default_factory=dict)
    polls_started: int = 0  # getUpdates requests received (answered or not)
    #: The parameters of a delivered notification but its chat: what the floor sends.
    sample: dict[str, Any] = field(default_factory=dict)

    def record(self, record: RequestRecord) -> None:
        self.calls[record.method, record.status] += 1
        if record.method != "sendMessage" or not record.ok:
            return
        chat = int(record.params["chat_id"])
        if chat in self.chats:
            self.delivered[chat] += 1
            self.times.append(record.at)
            if not self.sample:
                self.sample = {k: v for k, v in record.params.items() if k != "chat_id"}
        elif chat in self.probes_sent and chat not in self.probes_answered:
            self.probes_answered[chat] = record.at

    @property
    def sent(self) -> int:
        return sum(self.delivered.values())

    def count(self, method: str, status: int | None = None) -> int:
        return sum(n for (m, s), n in self.calls.items() if m == method and status in (None, s))

    def probe_latencies(self) -> list[float]:
        return [
            self.probes_answered[chat] - sent
            for chat, sent in self.probes_sent.items()
            if chat in self.probes_answered
        ]


def count_polls(api: BotApiStandIn, tally: Tally) -> None:
    """Count getUpdates when it arrives: a long poll reaches the journal only when answered."""

    @web.middleware
    async def counting(request: web.Request, handler: Any) -> web.StreamResponse:
        if request.match_info.get("method", "").lower() == "getupdates":
            tally.polls_started += 1
        response: web.StreamResponse = await handler(request)
        return response

    api.app.middlewares.append(counting)


# --------------------------------------------------------------------------- databases


async def sent_rows(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        query = select(func.count()).where(notifications.c.state == "sent")
        return int((await conn.execute(query)).scalar_one())


async def queue_notifications(engine: AsyncEngine, chats: list[int]) -> None:
    due = datetime.now(UTC) - timedelta(seconds=1)
    await OutboxStore(engine).queue(
        [
            Notification(
                chat_id=chat,
                kind=Kind.STATUS,
                template="notify.status.cancelled",
                due_at=due,
                dedupe_key=f"bench:{n}",
                params={"reference": f"R{n:05d}", "start": 1778000000, "country": "PE"},
                urgent=True,
            )
            for n, chat in enumerate(chats)
        ]
    )


# --------------------------------------------------------------------------- a run


@dataclass
class Run:
    backend: str  # "sqlite" or "postgresql"
    processes: int
    batch: int
    rows: int = ROWS
    flood: bool = False  # stand-in flood limits on and TELEGRAM_MAX_RATE=30
    tally: Tally = field(default_factory=Tally)
    queue_seconds: float = 0.0  # inserting the rows
    first_after: float = 0.0  # queued -> first message answered
    drain: float | None = None  # queued -> every row sent in the database
    states: dict[str, int] = field(default_factory=dict)
    cpu: CpuUse = field(default_factory=CpuUse)
    exit_codes: list[int | None] = field(default_factory=list)
    stop_seconds: list[float] = field(default_factory=list)
    conflicts_logged: int = 0
    log_errors: Counter[str] = field(default_factory=Counter)
    profiles: list[list[str]] = field(default_factory=list)
    failure: str | None = None

    @property
    def name(self) -> str:
        database = "SQLite" if self.backend == "sqlite" else "PostgreSQL"
        what = "flood 30/s" if self.flood else "no flood limits"
        plural = "es" if self.processes > 1 else ""
        return f"{database}, {self.processes} process{plural}, batch {self.batch}, {what}"

    @property
    def send_rate(self) -> float:
        """Successful sendMessage answers per second, from the first to the last."""
        times = self.tally.times
        if len(times) < 2:
            return 0.0
        return (len(times) - 1) / (max(times) - min(times))

    @property
    def db_rate(self) -> float:
        return self.rows / self.drain if self.drain else 0.0

    @property
    def bot_ms_per_message(self) -> float:
        """CPU of the bot processes per message delivered, in milliseconds."""
        sent = self.tally.sent
        return 1000 * self.cpu.bots * self.cpu.span / sent if sent else 0.0

    @property
    def duplicates(self) -> int:
        return sum(n - 1 for n in self.tally.delivered.values())

    @property
    def missing(self) -> int:
        return self.rows - len(self.tally.delivered)

    @property
    def clean(self) -> bool:
        """Every row delivered exactly once and sent in the database; bots stopped cleanly."""
        return (
            self.failure is None
            and self.duplicates == 0
            and self.missing == 0
            and self.states.get("sent", 0) == self.rows
            and all(code == 0 for code in self.exit_codes)
        )

    # The flood run: the 60 s after the first message answered.
    def in_window(self, skip: float = 0.0) -> int:
        if not self.tally.times:
            return 0
        first = min(self.tally.times)
        return sum(1 for t in self.tally.times if first + skip <= t < first + FLOOD_WINDOW)

    @property
    def window_rate(self) -> float:
        return self.in_window() / FLOOD_WINDOW

    @property
    def steady_rate(self) -> float:
        return self.in_window(FLOOD_WARMUP) / (FLOOD_WINDOW - FLOOD_WARMUP)

    @property
    def throttled(self) -> int:
        return sum(n for (_method, status), n in self.tally.calls.items() if status == 429)

    @property
    def flood_ok(self) -> bool:
        near = abs(self.window_rate - FLOOD_RATE) <= FLOOD_TOLERANCE * FLOOD_RATE
        return self.failure is None and near and self.throttled == 0


async def wait_until(
    condition: Callable[[], Awaitable[bool]], seconds: float, bots: list[BotProcess]
) -> bool:
    """Poll ``condition``; False on time-out; an error if a bot process died."""
    deadline = time.perf_counter() + seconds
    while not await condition():
        for bot in bots:
            if not bot.alive:
                raise RuntimeError(f"a bot process exited early:\n  {bot.tail()}")
        if time.perf_counter() > deadline:
            return False
        await asyncio.sleep(POLL)
    return True


async def probe(api: BotApiStandIn, tally: Tally, stop: asyncio.Event) -> None:
    """A new person sends /start every ``PROBE_EVERY`` seconds until ``stop``."""
    n = 0
    while not stop.is_set():
        person = api.person(f"Sonda{n}", language_code="es")
        tally.probes_sent[person.chat_id] = time.time()
        await person.send("/start")
        n += 1
        try:
            async with asyncio.timeout(PROBE_EVERY):
                await stop.wait()
        except TimeoutError:
            pass


async def measure(run: Run, profile_dir: Path | None) -> Run:
    with tempfile.TemporaryDirectory(prefix="medbot-dispatch-") as tmp:
        workdir = Path(tmp)
        async with fresh_database(run.backend, workdir) as url:
            await upgrade(url)
            engine = create_engine(url, keyring=KeyRing.parse(BENCH_DATA_KEY))
            api = BotApiStandIn(flood_limits=run.flood)
            remove_listener = api.journal.add_listener(run.tally.record)
            count_polls(api, run.tally)
            await api.start()
            try:
                people = [api.person(f"Paciente{n}", language_code="es") for n in range(run.rows)]
                for person in people:
                    person.chat.started = True  # each wrote to the bot some time ago
                run.tally.chats = frozenset(p.user_id for p in people)
                bots = [await start_bot(run, api, url, workdir, n) for n in range(run.processes)]
                try:
                    await drive(run, api, engine, bots, profile_dir)
                except RuntimeError as error:
                    run.failure = str(error)
                finally:
                    await asyncio.gather(*(bot.stop(STOP_TIMEOUT) for bot in bots))
                read_logs(run, bots)
                run.states = await OutboxStore(engine).counts()
            finally:
                remove_listener()
                await api.stop()
                await engine.dispose()
    return run


async def start_bot(run: Run, api: BotApiStandIn, url: str, workdir: Path, n: int) -> BotProcess:
    return await BotProcess.start(
        api,
        url,
        workdir,
        "run" if n == 0 else "dispatch",  # one process polls for updates, the rest deliver
        name=f"bot{n}",
        TELEGRAM_MAX_RATE=f"{FLOOD_RATE if run.flood else 0.0:g}",
        DISPATCH_INTERVAL=f"{INTERVAL:g}",
        DISPATCH_BATCH=str(run.batch),
    )


async def drive(
    run: Run,
    api: BotApiStandIn,
    engine: AsyncEngine,
    bots: list[BotProcess],
    profile_dir: Path | None,
) -> None:
    """Queue every notification once the bots poll, and wait for the drain (flood limits
    off) or for the flood window (on)."""
    if not await wait_until(
        lambda: _now(run.tally.polls_started >= 1 and run.tally.count("getMe") >= run.processes),
        START_TIMEOUT,
        bots,
    ):
        raise RuntimeError("the bot processes did not start polling")
    await asyncio.sleep(0.5)  # commands published, the first polls settle
    spies: list[SpySession] = []
    if profile_dir is not None and not run.flood:
        for n, bot in enumerate(bots):
            output = profile_dir / f"{run.backend}-{run.processes}p-{run.batch}-bot{n}.txt"
            spies.append(await SpySession.attach(bot.pid, output, rate=250))
    before = CpuSnapshot.take([b.pid for b in bots], run.backend == "postgresql")
    started = time.perf_counter()
    queued_at = time.time()
    await queue_notifications(engine, sorted(run.tally.chats))
    run.queue_seconds = time.perf_counter() - started
    if run.flood:
        await wait_until(lambda: _now(bool(run.tally.times)), START_TIMEOUT, bots)
        end = min(run.tally.times, default=time.time()) + FLOOD_WINDOW + 0.2
        await wait_until(lambda: _now(time.time() >= end), FLOOD_WINDOW + 5, bots)
    else:
        await drain_while_probing(run, api, engine, bots, started)
    run.cpu = CpuUse.between(
        before, CpuSnapshot.take([b.pid for b in bots], run.backend == "postgresql")
    )
    if run.tally.times:
        run.first_after = min(run.tally.times) - queued_at
    for spy in spies:
        run.profiles.append(await spy.stop())


async def drain_while_probing(
    run: Run, api: BotApiStandIn, engine: AsyncEngine, bots: list[BotProcess], started: float
) -> None:
    """Wait until every row is sent while a new person writes /start now and then."""
    stop_probing = asyncio.Event()
    prober = asyncio.create_task(probe(api, run.tally, stop_probing))
    try:
        drained = await wait_until(
            lambda: _equals(sent_rows(engine), run.rows), DRAIN_TIMEOUT, bots
        )
        run.drain = time.perf_counter() - started if drained else None
        if not drained:
            run.failure = f"not every row was sent within {DRAIN_TIMEOUT:.0f} s"
    finally:
        stop_probing.set()
        await prober
    await wait_until(
        lambda: _now(len(run.tally.probes_answered) == len(run.tally.probes_sent)),
        PROBE_GRACE,
        bots,
    )


def read_logs(run: Run, bots: list[BotProcess]) -> None:
    run.exit_codes = [bot.exit_code for bot in bots]
    run.stop_seconds = [bot.stop_seconds for bot in bots]
    for bot in bots:
        for line in bot.log_lines():
            if "Conflict" in line:
                run.conflicts_logged += 1
            elif '"level": "error"' in line or '"level": "critical"' in line:
                event = re.search(r'"event": "([^"]{1,80})', line)
                run.log_errors[event.group(1) if event else line[:80]] += 1


async def _now(value: bool) -> bool:
    return value


async def _equals(count: Awaitable[int], expected: int) -> bool:
    return await count == expected


# --------------------------------------------------------------------------- the floor


@dataclass
class Floor:
    """The bare loop (``bench/bare_sender.py``): the same messages, the same transport."""

    rows: int
    sent: int = 0  # successful sendMessage answers the stand-in gave
    cpu: CpuUse = field(default_factory=CpuUse)
    failure: str | None = None

    @property
    def ms_per_message(self) -> float:
        return 1000 * self.cpu.bots * self.cpu.span / self.sent if self.sent else 0.0

    @property
    def rate(self) -> float:
        return self.sent / self.cpu.span if self.cpu.span else 0.0


async def measure_floor(rows: int, params: dict[str, Any]) -> Floor:
    floor = Floor(rows)
    tally = Tally()
    with tempfile.TemporaryDirectory(prefix="medbot-bare-sender-") as tmp:
        api = BotApiStandIn(flood_limits=False)
        remove_listener = api.journal.add_listener(tally.record)
        await api.start()
        try:
            people = [api.person(f"Paciente{n}", language_code="es") for n in range(rows)]
            for person in people:
                person.chat.started = True
            tally.chats = frozenset(p.user_id for p in people)
            job = Path(tmp) / "job.json"
            job.write_text(json.dumps({"chats": sorted(tally.chats), "params": params}))
            try:
                floor.cpu = await run_bare_sender(api, job, Path(tmp))
            except (RuntimeError, TimeoutError) as error:
                floor.failure = str(error) or type(error).__name__
            floor.sent = tally.sent
        finally:
            remove_listener()
            await api.stop()
    return floor


async def run_bare_sender(api: BotApiStandIn, job: Path, workdir: Path) -> CpuUse:
    """Run the bare loop; its CPU (and this process's) from ``ready`` to ``sent``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(BotProcess.OWN_PREFIXES)}
    env |= {"TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_API_BASE_URL": api.base_url}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(BARE_SENDER),
        str(job),
        env=env,
        cwd=workdir,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    if process.stdin is None or process.stdout is None:
        raise RuntimeError("the bare sender has no pipes")
    try:
        async with asyncio.timeout(DRAIN_TIMEOUT):
            if await process.stdout.readline() != b"ready\n":
                raise RuntimeError("the bare sender did not start")
            before = CpuSnapshot.take([process.pid], with_postgres=False)
            process.stdin.write(b"go\n")
            await process.stdin.drain()
            if not (await process.stdout.readline()).startswith(b"sent "):
                raise RuntimeError("the bare sender failed")
            cpu = CpuUse.between(before, CpuSnapshot.take([process.pid], with_postgres=False))
            process.stdin.write(b"exit\n")
            await process.stdin.drain()
            await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    return cpu


# --------------------------------------------------------------------------- the plan


def plan(
    postgres: bool,
    rows: int,
    sqlite_batches: tuple[int, ...] = SQLITE_BATCHES,
    postgres_batches: tuple[int, ...] = POSTGRES_BATCHES,
) -> list[Run]:
    runs = [Run("sqlite", 1, FLOOD_BATCH, rows=FLOOD_ROWS, flood=True)]
    runs += [Run("sqlite", 1, batch, rows=rows) for batch in sqlite_batches]
    if postgres:
        runs += [Run("postgresql", 2, batch, rows=rows) for batch in postgres_batches]
        runs.append(Run("postgresql", 1, REFERENCE_BATCH, rows=rows))
    return runs


def batches(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",") if part)


async def run_all(runs: list[Run], profile_dir: Path | None) -> tuple[list[Run], Floor | None]:
    """Every run that fits, and the floor, measured after the first flood-off run with
    the message that run sent."""
    started = time.perf_counter()
    done: list[Run] = []
    floor: Floor | None = None
    for run in runs:
        estimate = FLOOD_WINDOW + RUN_ESTIMATE if run.flood else RUN_ESTIMATE
        if time.perf_counter() - started + estimate > BUDGET_SECONDS:
            print(f"{run.name}: skipped, it would not fit in {BUDGET_SECONDS:.0f} s")
            continue
        print(f"{run.name}: running ...", flush=True)
        await measure(run, profile_dir)
        done.append(run)
        print(f"  {summary(run)}", flush=True)
        if floor is None and not run.flood and run.tally.sample:
            print(f"bare loop, {run.rows:,} messages: running ...", flush=True)
            floor = await measure_floor(run.rows, run.tally.sample)
            print(f"  {floor.ms_per_message:.3f} ms CPU per message", flush=True)
    return done, floor


def summary(run: Run) -> str:
    if run.failure:
        return f"FAILED: {run.failure}"
    if run.flood:
        return (
            f"{run.window_rate:.2f}/s over {FLOOD_WINDOW:.0f} s, {run.throttled} answers 429, "
            f"stopped in {max(run.stop_seconds, default=0):.1f} s"
        )
    drain = f"{run.drain:.2f} s" if run.drain else "-"
    return (
        f"{run.send_rate:,.0f} msg/s first to last send, all sent in DB after {drain} "
        f"({run.db_rate:,.0f}/s), duplicates {run.duplicates}, missing {run.missing}"
    )


# --------------------------------------------------------------------------- report


def best(runs: list[Run], backend: str, processes: int) -> Run | None:
    """The clean flood-off run with the least bot CPU per message."""
    found = [r for r in runs if r.backend == backend and r.processes == processes and not r.flood]
    return min(found, key=lambda r: (not r.clean, r.bot_ms_per_message), default=None)


def cpu_ratio(run: Run, floor: Floor | None) -> float | None:
    if floor is None or floor.failure or not floor.ms_per_message:
        return None
    return run.bot_ms_per_message / floor.ms_per_message


def targets(runs: list[Run], floor: Floor | None) -> list[str]:
    lines = ["| target | measured | required | verdict |", "|---|---:|---:|:---:|"]
    for backend, processes in (("sqlite", 1), ("postgresql", 2)):
        top = best(runs, backend, processes)
        if top is None:
            lines.append(f"| {backend}, {processes} processes | not run | | MISS |")
            continue
        ratio = cpu_ratio(top, floor)
        measured = (
            f"{ratio:.2f} ({top.bot_ms_per_message:.3f} / {floor.ms_per_message:.3f} ms)"
            if ratio is not None and floor is not None
            else "no floor"
        )
        ok = ratio is not None and top.clean and ratio <= CPU_RATIO_TARGET
        lines.append(
            f"| bot CPU per message ÷ bare loop's, {top.name} (best batch) | {measured} "
            f"| ≤ {CPU_RATIO_TARGET:g} | {verdict(ok)} |"
        )
    pg_two = [r for r in runs if r.backend == "postgresql" and r.processes == 2]
    if pg_two:
        duplicates = sum(r.duplicates for r in pg_two)
        missing = sum(r.missing for r in pg_two)
        lines.append(
            f"| duplicates / missing, PostgreSQL 2 processes, all {len(pg_two)} runs "
            f"| {duplicates} / {missing} | 0 / 0 | {verdict(duplicates == 0 and missing == 0)} |"
        )
    for run in (r for r in runs if r.flood):
        low, high = FLOOD_RATE * (1 - FLOOD_TOLERANCE), FLOOD_RATE * (1 + FLOOD_TOLERANCE)
        near = run.failure is None and low <= run.window_rate <= high
        lines.append(
            f"| messages/s over {FLOOD_WINDOW:.0f} s, flood limits on, "
            f"`TELEGRAM_MAX_RATE={FLOOD_RATE:.0f}` | {run.window_rate:.2f} "
            f"| {low:.1f}-{high:.1f} | {verdict(near)} |"
        )
        lines.append(
            f"| 429 answers, flood limits on | {run.throttled} | 0 "
            f"| {verdict(run.failure is None and run.throttled == 0)} |"
        )
    return lines


def pct(share: float) -> str:
    return f"{100 * share:.0f}%"


def details(runs: list[Run], floor: Floor | None) -> list[str]:
    lines = [
        (
            "| run | msg/s first to last send | queued to all sent in DB | msg/s to DB "
            "| first send after | duplicates | missing | bot CPU | bot CPU per message "
            "| ÷ bare loop's | bench CPU | PostgreSQL CPU "
            "| other CPU | getUpdates 409 | live /start p50 / max (unanswered) | stop |"
        ),
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    if floor is not None:
        lines.append(
            f"| bare loop (`bench/bare_sender.py`), {floor.rows:,} messages | {floor.rate:,.0f} "
            f"| - | - | - | - | {floor.rows - floor.sent} | {pct(floor.cpu.bots)} "
            f"| {floor.ms_per_message:.3f} ms | 1.00 | {pct(floor.cpu.bench)} | - "
            f"| {pct(floor.cpu.other)} | - | - | {floor.failure or '-'} |"
        )
    for r in (r for r in runs if not r.flood):
        ratio = cpu_ratio(r, floor)
        latencies = r.tally.probe_latencies()
        unanswered = len(r.tally.probes_sent) - len(latencies)
        live = (
            f"{1000 * statistics.median(latencies):.0f} / {1000 * max(latencies):.0f} ms "
            f"({unanswered})"
            if latencies
            else f"- ({unanswered})"
        )
        drain = f"{r.drain:.2f} s" if r.drain else (r.failure or "-")
        lines.append(
            f"| {r.name} | {r.send_rate:,.0f} | {drain} | {r.db_rate:,.0f} "
            f"| {r.first_after:.2f} s | {r.duplicates} | {r.missing} "
            f"| {pct(r.cpu.bots)} | {r.bot_ms_per_message:.3f} ms "
            f"| {'-' if ratio is None else f'{ratio:.2f}'} "
            f"| {pct(r.cpu.bench)} | {pct(r.cpu.postgres)} "
            f"| {pct(r.cpu.other)} | {r.tally.count('getUpdates', 409)} | {live} "
            f"| {stops(r)} |"
        )
    return lines


def stops(run: Run) -> str:
    return ", ".join(
        f"{'exit ' + str(code) if code is not None else 'killed'} in {seconds:.1f} s"
        for code, seconds in zip(run.exit_codes, run.stop_seconds, strict=True)
    )


def flood_lines(runs: list[Run]) -> list[str]:
    return [
        (
            f"- **{r.name}**: {r.in_window()} messages in the {FLOOD_WINDOW:.0f} s after the "
            f"first ({r.window_rate:.2f}/s; {r.steady_rate:.2f}/s leaving out the first "
            f"{FLOOD_WARMUP:.0f} s), {r.throttled} answers 429, {r.tally.sent:,} of "
            f"{r.rows:,} rows sent when the bot was stopped; SIGTERM to exit: {stops(r)}; "
            f"bot CPU {pct(r.cpu.bots)}, other CPU {pct(r.cpu.other)}."
            + (f" Failure: {r.failure}." if r.failure else "")
        )
        for r in runs
        if r.flood
    ]


def notes(runs: list[Run]) -> list[str]:
    lines = []
    for r in runs:
        calls = ", ".join(
            f"{method} {status}: {n:,}" for (method, status), n in sorted(r.tally.calls.items())
        )
        errors = ", ".join(f"{event}: {n}" for event, n in r.log_errors.most_common(4))
        lines.append(
            f"- {r.name}: Bot API answers {calls}; 'Conflict' lines in the bot logs: "
            f"{r.conflicts_logged}" + (f"; other errors logged: {errors}" if errors else "") + "."
        )
    return lines


def section(
    runs: list[Run], floor: Floor | None, info: list[tuple[str, str]], load: float, took: float
) -> list[str]:
    warning = busy_warning(load)
    return [
        "## Dispatch",
        "",
        (
            "Measured by `bench/dispatch.py`: reproduce with `.venv/bin/python bench/dispatch.py` "
            "from the repository root (it took "
            f"{took / 60:.1f} min here; PostgreSQL at 127.0.0.1:5432, user postgres, or "
            "`MEDBOT_BENCH_POSTGRES_URL`)."
        ),
        "",
        *machine_table(info),
        *(["", warning] if warning else []),
        "",
        *targets(runs, floor),
        "",
        *details(runs, floor),
        "",
        *flood_lines(runs),
        "",
        (
            f"Each run: a fresh database (migrated), the Bot API stand-in in the benchmark's "
            f"process, one chat per notification, `python -m bot run` and, as the second "
            "process, `python -m bot dispatch` (which only delivers; "
            f"`DISPATCH_INTERVAL={INTERVAL:g}`, `DISPATCH_BATCH` as named, "
            "`LOG_LEVEL=WARNING`, `HTTP_PORT=0`). Once every process has started, the "
            f"notifications (cancellation notices in Spanish) are queued as due in one "
            "transaction. *msg/s first to last send* counts the successful `sendMessage` "
            "answers of the stand-in over the time between the first and the last; *queued to "
            "all sent in DB* is from the start of the insert to the moment every row is "
            f"`sent` (polled every {POLL * 1000:.0f} ms). Duplicates and missing are counted "
            "per chat from every answer (a journal listener). *Bot CPU* (all bot processes), "
            "*bench CPU* (this process: the stand-in and the polling) and *PostgreSQL CPU* are "
            "shares of one core over the drain; *other CPU* is everything else on the machine. "
            f"*Live /start*: a new person sends /start every {PROBE_EVERY:g} s during the drain; "
            "the latency is to the bot's answer. With flood limits on, the stand-in applies "
            "Telegram's limits (30/s overall, 1/s per chat with bursts of 3) and the bot runs "
            f"with `TELEGRAM_MAX_RATE={FLOOD_RATE:.0f}` and the default batch, on SQLite. "
            "*Bot CPU per message* is the user plus system time (from /proc) of the bot "
            "processes over the drain, divided by the messages delivered. The floor, *bare "
            "loop*, is measured the same way in the same run: `bench/bare_sender.py`, a "
            "process of its own that sends the message the first flood-off run sent (its "
            "`sendMessage` parameters, to as many fresh chats) through the bot's transport "
            "(`bot/telegram/transport.py`, `AiohttpRequest`) to the same stand-in, as many at "
            "a time as the outbox sender, with no database, rate limiter or `Bot` object; its "
            "msg/s is over its own sending time. *÷ bare loop's* is the ratio of CPU per "
            "message, the figure that carries between machines; the target (at most "
            f"{CPU_RATIO_TARGET:g}) is judged on the batch with the least CPU per message, "
            "on SQLite with one process and on PostgreSQL with two."
        ),
        "",
        *notes(runs),
    ]


def main() -> None:
    parser = arguments(
        __doc__, "sample the bot processes with py-spy into DIR, print where time goes"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke test: 1,000 rows, one batch size; leaves docs/performance.md alone",
    )
    parser.add_argument("--no-flood", action="store_true", help="skip the flood-limit run")
    parser.add_argument(
        "--flood-only",
        action="store_true",
        help="only the flood-limit run; leaves docs/performance.md alone",
    )
    parser.add_argument(
        "--only",
        choices=("sqlite", "postgresql"),
        help="flood-off runs on one database only; leaves docs/performance.md alone",
    )
    parser.add_argument(
        "--batches",
        type=batches,
        metavar="N,N",
        help="DISPATCH_BATCH values to try instead of the defaults; leaves the report alone",
    )
    args = parser.parse_args()
    start = Start.now(args)
    pg = asyncio.run(postgres_version())
    chosen = args.batches or (SQLITE_BATCHES[-1:] if args.quick else None)
    runs = plan(
        pg is not None,
        1_000 if args.quick else ROWS,
        chosen or SQLITE_BATCHES,
        chosen or POSTGRES_BATCHES,
    )
    if args.no_flood:
        runs = [r for r in runs if not r.flood]
    if args.only:
        runs = [r for r in runs if r.flood or r.backend == args.only]
    if args.flood_only:
        runs = [r for r in runs if r.flood]
    started = time.perf_counter()
    runs, floor = asyncio.run(run_all(runs, args.profile))
    took = time.perf_counter() - started
    print_blocks(targets(runs, floor), details(runs, floor), flood_lines(runs), notes(runs))
    print(f"\nthe benchmark took {took:.0f} s")
    if args.profile:
        for run in runs:
            for n, profile in enumerate(run.profiles):
                print(f"\n--- py-spy, {run.name}, bot {n} ---")
                print("\n".join(profile))
        print(f"\nprofiled run: figures are inflated by py-spy; {REPORT.name} is left as it was")
        return
    if args.quick or args.no_flood or args.only or args.batches or args.flood_only:
        return
    info = start.machine()
    info[5:5] = [("SQLite", sqlite3.sqlite_version), ("PostgreSQL", pg or "not reachable")]
    write_section("dispatch", section(runs, floor, info, start.load, took))


if __name__ == "__main__":
    main()
