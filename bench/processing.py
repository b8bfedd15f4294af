"""Processing benchmark: how fast bookings go from ``registered`` to ``assigned`` on
Chile's automatic path, how long one waits, and what an idle worker round costs.

Run from the repository root with ``.venv/bin/python bench/processing.py`` (about five
minutes on two cores). SQLite runs on a temporary file; PostgreSQL on fresh databases
created on the local server (or at ``MEDBOT_BENCH_POSTGRES_URL``) and dropped
afterwards; without a server only SQLite is measured. The results are printed and
written into ``docs/performance.md`` between ``<!-- bench:processing -->`` and
``<!-- /bench:processing -->`` (appended when the markers are missing; the rest of the
file is left as it is).

Every database is migrated and holds the demo clinic (``bot.database.
prepare_demo_database``: six Chilean doctors, 16 slots a weekday each). The bot runs as
separate processes (``python -m bot run``, and ``python -m bot worker`` as the second
on PostgreSQL) against the Bot API stand-in in this process (flood limits off), with
the default ``PROCESSING_INTERVAL`` (0.2 s) and ``TELEGRAM_MAX_RATE`` (30/s).

1. Throughput, over 2,000 Chilean bookings made with ``domain.usecases.booking.book``
   by 50 asyncio tasks in this process (one patient per doctor), while no bot process
   runs: their rate is the *booking rate*. Their jobs are then parked (due in a day),
   the bot processes are started, and once they poll, every job is made due in one
   statement; the *processing rate* is the bookings that reached ``assigned`` over the
   time from the first to the last (their status-history rows' times). Target: at
   least 0.5 x the booking rate. SQLite with one ``medbot run``; PostgreSQL with
   ``medbot run`` plus one ``medbot worker``.
2. Latency: ``book`` called at a steady 50 bookings/s for 20 s while ``medbot run``
   runs; for each booking, the time from the call's return until this process sees its
   ``assigned`` history row (polled every 10 ms), and, as a lower bound, until the
   worker's clock on that row. Target: p95 at most 1 s.
3. Idle cost: 10,000 Peruvian bookings waiting for their doctor's answer (``pending``,
   jobs due at their deadlines, within two hours), inserted directly; then 10,000 past
   bookings whose jobs are done beside them, as in a queue that has run for a while.
   ``Processor.tick`` with nothing due is run in this process over each: the statements
   it sends (a ``before_cursor_execute`` listener, and the pool's pre-ping on
   PostgreSQL, which that event does not see), their plan (``EXPLAIN QUERY PLAN``,
   ``EXPLAIN ANALYZE``) and its mean time; then the CPU a ``medbot worker`` process
   uses over 5 s on that database. Target: one statement, reading
   ``ix_processing_jobs_queued_next_attempt_at`` (and ``…_working_lease_until``).

All people are synthetic.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import re
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from harness import (
    BENCH_DATA_KEY,
    BotProcess,
    Start,
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
from sqlalchemy import event, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine
from stdnum.cl.rut import calc_check_digit

from bot.app import build_deps
from bot.database import prepare_demo_database
from bot.sandbox.standin import BotApiStandIn
from bot.sandbox.standin.journal import RequestRecord
from bot.workers.processor import Processor, ProcessorSettings
from domain.actors import Actor, Role
from domain.clock import SystemClock
from domain.entities import Patient, new_reference
from domain.ports import Deps
from domain.processing import ADMINS, JobState
from domain.queries import DoctorSlot, SlotQuery, open_slots
from domain.status import Status
from domain.usecases.booking import BookCommand, book
from domain.usecases.processing import process
from storage.crypto.keyring import KeyRing
from storage.engine import create_engine
from storage.jobs import JobStore
from storage.tables import (
    appointment_status_changes,
    appointments,
    doctor_specialties,
    doctors,
    patients,
    processing_jobs,
)

#: The bots of this run encrypt with the harness's key; this process reads with it too.
BENCH_KEYRING = KeyRing.parse(BENCH_DATA_KEY)

BOOKINGS = 2_000
WARMUP = 50  # of the 2,000, booked before the clock starts
CONCURRENCY = 50
RATIO_TARGET = 0.5

LATENCY_RATE = 50.0  # bookings/s offered
LATENCY_SECONDS = 20.0
LATENCY_POLL = 0.010
P95_TARGET = 1.0  # seconds

WAITING_JOBS = 10_000
DONE_JOBS = 10_000
IDLE_TICKS = 2_000
IDLE_WARMUP = 50
WORKER_IDLE_SECONDS = 5.0
INDEX = "ix_processing_jobs_queued_next_attempt_at"  # and its twin for working jobs

INTERVAL = 0.2  # PROCESSING_INTERVAL's default, stated in the report
TELEGRAM_RATE = 30.0  # TELEGRAM_MAX_RATE's default
SLOT_DAYS = 60
START_TIMEOUT = 60.0
DRAIN_TIMEOUT = 120.0
SETTLE_TIMEOUT = 40.0
STOP_TIMEOUT = 30.0
POLL = 0.05
BUDGET_SECONDS = 420.0


def backend_name(backend: str) -> str:
    return "SQLite" if backend == "sqlite" else "PostgreSQL"


# --------------------------------------------------------------------------- CPU


@dataclass
class Cpu:
    """Shares of one core over a span: the bot processes, PostgreSQL, this process and
    everything else on the machine."""

    bots: float = 0.0
    postgres: float = 0.0
    bench: float = 0.0
    other: float = 0.0
    span: float = 0.0
    bot_seconds: float = 0.0


class CpuMeter:
    def __init__(self, pids: list[int], with_postgres: bool) -> None:
        self.pids = pids
        self.with_postgres = with_postgres
        self._start = self._take()

    def _take(self) -> tuple[float, float, dict[int, float], float, float]:
        return (
            time.perf_counter(),
            sum(proc_cpu_seconds(pid) for pid in self.pids),
            postgres_cpu() if self.with_postgres else {},
            time.process_time(),
            busy_cpu_seconds(),
        )

    def read(self) -> Cpu:
        at0, bots0, pg0, bench0, busy0 = self._start
        at1, bots1, pg1, bench1, busy1 = self._take()
        span = max(at1 - at0, 1e-9)
        bots, bench = bots1 - bots0, bench1 - bench0
        pg = sum(cpu - pg0.get(pid, 0.0) for pid, cpu in pg1.items())
        other = max(0.0, busy1 - busy0 - bots - bench - pg)
        return Cpu(bots / span, pg / span, bench / span, other / span, span, bots)


def pct(share: float) -> str:
    return f"{100 * share:.0f}%"


# --------------------------------------------------------------------------- set-up


@dataclass
class Clinic:
    """The demo clinic's Chilean doctors, a patient of each (a chat in the stand-in), and
    the plan of bookings: each doctor's free times in turn."""

    plan: list[tuple[int, BookCommand]]  # (patient id, command)
    chats: list[int]


async def chilean_clinic(deps: Deps, api: BotApiStandIn, count: int) -> Clinic:
    async with deps.uow(read_only=True) as uow:
        chilean = [d for d in await uow.doctors.list_all() if d.country == "CL"]
    today = datetime.now(UTC).date()
    per_doctor: list[list[tuple[int, BookCommand]]] = []
    chats: list[int] = []
    for number, doctor in enumerate(chilean):
        person = api.person(f"Paciente{number}", language_code="es")
        person.chat.started = True  # they wrote to the bot when they registered
        chats.append(person.chat.id)
        rut = str(20_000_000 + number)
        async with deps.uow() as uow:
            patient = await uow.patients.add(
                Patient(
                    None,
                    person.chat.id,
                    f"Carga Prueba {number}",
                    rut + calc_check_digit(rut),
                    "+56987654321",
                    "es",
                    "CL",
                    datetime.now(UTC),
                )
            )
            await uow.commit()
        specialty = doctor.specialty_ids[0]
        # From tomorrow: no slot comes within the 3 h lead time while the run lasts.
        query = SlotQuery(
            "CL", specialty, doctor.id, today + timedelta(days=1), today + timedelta(SLOT_DAYS)
        )
        slots: list[DoctorSlot] = await open_slots(deps, query)
        per_doctor.append(
            [(patient.id or 0, BookCommand(s.doctor_id, specialty, s.slot.start)) for s in slots]
        )
    interleaved = [b for row in itertools.zip_longest(*per_doctor) for b in row if b is not None]
    if len(interleaved) < count:
        raise RuntimeError(f"only {len(interleaved)} free times, {count} needed")
    return Clinic(interleaved[:count], chats)


@dataclass
class Calls:
    """What the stand-in answered, by method and status."""

    seen: Counter[tuple[str, int]] = field(default_factory=Counter)

    def record(self, record: RequestRecord) -> None:
        self.seen[record.method, record.status] += 1

    def count(self, method: str) -> int:
        return sum(n for (m, _), n in self.seen.items() if m == method)


@asynccontextmanager
async def stand_in() -> AsyncIterator[tuple[BotApiStandIn, Calls]]:
    calls = Calls()
    async with BotApiStandIn(flood_limits=False) as api:
        remove = api.journal.add_listener(calls.record)
        try:
            yield api, calls
        finally:
            remove()


async def start_bots(
    api: BotApiStandIn, calls: Calls, url: str, workdir: Path, commands: list[str]
) -> list[BotProcess]:
    """Start the processes and wait until each has called getMe and ``run`` polls."""
    bots = [
        await BotProcess.start(
            api,
            url,
            workdir,
            command,
            name=f"{command}{n}",
            TELEGRAM_MAX_RATE=f"{TELEGRAM_RATE:g}",
            PROCESSING_INTERVAL=f"{INTERVAL:g}",
        )
        for n, command in enumerate(commands)
    ]
    polls = "run" in commands
    await wait_until(
        lambda: _now(
            calls.count("getMe") >= len(bots) and (not polls or calls.count("getUpdates"))
        ),
        START_TIMEOUT,
        bots,
        "the bot processes did not start",
    )
    await asyncio.sleep(1.0)  # their first rounds of work pass
    return bots


async def stop_bots(bots: list[BotProcess]) -> list[str]:
    await asyncio.gather(*(bot.stop(STOP_TIMEOUT) for bot in bots))
    return [
        f"{'exit ' + str(b.exit_code) if b.exit_code is not None else 'killed'} in "
        f"{b.stop_seconds:.1f} s"
        for b in bots
    ]


def log_problems(bots: list[BotProcess]) -> Counter[str]:
    found: Counter[str] = Counter()
    for bot in bots:
        for event_name, n in bot.log_summary().items():
            if not event_name.startswith("info "):
                found[event_name] += n
    return found


async def eventually(
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


async def wait_until(
    condition: Callable[[], Awaitable[bool]], seconds: float, bots: list[BotProcess], failure: str
) -> None:
    if not await eventually(condition, seconds, bots):
        raise RuntimeError(failure)


async def _now(value: object) -> bool:
    return bool(value)


async def status_counts(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(appointments.c.status, func.count()).group_by(appointments.c.status)
        )
        return {str(status): int(n) for status, n in rows}


async def assigned_count(engine: AsyncEngine) -> int:
    return (await status_counts(engine)).get(Status.ASSIGNED.value, 0)


def percentile(values: list[float], p: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


# --------------------------------------------------------------------------- 1. throughput


@dataclass
class Throughput:
    backend: str
    commands: list[str]
    booking_rate: float = 0.0
    booking_cpu: Cpu = field(default_factory=Cpu)  # this process's, while booking
    book_p50_ms: float = 0.0
    book_p99_ms: float = 0.0
    processing_rate: float = 0.0  # first to last assigned, the workers' clock
    drain_seconds: float = 0.0  # made due -> every booking assigned, polled
    first_after: float = 0.0  # made due -> first assigned (the workers' clock)
    statuses: dict[str, int] = field(default_factory=dict)
    assigned_twice: int = 0
    cpu: Cpu = field(default_factory=Cpu)
    stops: list[str] = field(default_factory=list)
    problems: Counter[str] = field(default_factory=Counter)
    failure: str | None = None

    @property
    def name(self) -> str:
        processes = " + ".join(f"`medbot {c}`" for c in self.commands)
        return f"{backend_name(self.backend)}, {processes}"

    @property
    def ratio(self) -> float:
        return self.processing_rate / self.booking_rate if self.booking_rate else 0.0

    @property
    def ok(self) -> bool:
        return self.failure is None and self.ratio >= RATIO_TARGET

    @property
    def ms_per_booking(self) -> float:
        """The bot processes' CPU per booking processed."""
        return 1000 * self.cpu.bot_seconds / BOOKINGS

    @property
    def ms_per_booking_made(self) -> float:
        """This process's CPU per booking made through ``book``."""
        return 1000 * self.booking_cpu.bench * self.booking_cpu.span / (BOOKINGS - WARMUP)


async def book_many(
    deps: Deps, plan: list[tuple[int, BookCommand]], latencies: list[float]
) -> float:
    """Book ``plan`` from ``CONCURRENCY`` tasks; the elapsed seconds."""
    pending = iter(plan)

    async def worker() -> None:
        for patient, command in pending:
            begin = time.perf_counter()
            await book(deps, Actor(Role.PATIENT, patient), command)
            latencies.append(time.perf_counter() - begin)

    start = time.perf_counter()
    async with asyncio.TaskGroup() as group:
        for _ in range(CONCURRENCY):
            group.create_task(worker())
    return time.perf_counter() - start


async def measure_throughput(backend: str, workdir: Path) -> Throughput:
    commands = ["run"] if backend == "sqlite" else ["run", "worker"]
    result = Throughput(backend, commands)
    async with fresh_database(backend, workdir) as url, stand_in() as (api, calls):
        await prepare_demo_database(url)
        engine = create_engine(url, pool_size=CONCURRENCY, max_overflow=10, keyring=BENCH_KEYRING)
        try:
            deps = build_deps(engine, SystemClock())
            clinic = await chilean_clinic(deps, api, BOOKINGS)
            await book_many(deps, clinic.plan[:WARMUP], [])
            latencies: list[float] = []
            meter = CpuMeter([], with_postgres=backend == "postgresql")
            seconds = await book_many(deps, clinic.plan[WARMUP:], latencies)
            result.booking_cpu = meter.read()
            result.booking_rate = (BOOKINGS - WARMUP) / seconds
            result.book_p50_ms = 1000 * statistics.median(latencies)
            result.book_p99_ms = 1000 * percentile(latencies, 99)
            await make_due(engine, datetime.now(UTC) + timedelta(days=1))  # parked
            try:
                bots = await start_bots(api, calls, url, workdir, commands)
            except RuntimeError as error:
                result.failure = str(error)
                return result
            try:
                await drain(engine, bots, result)
            except RuntimeError as error:
                result.failure = str(error)
            finally:
                result.stops = await stop_bots(bots)
                result.problems = log_problems(bots)
            result.statuses = await status_counts(engine)
            result.assigned_twice = await assigned_more_than_once(engine)
        finally:
            await engine.dispose()
    return result


async def make_due(engine: AsyncEngine, at: datetime) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            update(processing_jobs)
            .where(processing_jobs.c.state == JobState.QUEUED.value)
            .values(next_attempt_at=at)
        )


async def drain(engine: AsyncEngine, bots: list[BotProcess], result: Throughput) -> None:
    meter = CpuMeter([b.pid for b in bots], result.backend == "postgresql")
    due_at = datetime.now(UTC)
    started = time.perf_counter()
    await make_due(engine, due_at)
    await wait_until(
        lambda: _equals(assigned_count(engine), BOOKINGS),
        DRAIN_TIMEOUT,
        bots,
        f"not every booking was assigned within {DRAIN_TIMEOUT:.0f} s",
    )
    result.drain_seconds = time.perf_counter() - started
    result.cpu = meter.read()
    times = await assigned_times(engine)
    first, last = min(times), max(times)
    result.first_after = (first - due_at).total_seconds()
    result.processing_rate = (len(times) - 1) / max((last - first).total_seconds(), 1e-9)


async def _equals(value: Awaitable[int], expected: int) -> bool:
    return await value == expected


async def assigned_times(engine: AsyncEngine) -> list[datetime]:
    """When each booking became ``assigned``, by the clock of the worker that did it."""
    changes = appointment_status_changes
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(changes.c.at).where(
                changes.c.to_status == Status.ASSIGNED.value,
                changes.c.from_status != Status.ASSIGNED.value,
            )
        )
        return [at for (at,) in rows]


async def assigned_more_than_once(engine: AsyncEngine) -> int:
    changes = appointment_status_changes
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(changes.c.appointment_id, func.count())
            .where(
                changes.c.to_status == Status.ASSIGNED.value,
                changes.c.from_status != Status.ASSIGNED.value,
            )
            .group_by(changes.c.appointment_id)
            .having(func.count() > 1)
        )
        return len(rows.all())


# --------------------------------------------------------------------------- 2. latency


@dataclass
class Latency:
    backend: str
    offered: int = 0
    booked: int = 0
    late_calls: int = 0  # ``book`` started more than 100 ms after its turn
    span: float = 0.0  # first to last call
    seen: list[float] = field(default_factory=list)  # polled, seconds
    stamped: list[float] = field(default_factory=list)  # the worker's clock, seconds
    book_calls: list[float] = field(default_factory=list)
    unassigned: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    cpu: Cpu = field(default_factory=Cpu)
    stops: list[str] = field(default_factory=list)
    problems: Counter[str] = field(default_factory=Counter)
    failure: str | None = None

    @property
    def name(self) -> str:
        return f"{backend_name(self.backend)}, `medbot run`"

    @property
    def p95(self) -> float:
        """Over the bookings seen assigned; see ``unassigned`` for the others."""
        return percentile(self.seen, 95)

    @property
    def ok(self) -> bool:
        return self.failure is None and self.unassigned == 0 and self.p95 <= P95_TARGET


class AssignedWatcher:
    """Polls the status history every ``LATENCY_POLL`` seconds for the ``assigned`` rows
    of the bookings still waiting: when each was first seen here, and the time the worker
    wrote on it. (Rows commit out of id order on PostgreSQL, so it asks by booking.)"""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.waiting: set[uuid.UUID] = set()  # returned by ``book``, not yet seen assigned
        self.seen: dict[uuid.UUID, float] = {}
        self.stamped: dict[uuid.UUID, float] = {}

    async def poll_once(self) -> None:
        if not self.waiting:
            return
        changes = appointment_status_changes
        query = select(changes.c.appointment_id, changes.c.at).where(
            changes.c.appointment_id.in_(list(self.waiting)),
            changes.c.to_status == Status.ASSIGNED.value,
        )
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        now = time.time()
        for appointment_id, at in rows:
            self.waiting.discard(appointment_id)
            self.seen.setdefault(appointment_id, now)
            self.stamped.setdefault(appointment_id, at.timestamp())

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.poll_once()
            try:
                async with asyncio.timeout(LATENCY_POLL):
                    await stop.wait()
            except TimeoutError:
                pass


async def measure_latency(backend: str, workdir: Path) -> Latency:
    result = Latency(backend)
    count = int(LATENCY_RATE * LATENCY_SECONDS)
    async with fresh_database(backend, workdir) as url, stand_in() as (api, calls):
        await prepare_demo_database(url)
        engine = create_engine(url, pool_size=20, max_overflow=10, keyring=BENCH_KEYRING)
        try:
            deps = build_deps(engine, SystemClock())
            clinic = await chilean_clinic(deps, api, count)
            try:
                bots = await start_bots(api, calls, url, workdir, ["run"])
            except RuntimeError as error:
                result.failure = str(error)
                return result
            try:
                await book_steadily(engine, deps, clinic, bots, result)
            except RuntimeError as error:
                result.failure = str(error)
            finally:
                result.stops = await stop_bots(bots)
                result.problems = log_problems(bots)
            result.statuses = await status_counts(engine)
        finally:
            await engine.dispose()
    return result


async def book_steadily(
    engine: AsyncEngine, deps: Deps, clinic: Clinic, bots: list[BotProcess], result: Latency
) -> None:
    """``book`` at ``LATENCY_RATE`` per second (each call its own task, on a fixed
    schedule), while a watcher polls for ``assigned``."""
    watcher = AssignedWatcher(engine)
    stop = asyncio.Event()
    watching = asyncio.create_task(watcher.run(stop))
    returned: dict[uuid.UUID, float] = {}
    loop = asyncio.get_running_loop()
    meter = CpuMeter([b.pid for b in bots], result.backend == "postgresql")

    async def one(patient: int, command: BookCommand, due: float) -> None:
        if loop.time() - due > 0.1:
            result.late_calls += 1
        begin = time.perf_counter()
        appointment = await book(deps, Actor(Role.PATIENT, patient), command)
        returned[appointment.id] = time.time()
        watcher.waiting.add(appointment.id)
        result.book_calls.append(time.perf_counter() - begin)

    try:
        start = loop.time() + 0.1
        async with asyncio.TaskGroup() as group:
            for n, (patient, command) in enumerate(clinic.plan):
                due = start + n / LATENCY_RATE
                await asyncio.sleep(max(0.0, due - loop.time()))
                group.create_task(one(patient, command, due))
        result.span = loop.time() - start
        result.offered = len(clinic.plan)
        result.booked = len(returned)
        if not await eventually(
            lambda: _now(all(a in watcher.seen for a in returned)), SETTLE_TIMEOUT, bots
        ):
            result.failure = (
                f"not every booking was assigned within {SETTLE_TIMEOUT:.0f} s of the last call"
            )
    finally:
        stop.set()
        await watching
        result.cpu = meter.read()
        result.unassigned = sum(1 for a in returned if a not in watcher.seen)
    result.seen = [watcher.seen[a] - t for a, t in returned.items() if a in watcher.seen]
    result.stamped = [watcher.stamped[a] - t for a, t in returned.items() if a in watcher.seen]


# --------------------------------------------------------------------------- 3. idle cost


@dataclass
class IdlePhase:
    """Idle rounds over one content of the queue."""

    waiting: int
    done: int
    claimed: int = -1  # what the measured rounds claimed: nothing, we hope
    statements: float = 0.0  # per round, cursor executions
    pings: float = 0.0  # per round, the pool's pre-ping (PostgreSQL)
    statement: str = ""
    plan: list[str] = field(default_factory=list)
    mean_ms: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0

    @property
    def label(self) -> str:
        return f"{self.waiting:,} waiting" + (f", {self.done:,} done" if self.done else "")

    @property
    def uses_index(self) -> bool:
        full_scan = re.compile(r"\bSCAN processing_jobs\b|Seq Scan on processing_jobs")
        return any(INDEX in line for line in self.plan) and not any(
            full_scan.search(line) for line in self.plan
        )

    @property
    def one_statement(self) -> bool:
        return self.claimed == 0 and self.statements == 1


@dataclass
class Idle:
    backend: str
    phases: list[IdlePhase] = field(default_factory=list)
    book_statements: int = 0
    process_statements: int = 0
    busy_round_statements: int = 0
    worker_cpu: Cpu = field(default_factory=Cpu)
    worker_stops: list[str] = field(default_factory=list)
    failure: str | None = None


async def load_idle_queue(engine: AsyncEngine, count: int, *, waiting: bool) -> None:
    """``count`` Peruvian bookings waiting for an answer (``pending``, their jobs due at
    the deadline, 10 minutes to 2 hours away), or as many past Chilean ones whose jobs
    are done, inserted directly."""
    now = datetime.now(UTC)
    country = "PE" if waiting else "CL"
    async with engine.begin() as conn:
        found = await conn.execute(
            select(doctors.c.id, func.min(doctor_specialties.c.specialty_id))
            .join(doctor_specialties)
            .where(doctors.c.country == country)
            .group_by(doctors.c.id)
            .order_by(doctors.c.id)
        )
        staff = [(int(doctor_id), int(specialty_id)) for doctor_id, specialty_id in found]
        patient_id = (
            await conn.execute(
                insert(patients)
                .values(
                    telegram_user_id=7_000_000_000 + int(waiting),
                    full_name=f"Espera Prueba {country}",
                    national_id="45678912" if waiting else "123456785",
                    national_id_index=BENCH_KEYRING.index("45678912" if waiting else "123456785"),
                    phone="+51900000000",
                    language="es",
                    country=country,
                    privacy_accepted_at=now,
                )
                .returning(patients.c.id)
            )
        ).scalar_one()
        rows: list[dict[str, Any]] = []
        jobs: list[dict[str, Any]] = []
        for n in range(count):
            doctor_id, specialty_id = staff[n % len(staff)]
            shift = timedelta(days=1, minutes=30 * (n // len(staff)))
            starts = now + shift if waiting else now - shift
            appointment_id = uuid.uuid4()
            rows.append(
                {
                    "id": appointment_id,
                    "reference": new_reference(),
                    "patient_id": patient_id,
                    "doctor_id": doctor_id,
                    "specialty_id": specialty_id,
                    "country": country,
                    "starts_at": starts,
                    "ends_at": starts + timedelta(minutes=30),
                    "status": (Status.PENDING if waiting else Status.COMPLETED).value,
                }
            )
            deadline = now + timedelta(minutes=10 + (n * 7) % 110)
            jobs.append(
                {
                    "appointment_id": appointment_id,
                    "step": 1 if waiting else 2,
                    "state": (JobState.QUEUED if waiting else JobState.DONE).value,
                    "version": 2,
                    "attempts": 1,
                    "next_attempt_at": deadline if waiting else starts,
                    "offered_to": (doctor_id if n % 2 else ADMINS) if waiting else None,
                    "deadline": deadline if waiting else None,
                    "passed": [],
                    "created_at": now if waiting else starts - timedelta(days=3),
                }
            )
        for first in range(0, count, 5_000):
            await conn.execute(insert(appointments), rows[first : first + 5_000])
            await conn.execute(insert(processing_jobs), jobs[first : first + 5_000])
    if engine.dialect.name == "postgresql":  # what autovacuum does soon after such a load
        async with engine.connect() as conn:
            await conn.exec_driver_sql("ANALYZE")
            await conn.commit()


class StatementLog:
    """The statements SQLAlchemy hands the driver while attached, and the pool's
    pre-pings (PostgreSQL), which reach the server without that event."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.statements: list[tuple[str, Any]] = []
        self.pings = 0

    def __enter__(self) -> StatementLog:
        event.listen(self.engine.sync_engine, "before_cursor_execute", self._seen)
        dialect = self.engine.sync_engine.dialect
        original = dialect.do_ping

        def counted(dbapi_connection: Any) -> bool:
            self.pings += 1
            return bool(original(dbapi_connection))

        dialect.do_ping = counted  # type: ignore[method-assign]
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self.engine.sync_engine, "before_cursor_execute", self._seen)
        del self.engine.sync_engine.dialect.do_ping  # the class's own again

    def _seen(
        self, _conn: object, _cursor: object, statement: str, parameters: Any, *_: object
    ) -> None:
        self.statements.append((statement, parameters))


async def explain(engine: AsyncEngine, statement: str, parameters: Any) -> list[str]:
    """The plan of ``statement``: SQLite's query plan, or PostgreSQL's executed plan with
    the rows each node returned (no costs, no timings)."""
    if engine.dialect.name == "sqlite":
        prefix = "EXPLAIN QUERY PLAN "
    else:
        prefix = "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) "
    async with engine.connect() as conn:
        rows = (await conn.exec_driver_sql(prefix + statement, parameters)).all()
        await conn.rollback()
    lines = [str(row[-1]).strip() for row in rows]
    return [re.sub(r"^->\s*", "", line) for line in lines if line]


async def idle_rounds(engine: AsyncEngine, processor: Processor, phase: IdlePhase) -> None:
    claimed = [await processor.tick() for _ in range(IDLE_WARMUP)]
    with StatementLog(engine) as log:
        claimed += [await processor.tick() for _ in range(IDLE_WARMUP)]
    phase.statements = len(log.statements) / IDLE_WARMUP
    phase.pings = log.pings / IDLE_WARMUP
    timings = []
    for _ in range(IDLE_TICKS):
        begin = time.perf_counter()
        claimed.append(await processor.tick())
        timings.append(1000 * (time.perf_counter() - begin))
    phase.claimed = sum(claimed)
    phase.mean_ms = statistics.fmean(timings)
    phase.p50_ms = statistics.median(timings)
    phase.p99_ms = percentile(timings, 99)
    if log.statements:
        phase.statement, parameters = log.statements[0]
        phase.plan = await explain(engine, phase.statement, parameters)


async def busy_statements(
    engine: AsyncEngine, deps: Deps, processor: Processor, result: Idle
) -> None:
    """Statements of one ``book``, of one ``process`` and of a round that processes one
    booking (Chile's steps), on the empty queue."""
    async with stand_in() as (api, _calls):
        clinic = await chilean_clinic(deps, api, 2)
    (patient, first), (other, second) = clinic.plan
    with StatementLog(engine) as log:
        await book(deps, Actor(Role.PATIENT, patient), first)
    result.book_statements = len(log.statements)
    with StatementLog(engine) as log:
        if await processor.tick() != 1:
            raise RuntimeError("the round did not claim the one booking")
    result.busy_round_statements = len(log.statements)
    booked = await book(deps, Actor(Role.PATIENT, other), second)
    async with deps.uow(read_only=True) as uow:
        job = await uow.jobs.for_appointment(booked.id)
    with StatementLog(engine) as log:
        await process(deps, job.id if job and job.id else 0)
    result.process_statements = len(log.statements)


async def measure_idle(backend: str, workdir: Path) -> Idle:
    result = Idle(backend)
    async with fresh_database(backend, workdir) as url:
        await prepare_demo_database(url)
        engine = create_engine(url, keyring=BENCH_KEYRING)
        try:
            deps = build_deps(engine, SystemClock())
            processor = Processor(JobStore(engine), deps, ProcessorSettings())
            await busy_statements(engine, deps, processor, result)
            await load_idle_queue(engine, WAITING_JOBS, waiting=True)
            result.phases.append(phase := IdlePhase(WAITING_JOBS, 0))
            await idle_rounds(engine, processor, phase)
            await load_idle_queue(engine, DONE_JOBS, waiting=False)
            result.phases.append(phase := IdlePhase(WAITING_JOBS, DONE_JOBS))
            await idle_rounds(engine, processor, phase)
            async with stand_in() as (api, calls):
                bots = await start_bots(api, calls, url, workdir, ["worker"])
                try:
                    meter = CpuMeter([b.pid for b in bots], backend == "postgresql")
                    await asyncio.sleep(WORKER_IDLE_SECONDS)
                    result.worker_cpu = meter.read()
                finally:
                    result.worker_stops = await stop_bots(bots)
        except RuntimeError as error:
            result.failure = str(error)
        finally:
            await engine.dispose()
    return result


# --------------------------------------------------------------------------- running


@dataclass
class Results:
    throughput: list[Throughput] = field(default_factory=list)
    latency: list[Latency] = field(default_factory=list)
    idle: list[Idle] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)


async def run_all(backends: list[str]) -> Results:
    results = Results()
    async with asyncio.timeout(BUDGET_SECONDS):
        for backend in backends:
            name = backend_name(backend)
            with tempfile.TemporaryDirectory(prefix="medbot-processing-") as tmp:
                workdir = Path(tmp)
                print(f"{name}: {BOOKINGS:,} bookings, then the drain ...", flush=True)
                throughput = await measure_throughput(backend, workdir)
                results.throughput.append(throughput)
                print(f"  {throughput_summary(throughput)}", flush=True)
            with tempfile.TemporaryDirectory(prefix="medbot-processing-") as tmp:
                print(f"{name}: {LATENCY_RATE:g} bookings/s for {LATENCY_SECONDS:g} s ...")
                latency = await measure_latency(backend, Path(tmp))
                results.latency.append(latency)
                print(f"  {latency_summary(latency)}", flush=True)
            with tempfile.TemporaryDirectory(prefix="medbot-processing-") as tmp:
                print(f"{name}: idle rounds with {WAITING_JOBS:,} waiting jobs ...", flush=True)
                idle = await measure_idle(backend, Path(tmp))
                results.idle.append(idle)
                print(f"  {idle_summary(idle)}", flush=True)
    return results


def throughput_summary(t: Throughput) -> str:
    if t.failure:
        return f"FAILED: {t.failure}"
    return (
        f"booking {t.booking_rate:,.0f}/s, processing {t.processing_rate:,.0f}/s "
        f"(ratio {t.ratio:.2f}), all assigned {t.drain_seconds:.2f} s after due"
    )


def latency_summary(r: Latency) -> str:
    if r.failure:
        return f"FAILED: {r.failure}"
    return (
        f"{r.booked} booked, to assigned p50 {ms(percentile(r.seen, 50))}, "
        f"p95 {ms(r.p95)}, p99 {ms(percentile(r.seen, 99))}, max {ms(max(r.seen))}"
    )


def idle_summary(i: Idle) -> str:
    if i.failure:
        return f"FAILED: {i.failure}"
    return "; ".join(
        f"{p.label}: {p.statements:g} statement(s) and {p.pings:g} ping(s) per idle round, "
        f"{p.mean_ms:.3f} ms mean, index used: {'yes' if p.uses_index else 'no'}"
        for p in i.phases
    )


def ms(seconds: float) -> str:
    return f"{1000 * seconds:,.0f} ms"


# --------------------------------------------------------------------------- report


def targets(results: Results) -> list[str]:
    lines = ["| target | measured | required | verdict |", "|---|---:|---:|:---:|"]
    for t in results.throughput:
        measured = (
            f"{t.ratio:.2f} ({t.processing_rate:,.0f} / {t.booking_rate:,.0f} per s)"
            if t.failure is None
            else f"failed: {t.failure}"
        )
        lines.append(
            f"| processing rate ÷ booking rate, {t.name} | {measured} | ≥ {RATIO_TARGET:g} "
            f"| {verdict(t.ok)} |"
        )
    for r in results.latency:
        measured = ms(r.p95) if r.failure is None else f"failed: {r.failure}"
        lines.append(
            f"| p95 from `book`'s return to `assigned`, {LATENCY_RATE:g} bookings/s, {r.name} "
            f"| {measured} | ≤ {P95_TARGET:g} s | {verdict(r.ok)} |"
        )
    for i in results.idle:
        name = backend_name(i.backend)
        if i.failure:
            lines.append(f"| idle round, {name} | failed: {i.failure} | | MISS |")
        for p in i.phases:
            ping = f" (+ {p.pings:g} pool pre-ping)" if p.pings else ""
            lines.append(
                f"| statements per idle round, {p.label} jobs, {name} "
                f"| {p.statements:g}{ping} | 1 | {verdict(p.one_statement)} |"
            )
            lines.append(
                f"| that statement reads `{INDEX}` (no full scan), {p.label} jobs, {name} "
                f"| {'yes' if p.uses_index else 'no'} | yes | {verdict(p.uses_index)} |"
            )
    return lines


def throughput_table(results: Results) -> list[str]:
    lines = [
        (
            "| run | bookings/s through `book` (50 tasks) | `book` p50 / p99 "
            "| other CPU while booking | processed/s, first to last assigned | ratio "
            "| due to first assigned | due to all assigned (polled) | bot CPU | PostgreSQL CPU "
            "| other CPU | CPU per booking: made / processed | statuses after "
            "| assigned twice | stop |"
        ),
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|",
    ]
    for t in results.throughput:
        statuses = ", ".join(f"{s} {n:,}" for s, n in sorted(t.statuses.items()))
        pg = t.backend == "postgresql"
        lines.append(
            f"| {t.name} | {t.booking_rate:,.0f} | {t.book_p50_ms:.0f} / {t.book_p99_ms:.0f} ms "
            f"| {pct(t.booking_cpu.other)} | {t.processing_rate:,.0f} | {t.ratio:.2f} "
            f"| {t.first_after:.2f} s | {t.drain_seconds:.2f} s | {pct(t.cpu.bots)} "
            f"| {pct(t.cpu.postgres) if pg else '-'} | {pct(t.cpu.other)} "
            f"| {t.ms_per_booking_made:.2f} / {t.ms_per_booking:.2f} ms | {statuses} "
            f"| {t.assigned_twice} | {', '.join(t.stops)} |"
        )
    return lines


def latency_table(results: Results) -> list[str]:
    lines = [
        (
            "| run | booked (offered) | achieved rate | to `assigned`, polled: p50 | p95 | p99 "
            "| max | by the worker's clock: p50 / p95 / max | `book` p50 / p99 "
            "| not assigned | bot CPU | PostgreSQL CPU | bench CPU | other CPU | stop |"
        ),
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results.latency:
        if r.failure and not r.seen:
            lines.append(f"| {r.name} | failed: {r.failure} |||||||||||||")
            continue
        rate = r.booked / r.span if r.span else 0.0
        lines.append(
            f"| {r.name} | {r.booked:,} ({r.offered:,}) | {rate:.1f}/s "
            f"| {ms(percentile(r.seen, 50))} | {ms(r.p95)} | {ms(percentile(r.seen, 99))} "
            f"| {ms(max(r.seen))} | {ms(percentile(r.stamped, 50))} / "
            f"{ms(percentile(r.stamped, 95))} / {ms(max(r.stamped))} "
            f"| {ms(percentile(r.book_calls, 50))} / {ms(percentile(r.book_calls, 99))} "
            f"| {r.unassigned} | {pct(r.cpu.bots)} "
            f"| {pct(r.cpu.postgres) if r.backend == 'postgresql' else '-'} "
            f"| {pct(r.cpu.bench)} | {pct(r.cpu.other)} | {', '.join(r.stops)} |"
        )
    return lines


def idle_table(results: Results) -> list[str]:
    lines = [
        (
            "| database | jobs in the table | rounds | claimed | statements per round "
            "| pool pre-pings per round | round mean / p50 / p99 |"
        ),
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    lines.extend(
        f"| {backend_name(i.backend)} | {p.label} | {IDLE_TICKS + 2 * IDLE_WARMUP:,} "
        f"| {p.claimed} | {p.statements:g} | {p.pings:g} "
        f"| {p.mean_ms:.3f} / {p.p50_ms:.3f} / {p.p99_ms:.3f} ms |"
        for i in results.idle
        for p in i.phases
    )
    return lines


def idle_notes(results: Results) -> list[str]:
    lines: list[str] = []
    for i in results.idle:
        name = backend_name(i.backend)
        if i.failure:
            lines.append(f"- **{name}**: failed: {i.failure}")
        lines.append(
            f"- **{name}**: on the empty queue one `book` sent {i.book_statements} statements, "
            f"one `process` of a Chilean booking (checks, assign) {i.process_statements}, and "
            f"a round that claimed and processed one booking {i.busy_round_statements}. A "
            f"`medbot worker` with nothing to do on the last queue above used "
            f"{pct(i.worker_cpu.bots)} of a core over {WORKER_IDLE_SECONDS:g} s "
            f"({', '.join(i.worker_stops)})."
        )
        for p in i.phases:
            statement = " ".join(p.statement.split())
            lines += [
                f"- **{name}**, {p.label} jobs: the idle round's statement `{statement}`, plan:",
                "",
                "  ```",
                *(f"  {line}" for line in p.plan),
                "  ```",
            ]
    return lines


def notes(results: Results) -> list[str]:
    runs: list[Throughput | Latency] = [*results.throughput, *results.latency]
    lines: list[str] = []
    for run in runs:
        problems = ", ".join(f"{e}: {n}" for e, n in run.problems.most_common(5))
        statuses = ", ".join(f"{s} {n:,}" for s, n in sorted(run.statuses.items()))
        lines.append(
            f"- {run.name} ({'throughput' if isinstance(run, Throughput) else 'latency'}): "
            f"appointments at the end: {statuses}; bot log at WARNING and above: "
            f"{problems or 'nothing'}." + (f" Failure: {run.failure}." if run.failure else "")
        )
    return lines


def method() -> str:
    return (
        "Every run uses a fresh database (migrated, the demo clinic seeded: six Chilean "
        "doctors, 16 half-hour slots a weekday each) and the Bot API stand-in in the "
        "benchmark's process (flood limits off); the bot runs as separate processes "
        "(`python -m bot run`, and `python -m bot worker` as the second on PostgreSQL) with "
        f"their defaults: `PROCESSING_INTERVAL={INTERVAL:g}`, `TELEGRAM_MAX_RATE="
        f"{TELEGRAM_RATE:g}`, a round claims up to 50 jobs and runs 8 at once. Bookings are "
        "made in this process through `domain.usecases.booking.book` (the bot's `build_deps`, "
        "system clock), one patient per doctor (a stand-in chat each) taking that doctor's "
        "free times from tomorrow on.\n\n"
        f"*Throughput*: {BOOKINGS:,} bookings from {CONCURRENCY} asyncio tasks (a pool of "
        f"{CONCURRENCY}; the first {WARMUP} untimed) while no bot process runs, so the "
        "booking rate is the use case's alone; their jobs are then parked a day ahead, the "
        "bot processes are started, and once they poll every job is made due in one "
        "`UPDATE`. Booking and processing are timed apart so that neither slows the other "
        "and a process's start-up is not counted: on SQLite they would take turns on the one "
        "write lock, and the target compares what each can do (the latency runs below book "
        "while the bot works). *Processed/s* counts the bookings that reached `assigned` "
        "over the time between the first and the last (`at` of their status-history rows, "
        "written by the workers); *due to all assigned* is polled every "
        f"{POLL * 1000:.0f} ms. *Bot CPU* (all bot processes), *PostgreSQL* and *other CPU* "
        "(everything else on the machine) are shares of one core over the drain; *other CPU "
        "while booking* is the same over the booking. *CPU per booking made* is this "
        "process's CPU time over the timed bookings divided by their number; *processed* is "
        "the bot processes' user plus system time (from /proc) over the drain divided by "
        f"the bookings processed, which includes the outbox sender's work meanwhile (at most "
        f"{TELEGRAM_RATE:g} messages/s). Their ratio is what the rates' ratio would be if "
        "both sides were CPU-bound with a core each, so it carries between machines and "
        "loads better than the rates.\n\n"
        f"*Latency*: `book` is called at {LATENCY_RATE:g}/s on a fixed schedule (each call "
        f"its own task) for {LATENCY_SECONDS:g} s while `medbot run` runs; each booking's "
        "latency is from the call's return to the poll (every "
        f"{LATENCY_POLL * 1000:.0f} ms, a read of the new `assigned` status-history rows) "
        "that first saw it assigned, so at most one poll late. *By the worker's clock* is to "
        "the `at` the worker wrote on that row, which `process` takes before its unit of "
        "work begins (on SQLite, before waiting for the write turn), so a lower bound; both "
        "clocks are this machine's. Percentiles are over the bookings seen assigned within "
        f"{SETTLE_TIMEOUT:g} s of the last call; *not assigned* counts the others. On "
        "SQLite the benchmark's bookings come from a second process, so they and the bot's "
        "processing wait for each other's write lock across processes (the `book` column "
        "shows it); in production on SQLite the bookings come through the bot's own process, "
        "where writers queue fairly on one lock.\n\n"
        f"*Idle*: {WAITING_JOBS:,} Peruvian bookings `pending` (their jobs queued, due at "
        "their answer deadlines, 10 minutes to 2 hours ahead; half offered to the doctor, "
        "half to the admins) inserted directly, then, as a queue that has run for a while "
        f"holds, {DONE_JOBS:,} past Chilean bookings whose jobs are `done`; PostgreSQL is "
        "`ANALYZE`d after each load, as autovacuum would soon after. `Processor.tick` runs in "
        "this process with nothing due: the statements counted with a `before_cursor_execute` "
        f"listener over {IDLE_WARMUP} rounds, the pool's pre-pings (PostgreSQL's "
        "`pool_pre_ping`, a round trip that event does not see) counted beside them, the "
        f"round timed {IDLE_TICKS:,} times after {IDLE_WARMUP} warm-up rounds, and the plan "
        "of the statement it sent (`EXPLAIN QUERY PLAN`; on PostgreSQL `EXPLAIN ANALYZE`, "
        "with the rows each node returned). Then a `medbot worker` runs "
        f"{WORKER_IDLE_SECONDS:g} s on that database with nothing to do: its CPU share "
        "includes the outbox sender's idle rounds (one a second) and the processor's (five a "
        "second)."
    )


def section(results: Results, info: list[tuple[str, str]], load: float, took: float) -> list[str]:
    warning = busy_warning(load)
    return [
        "## Processing",
        "",
        (
            "Measured by `bench/processing.py`: reproduce with `.venv/bin/python "
            f"bench/processing.py` from the repository root (it took {took / 60:.1f} min here; "
            "PostgreSQL at 127.0.0.1:5432, user postgres, or `MEDBOT_BENCH_POSTGRES_URL`)."
        ),
        "",
        *machine_table(info),
        *(["", warning] if warning else []),
        "",
        *targets(results),
        "",
        *throughput_table(results),
        "",
        *latency_table(results),
        "",
        *idle_table(results),
        "",
        *idle_notes(results),
        "",
        method(),
        "",
        *notes(results),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only",
        choices=("sqlite", "postgresql"),
        help="one database only; leaves docs/performance.md alone",
    )
    args = parser.parse_args()
    args.profile = None  # Start.now reads it; this benchmark has no profiling mode
    start = Start.now(args)
    pg = asyncio.run(postgres_version())
    backends = ["sqlite", *(["postgresql"] if pg is not None else [])]
    if args.only:
        backends = [b for b in backends if b == args.only]
    started = time.perf_counter()
    try:
        results = asyncio.run(run_all(backends))
    except TimeoutError:
        raise SystemExit(f"gave up after {BUDGET_SECONDS:.0f} s; nothing was written") from None
    took = time.perf_counter() - started
    print_blocks(
        targets(results),
        throughput_table(results),
        latency_table(results),
        idle_table(results),
        idle_notes(results),
        notes(results),
    )
    print(f"\nthe benchmark took {took:.0f} s")
    if args.only:
        return
    info = start.machine()
    info[5:5] = [("SQLite", sqlite3.sqlite_version), ("PostgreSQL", pg or "not reachable")]
    write_section("processing", section(results, info, start.load, took))


if __name__ == "__main__":
    main()
