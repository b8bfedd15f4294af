"""Booking benchmark: bookings per second against the database's own insert rate,
and the latency of the free-slot query, on SQLite and PostgreSQL side by side.

Run from the repository root with ``make bench`` (that is,
``.venv/bin/python bench/booking.py``). SQLite runs on a temporary file;
PostgreSQL on a fresh database created on the local server (or at
``MEDBOT_BENCH_POSTGRES_URL``) and dropped at the end. The results are printed
as a table and ``docs/performance.md`` is rewritten with them (its header and
Booking section; sections other benchmarks keep between ``<!-- bench:NAME -->``
markers are carried over as they are). ``--profile DIR`` cProfiles the timed
parts instead and leaves the report alone.

What is measured, per database, in the same run:

1. bookings/s: the real ``domain.usecases.booking.book`` use case, one
   ``SqlUnitOfWork`` per call, 50 asyncio tasks booking distinct free slots
   for distinct patients;
2. raw inserts/s: the same appointment row plus its status-history row,
   inserted with SQLAlchemy Core in one ``engine.begin()`` transaction each, by
   50 tasks on the same engine: the limit of that database, driver and pool;
3. their ratio (target: at least 0.5);
4. the p50 and p99 latency of the free-slot lookup the bot runs when a patient picks
   a doctor (``open_slots``, imported in one line below), for one doctor
   over 30 days with 100,000 appointments in the table (target: p99 at most 10 ms).

All people and names are synthetic.
"""

from __future__ import annotations

import asyncio
import cProfile
import gc
import pstats
import random
import re
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall_time
from functools import partial
from pathlib import Path
from typing import Any

from harness import (
    REPORT,
    Start,
    arguments,
    busy_warning,
    fresh_database,
    machine_table,
    postgres_version,
    print_blocks,
    verdict,
    write_section,
)
from sqlalchemy import Table, TableClause, column, event, func, insert, select, text
from sqlalchemy import table as sql_table
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import build_deps
from domain.actors import Actor, Role
from domain.availability import Slot, free_slots
from domain.countries import get_country
from domain.entities import Doctor, Specialty, new_reference
from domain.ports import Deps

# The free-slot lookup the bot runs (bot/handlers/calendar.py): follow it in this one line.
from domain.queries import SlotQuery, open_slots
from domain.schedule import TimeRange, weekdays_plan
from domain.status import Status
from domain.usecases.booking import BookCommand, book
from storage.crypto.binding import keyring_of
from storage.crypto.keyring import KeyRing, new_key
from storage.directory_cache import DirectoryCache
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.tables import appointment_status_changes, appointments, metadata, patients
from storage.types import Encrypted, EncryptedJSON
from storage.unit_of_work import SqlUnitOfWork

ROOT = Path(__file__).resolve().parent.parent

CONCURRENCY = 50
#: Every doctor works 09:00-18:00 Lima time with a lunch hour: 16 slots a day.
SLOTS_PER_DAY = 16
BOOKING_DOCTORS = 125  # 125 doctors x 16 slots = 2,000 distinct slots a day
PER_ROUND = BOOKING_DOCTORS * SLOTS_PER_DAY
#: Monday 4 May 2026, 08:00 in Lima: one day before the first booked slots.
NOW = datetime(2026, 5, 4, 13, 0, tzinfo=UTC)
#: (booking day, raw-insert day) per round; the order alternates between rounds.
ROUNDS = ((date(2026, 5, 5), date(2026, 5, 6)), (date(2026, 5, 7), date(2026, 5, 8)))
WARMUP_DAYS = (date(2026, 5, 11), date(2026, 5, 12))
WARMUP_OPS = 100

BULK_APPOINTMENTS = 100_000
BULK_DOCTORS = 100  # 1,000 appointments each: past history plus half the next 60 days
BULK_PAST_DAYS = 365
FIRST_DAY = date(2026, 5, 5)
WINDOW_DAYS = 30
LATENCY_WARMUP = 30
LATENCY_RUNS = 300

RATIO_TARGET = 0.5
P99_TARGET_MS = 10.0
#: The whole run is cancelled (and cleaned up) past this many seconds.
BUDGET_SECONDS = 300


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now


CLOCK = FixedClock(NOW)
FREE_SLOTS_NAME = f"{open_slots.__module__}.{open_slots.__name__}"
#: The notifications outbox, where the schema has one: a booking writes to it too.
NOTIFICATIONS = metadata.tables.get("notifications")
#: The processing queue and the audit trail, where the schema has them: a booking
#: writes its job and an audit entry in the same transaction.
JOBS = metadata.tables.get("processing_jobs")
AUDIT = metadata.tables.get("audit_log")
PERU = get_country("PE")


@dataclass
class Result:
    database: str
    version: str
    bookings_per_s: float = 0.0
    raw_per_s: float = 0.0
    statements_per_booking: float = 0.0
    statements_per_raw: float = 0.0
    booking_p50_ms: float = 0.0
    booking_p99_ms: float = 0.0
    booking_max_ms: float = 0.0
    outbox_rows: int = 0
    other_rows: int = 0  # the processing job and the audit entry
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    load_s: float = 0.0
    total_appointments: int = 0
    window_booked: int = 0
    window_free: int = 0
    plan: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.bookings_per_s / self.raw_per_s if self.raw_per_s else 0.0

    @property
    def ratio_ok(self) -> bool:
        return self.ratio >= RATIO_TARGET

    @property
    def p99_ok(self) -> bool:
        return self.p99_ms <= P99_TARGET_MS


# --------------------------------------------------------------------------- databases


@asynccontextmanager
async def bench_engine(url: str) -> AsyncIterator[AsyncEngine]:
    await upgrade(url)
    # Encryption at rest is on, as in the bot: a fresh data key for the run.
    engine = create_engine(
        url, pool_size=CONCURRENCY, max_overflow=10, keyring=KeyRing.parse(new_key())
    )
    try:
        yield engine
    finally:
        await engine.dispose()


async def warm_pool(engine: AsyncEngine) -> None:
    """Open every pooled connection up front so no timed operation pays for a connect."""
    connections = [await engine.connect() for _ in range(CONCURRENCY)]
    try:
        for conn in connections:
            await conn.execute(text("SELECT 1"))
            await conn.rollback()
    finally:
        for conn in connections:
            await conn.close()


# --------------------------------------------------------------------------- fixtures


def work_plan_doctor(n: int, specialty_id: int) -> Doctor:
    plan = weekdays_plan(wall_time(9), wall_time(18), TimeRange(wall_time(13), wall_time(14)))
    return Doctor(None, f"Dr. Bench {n:04d}", "PE", (specialty_id,), plan)


async def add_doctors(engine: AsyncEngine, specialty_id: int, count: int, first: int) -> list[int]:
    async with SqlUnitOfWork(engine) as uow:
        ids = [
            (await uow.doctors.add(work_plan_doctor(first + n, specialty_id))).id or 0
            for n in range(count)
        ]
        await uow.commit()
    return ids


async def add_specialty(engine: AsyncEngine) -> int:
    async with SqlUnitOfWork(engine) as uow:
        specialty = await uow.specialties.add(
            Specialty(None, "bench", "Especialidad de prueba", "Benchmark specialty")
        )
        await uow.commit()
    return specialty.id or 0


async def add_patients(engine: AsyncEngine, count: int) -> list[int]:
    ring = keyring_of(engine.dialect)
    rows = [
        {
            "telegram_user_id": 9_000_000_000 + n,
            "full_name": f"Bench Patient {n:05d}",
            "national_id": f"{n:08d}",
            "national_id_index": ring.index(f"{n:08d}"),
            "phone": "+51900000000",
            "language": "es",
            "country": "PE",
            "privacy_accepted_at": NOW,
        }
        for n in range(count)
    ]
    async with engine.begin() as conn:
        result = await conn.execute(
            insert(patients).returning(patients.c.id, sort_by_parameter_order=True), rows
        )
        return list(result.scalars())


def slots_between(doctor: Doctor, first: date, last: date) -> list[Slot]:
    """Every bookable slot of ``doctor`` on ``first``..``last``, by the domain's own rules."""
    found: list[Slot] = []
    chunk = first
    while chunk <= last:
        chunk_last = min(last, chunk + timedelta(days=45))
        now = datetime.combine(chunk - timedelta(days=1), wall_time(), UTC)
        found.extend(free_slots(doctor, PERU, chunk, chunk_last, busy=[], now=now))
        chunk = chunk_last + timedelta(days=1)
    return found


def appointment_row(
    patient_id: int, doctor_id: int, specialty_id: int, slot: Slot, status: Status
) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "reference": new_reference(),
        "patient_id": patient_id,
        "doctor_id": doctor_id,
        "specialty_id": specialty_id,
        "country": "PE",
        "starts_at": slot.start,
        "ends_at": slot.end,
        "status": status.value,
    }


# --------------------------------------------------------------------------- operations


async def book_one(engine: AsyncEngine, patient_id: int, command: BookCommand) -> None:
    await book(build_deps(engine, CLOCK), Actor(Role.PATIENT, patient_id), command)


def plain(source: Table) -> TableClause:
    """``source`` with its encrypted columns as plain ones, for the raw inserts."""
    return sql_table(
        source.name,
        *(
            column(c.name, c.type.impl if isinstance(c.type, Encrypted | EncryptedJSON) else c.type)
            for c in source.c
            if c.name != "id"
        ),
    )


PLAIN_CHANGES = plain(appointment_status_changes)
PLAIN_NOTIFICATIONS = None if NOTIFICATIONS is None else plain(NOTIFICATIONS)


async def raw_insert_one(
    engine: AsyncEngine,
    patient_id: int,
    doctor_id: int,
    specialty_id: int,
    slot: Slot,
    *,
    outbox: list[dict[str, Any]],
    also: dict[Table, list[dict[str, Any]]] | None = None,
) -> None:
    """What a booking writes, and nothing else: the appointment, its history row and
    copies of the outbox rows, the processing job and the audit entry a booking wrote in
    the warm-up (none where the schema has no such table). The encrypted columns (the
    history's reason, the outbox's parameters) are written plain: this is the
    database's limit, without the encryption a booking pays for."""
    row = appointment_row(patient_id, doctor_id, specialty_id, slot, Status.REGISTERED)
    async with engine.begin() as conn:
        await conn.execute(insert(appointments).values(**row))
        await conn.execute(
            insert(PLAIN_CHANGES),
            [
                {
                    "appointment_id": row["id"],
                    "at": NOW,
                    "from_status": None,
                    "to_status": Status.REGISTERED.value,
                    "actor": f"patient:{patient_id}",
                    "reason": "",
                }
            ],
        )
        if outbox and PLAIN_NOTIFICATIONS is not None:
            await conn.execute(
                insert(PLAIN_NOTIFICATIONS),
                [
                    {**n, "appointment_id": row["id"], "dedupe_key": f"bench:{row['id']}:{i}"}
                    for i, n in enumerate(outbox)
                ],
            )
        for table, rows in (also or {}).items():
            await conn.execute(insert(table), [_about(table, r, row["id"]) for r in rows])


def _about(table: Table, copied: dict[str, Any], appointment_id: uuid.UUID) -> dict[str, Any]:
    """A copied row of ``table`` pointed at a new appointment."""
    if table is AUDIT:
        return {**copied, "record_id": str(appointment_id)}
    return {**copied, "appointment_id": appointment_id}


async def job_and_audit_of_a_booking(engine: AsyncEngine) -> dict[Table, list[dict[str, Any]]]:
    """The processing job and the audit entries the first stored booking wrote, without
    their ids; tables the schema lacks are left out."""
    found: dict[Table, list[dict[str, Any]]] = {}
    async with engine.connect() as conn:
        booked = (await conn.execute(select(appointments.c.id).limit(1))).scalar_one()
        if JOBS is not None:
            rows = await conn.execute(select(JOBS).where(JOBS.c.appointment_id == booked))
            found[JOBS] = [{k: v for k, v in r._mapping.items() if k != "id"} for r in rows]
        if AUDIT is not None:
            query = select(AUDIT).where(AUDIT.c.record_id == str(booked))
            rows = await conn.execute(query)
            found[AUDIT] = [{k: v for k, v in r._mapping.items() if k != "id"} for r in rows]
    return found


async def outbox_of_a_booking(engine: AsyncEngine) -> list[dict[str, Any]]:
    """The outbox rows the first stored booking wrote, without their ids."""
    if NOTIFICATIONS is None:
        return []
    async with engine.connect() as conn:
        booked = (await conn.execute(select(appointments.c.id).limit(1))).scalar_one()
        rows = await conn.execute(
            select(NOTIFICATIONS).where(NOTIFICATIONS.c.appointment_id == booked)
        )
        return [{k: v for k, v in r._mapping.items() if k != "id"} for r in rows]


Job = Callable[[], Awaitable[None]]


def percentile_99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[98]


async def run_concurrently(jobs: list[Job], latencies: list[float] | None = None) -> float:
    """Run ``jobs`` on ``CONCURRENCY`` tasks; return the elapsed seconds.

    Each job's own duration, in milliseconds, is appended to ``latencies`` if given.
    """
    pending: Iterator[Job] = iter(jobs)
    durations = latencies if latencies is not None else []

    async def worker() -> None:
        for job in pending:
            begin = time.perf_counter()
            await job()
            durations.append((time.perf_counter() - begin) * 1000)

    start = time.perf_counter()
    async with asyncio.TaskGroup() as group:
        for _ in range(CONCURRENCY):
            group.create_task(worker())
    return time.perf_counter() - start


@dataclass
class BookingSetup:
    specialty: int
    doctors: list[int]
    patients: list[int]
    day_slots: dict[date, list[Slot]]
    outbox: list[dict[str, Any]] = field(default_factory=list)
    also: dict[Table, list[dict[str, Any]]] = field(default_factory=dict)

    def bookings(self, engine: AsyncEngine, day: date, patients: list[int]) -> list[Job]:
        pairs = [(d, s) for d in self.doctors for s in self.day_slots[day]]
        return [
            partial(book_one, engine, p, BookCommand(d, self.specialty, s.start))
            for p, (d, s) in zip(patients, pairs[: len(patients)], strict=True)
        ]

    def raw_inserts(self, engine: AsyncEngine, day: date, patients: list[int]) -> list[Job]:
        pairs = [(d, s) for d in self.doctors for s in self.day_slots[day]]
        return [
            partial(
                raw_insert_one, engine, p, d, self.specialty, s, outbox=self.outbox, also=self.also
            )
            for p, (d, s) in zip(patients, pairs[: len(patients)], strict=True)
        ]


class Profiled:
    """cProfiles the timed sections of one measurement when asked to, else does nothing."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.profile = cProfile.Profile() if path else None

    @contextmanager
    def timed(self) -> Iterator[None]:
        gc.collect()  # no timed section pays for the garbage of the set-up before it
        if self.profile:
            self.profile.enable()
        try:
            yield
        finally:
            if self.profile:
                self.profile.disable()

    def save(self) -> None:
        if self.profile and self.path:
            self.profile.dump_stats(self.path)


class StatementCounter:
    """Counts the statements SQLAlchemy sends to the driver while attached."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.count = 0

    def __enter__(self) -> StatementCounter:
        event.listen(self.engine.sync_engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self.engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: object) -> None:
        self.count += 1


async def measure_writes(engine: AsyncEngine, result: Result, profiled: Profiled) -> None:
    specialty = await add_specialty(engine)
    doctors = await add_doctors(engine, specialty, BOOKING_DOCTORS, first=0)
    patient_ids = await add_patients(engine, PER_ROUND * len(ROUNDS))
    template = work_plan_doctor(0, specialty)
    days = [d for pair in ROUNDS for d in pair] + list(WARMUP_DAYS)
    setup = BookingSetup(
        specialty,
        doctors,
        patient_ids,
        {day: slots_between(template, day, day) for day in days},
    )
    if any(len(slots) != SLOTS_PER_DAY for slots in setup.day_slots.values()):
        raise RuntimeError("a benchmark day does not have the expected 16 slots")
    await warm_pool(engine)

    # Warm-up: compile and cache every statement of both paths, and count them.
    warm_patients = patient_ids[:WARMUP_OPS]
    with StatementCounter(engine) as counter:
        await run_concurrently(setup.bookings(engine, WARMUP_DAYS[0], warm_patients))
    result.statements_per_booking = counter.count / WARMUP_OPS
    setup.outbox = await outbox_of_a_booking(engine)
    result.outbox_rows = len(setup.outbox)
    setup.also = await job_and_audit_of_a_booking(engine)
    result.other_rows = sum(len(rows) for rows in setup.also.values())
    with StatementCounter(engine) as counter:
        await run_concurrently(setup.raw_inserts(engine, WARMUP_DAYS[1], warm_patients))
    result.statements_per_raw = counter.count / WARMUP_OPS

    booking_seconds = raw_seconds = 0.0
    latencies: list[float] = []
    for n, (booking_day, raw_day) in enumerate(ROUNDS):
        round_patients = patient_ids[n * PER_ROUND : (n + 1) * PER_ROUND]
        bookings = setup.bookings(engine, booking_day, round_patients)
        raw = setup.raw_inserts(engine, raw_day, round_patients)
        for kind in ("raw", "book") if n % 2 == 0 else ("book", "raw"):
            if kind == "raw":
                gc.collect()
                raw_seconds += await run_concurrently(raw)
                continue
            with profiled.timed():
                booking_seconds += await run_concurrently(bookings, latencies)
    profiled.save()

    total = PER_ROUND * len(ROUNDS)
    result.bookings_per_s = total / booking_seconds
    result.raw_per_s = total / raw_seconds
    result.booking_p50_ms = statistics.median(latencies)
    result.booking_p99_ms = percentile_99(latencies)
    result.booking_max_ms = max(latencies)
    async with engine.connect() as conn:
        stored = (await conn.execute(select(func.count()).select_from(appointments))).scalar_one()
    expected = 2 * (total + WARMUP_OPS)
    if stored != expected:
        raise RuntimeError(f"expected {expected} appointments after the write tests, not {stored}")


# --------------------------------------------------------------------------- free slots


async def bulk_load(engine: AsyncEngine, specialty: int, patient_ids: list[int]) -> list[int]:
    """100,000 appointments over 100 doctors: a year of history and half the next 60 days."""
    rng = random.Random(20260504)
    doctor_ids = await add_doctors(engine, specialty, BULK_DOCTORS, first=1000)
    template = work_plan_doctor(0, specialty)
    past = slots_between(template, FIRST_DAY - timedelta(days=BULK_PAST_DAYS), FIRST_DAY)
    past = [s for s in past if s.start < NOW]
    future = slots_between(template, FIRST_DAY, FIRST_DAY + timedelta(days=59))
    per_doctor = BULK_APPOINTMENTS // BULK_DOCTORS
    future_count = len(future) // 2
    active = (Status.REGISTERED, Status.PENDING, Status.ASSIGNED)
    done = (Status.COMPLETED,) * 16 + (Status.NO_SHOW,) + (Status.CANCELLED,) * 3
    rows: list[dict[str, Any]] = []
    for doctor_id in doctor_ids:
        for slot in rng.sample(future, future_count):
            status = rng.choice(active)
            rows.append(
                appointment_row(rng.choice(patient_ids), doctor_id, specialty, slot, status)
            )
        for slot in rng.sample(past, per_doctor - future_count):
            status = rng.choice(done)
            rows.append(
                appointment_row(rng.choice(patient_ids), doctor_id, specialty, slot, status)
            )
    rng.shuffle(rows)  # arrival order, not doctor by doctor
    async with engine.begin() as conn:
        for start in range(0, len(rows), 10_000):
            await conn.execute(insert(appointments), rows[start : start + 10_000])
    return doctor_ids


async def free_slot_lookup(
    engine: AsyncEngine, directory: DirectoryCache, specialty_id: int, doctor_id: int
) -> int:
    """What the bot does when a patient picks a doctor: that doctor's free slots over
    ``WINDOW_DAYS`` days, through a read-only unit of work with the directory cache."""
    last_day = FIRST_DAY + timedelta(days=WINDOW_DAYS - 1)
    query = SlotQuery(PERU.code, specialty_id, doctor_id, FIRST_DAY, last_day)
    deps = Deps(
        lambda read_only=False: SqlUnitOfWork(engine, read_only=read_only, directory=directory),
        CLOCK,
    )
    return len(await open_slots(deps, query))


async def explain_free_slot_query(
    engine: AsyncEngine, specialty_id: int, doctor_id: int
) -> list[str]:
    """The plan the database picks for the appointments range query of the free-slot lookup."""
    captured: list[tuple[str, Any]] = []

    def capture(
        _conn: object, _cursor: object, statement: str, parameters: Any, *_: object
    ) -> None:
        if "FROM appointments" in statement and "appointments.starts_at <" in statement:
            captured.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        await free_slot_lookup(engine, DirectoryCache(), specialty_id, doctor_id)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", capture)
    if not captured:
        return ["(query not captured)"]
    statement, parameters = captured[0]
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    async with engine.connect() as conn:
        rows = (await conn.exec_driver_sql(prefix + statement, parameters)).all()
    lines = [str(row[-1]) for row in rows]
    # Keep the access path (scans and searches), without costs and literal bounds.
    return [
        re.sub(r"\s+\(cost=.*", "", line).strip(" ->")
        for line in lines
        if "Scan" in line or line.startswith(("SEARCH", "SCAN"))
    ] or lines


async def measure_free_slots(engine: AsyncEngine, result: Result, profiled: Profiled) -> None:
    async with engine.connect() as conn:
        specialty = (await conn.execute(text("SELECT min(id) FROM specialties"))).scalar_one()
        patient_ids = list((await conn.execute(select(patients.c.id))).scalars())
    start = time.perf_counter()
    doctor_ids = await bulk_load(engine, specialty, patient_ids)
    if engine.dialect.name == "postgresql":
        async with engine.connect() as conn:  # what autovacuum does soon after such a load
            await conn.execute(text("ANALYZE"))
            await conn.commit()
    result.load_s = time.perf_counter() - start

    doctor_id = doctor_ids[len(doctor_ids) // 2]
    last_day = FIRST_DAY + timedelta(days=WINDOW_DAYS - 1)
    window_start = datetime.combine(FIRST_DAY, wall_time(), PERU.timezone)
    window_end = datetime.combine(last_day + timedelta(days=1), wall_time(), PERU.timezone)
    async with engine.connect() as conn:
        result.total_appointments = (
            await conn.execute(select(func.count()).select_from(appointments))
        ).scalar_one()
        result.window_booked = (
            await conn.execute(
                select(func.count())
                .select_from(appointments)
                .where(
                    appointments.c.doctor_id == doctor_id,
                    appointments.c.starts_at >= window_start,
                    appointments.c.starts_at < window_end,
                )
            )
        ).scalar_one()

    directory = DirectoryCache()  # one for the whole run, as the bot keeps one

    async def one() -> float:
        begin = time.perf_counter()
        result.window_free = await free_slot_lookup(engine, directory, specialty, doctor_id)
        return time.perf_counter() - begin

    for _ in range(LATENCY_WARMUP):
        await one()
    with profiled.timed():
        timings = [await one() * 1000 for _ in range(LATENCY_RUNS)]
    profiled.save()
    result.p50_ms = statistics.median(timings)
    result.p99_ms = percentile_99(timings)
    result.plan = await explain_free_slot_query(engine, specialty, doctor_id)


# --------------------------------------------------------------------------- running


def profile_path(directory: Path | None, what: str, database: str) -> Path | None:
    return directory / f"{what}-{database.lower()}.prof" if directory else None


async def bench(url: str, name: str, version: str, profile_dir: Path | None) -> Result:
    result = Result(name, version)
    async with bench_engine(url) as engine:
        print(f"{name}: bookings and raw inserts, {CONCURRENCY} concurrent ...", flush=True)
        await measure_writes(engine, result, Profiled(profile_path(profile_dir, "bookings", name)))
        print(f"{name}: loading {BULK_APPOINTMENTS:,} appointments, timing free slots ...")
        profiled = Profiled(profile_path(profile_dir, "free-slots", name))
        await measure_free_slots(engine, result, profiled)
    return result


async def run_all(profile_dir: Path | None) -> list[Result]:
    results: list[Result] = []
    async with asyncio.timeout(BUDGET_SECONDS):
        with tempfile.TemporaryDirectory(prefix="medbot-bench-") as directory:
            async with fresh_database("sqlite", Path(directory)) as url:
                results.append(await bench(url, "SQLite", sqlite3.sqlite_version, profile_dir))
        if (version := await postgres_version()) is not None:
            async with fresh_database("postgresql", Path()) as url:
                results.append(await bench(url, "PostgreSQL", version, profile_dir))
    return results


# --------------------------------------------------------------------------- report


HEADER = (
    "| database | bookings/s (50 concurrent) | raw inserts/s | ratio | target ≥ 0.5 "
    "| free slots p50 | p99 | target ≤ 10 ms |"
)
RULE = "|---|---:|---:|---:|:---:|---:|---:|:---:|"


def table(results: list[Result]) -> list[str]:
    lines = [HEADER, RULE]
    lines.extend(
        f"| {r.database} {r.version} | {r.bookings_per_s:,.0f} | {r.raw_per_s:,.0f} "
        f"| {r.ratio:.2f} | {verdict(r.ratio_ok)} | {r.p50_ms:.2f} ms | {r.p99_ms:.2f} ms "
        f"| {verdict(r.p99_ok)} |"
        for r in results
    )
    return lines


def findings(results: list[Result]) -> list[str]:
    lines: list[str] = []
    for r in results:
        missed = [
            name
            for name, ok in (("the ratio target", r.ratio_ok), ("the p99 target", r.p99_ok))
            if not ok
        ]
        lines.append(
            f"- **{r.database}**: both write an appointment, its history row, "
            f"{r.outbox_rows} outbox rows and {r.other_rows} more (its processing job and "
            "audit entry); a booking executes "
            f"{r.statements_per_booking:.0f} statements on its connection, a raw insert "
            f"{r.statements_per_raw:.0f} (cursor executions: "
            "SQLite's BEGIN IMMEDIATE is one, PostgreSQL's BEGIN and COMMIT are not); one "
            "booking took "
            f"{r.booking_p50_ms:.0f} ms at p50, {r.booking_p99_ms:.0f} ms at p99 and "
            f"{r.booking_max_ms:.0f} ms at worst under this load. "
            f"Free slots: {r.total_appointments:,} appointments in the table "
            f"(bulk load {r.load_s:.1f} s); the measured doctor has {r.window_booked} "
            f"appointments in the 30 days and {r.window_free} free slots. "
            + (f"Missed: {', '.join(missed)}." if missed else "All targets met.")
        )
        lines.append(f"  Plan of the range query: `{' / '.join(r.plan)}`")
    return lines


def write_report(results: list[Result], skipped: bool, start: Start) -> None:
    info = start.machine()
    info[5:5] = [(r.database, r.version) for r in results]
    if skipped:
        info.insert(5, ("PostgreSQL", "not reachable: skipped"))
    warning = busy_warning(start.load)
    lines = [
        "## Booking",
        "",
        (
            "Measured by `bench/booking.py`: reproduce with `.venv/bin/python bench/booking.py` "
            "from the repository root."
        ),
        "",
        *machine_table(info),
        "",
        *table(results),
        "",
        (
            "Encryption at rest is on (`docs/encryption.md`): bookings write the status "
            "history's reason encrypted and read patients decrypted. "
            "*Bookings/s* runs the real `domain.usecases.booking.book` use case, "
            f"one unit of work per call, from {CONCURRENCY} asyncio tasks on one engine "
            f"(pool of {CONCURRENCY}), "
            f"{PER_ROUND * len(ROUNDS):,} bookings of distinct free slots ({BOOKING_DOCTORS} "
            "doctors x 16 slots a day) by distinct patients. *Raw inserts/s* is the limit of "
            "the same database, driver and engine: the rows a booking writes (the appointment, "
            "its status-history row and copies of the outbox rows, the processing job and the "
            "audit entry a warm-up booking wrote), "
            "with nothing encrypted, inserted with SQLAlchemy Core, each set in its own "
            "`engine.begin()` transaction, "
            "from the same number of tasks. Both run after a warm-up, in alternating "
            f"order over two rounds. *Free slots* is `{FREE_SLOTS_NAME}`, the lookup the bot "
            "runs when a patient picks a doctor (a read-only unit of work with the bot's "
            "directory cache, one for the run), for one doctor over "
            f"{WINDOW_DAYS} days, timed {LATENCY_RUNS} times after {LATENCY_WARMUP} warm-up calls, "
            f"with {BULK_APPOINTMENTS:,} appointments bulk-loaded over {BULK_DOCTORS} doctors "
            "(a year of past appointments, mostly completed, and half of every doctor's next "
            "60 days booked; no status-history rows for these). PostgreSQL is `ANALYZE`d after "
            "the load, as autovacuum would; SQLite is left as the application leaves it. "
            "SQLite runs on a temporary file, PostgreSQL on a fresh database, both dropped "
            "afterwards."
        ),
        "",
        *findings(results),
        *(["", warning] if warning else []),
    ]
    write_section("booking", lines)


def main() -> None:
    parser = arguments(
        __doc__,
        "cProfile the timed calls into DIR/*.prof, print the top functions",
    )
    args = parser.parse_args()
    start = Start.now(args)  # the modules measured are the ones imported now
    try:
        results = asyncio.run(run_all(args.profile))
    except TimeoutError:
        raise SystemExit(f"gave up after {BUDGET_SECONDS} s; nothing was written") from None
    print_blocks(table(results), findings(results))
    if not args.profile:
        skipped = not any(r.database == "PostgreSQL" for r in results)
        write_report(results, skipped, start)
        return
    print(f"\nprofiled run: figures are inflated by cProfile and {REPORT.name} is left as it was")
    for r in results:
        for what in ("bookings", "free-slots"):
            path = profile_path(args.profile, what, r.database)
            print(f"\n--- {r.database}, {what}: {path} ---")
            pstats.Stats(str(path)).sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    main()
