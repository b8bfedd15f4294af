"""Conversation benchmark: the real bot, in its own process, talking to simulated patients.

Run from the repository root with ``.venv/bin/python bench/conversations.py`` (a few
minutes on two cores). It rewrites only its own section of ``docs/performance.md``,
between ``<!-- bench:conversations -->`` and ``<!-- /bench:conversations -->``.

Set-up, for every run: a fresh SQLite database in a temporary directory (migrated,
demo clinic seeded), the local Bot API stand-in in this process (flood limits off,
127.0.0.1, a free port) and ``python -m bot run`` as a separate process polling it,
with the bot's own rate limiter off (``TELEGRAM_MAX_RATE=0``). The bot is stopped
with SIGTERM at the end of the run and must exit 0 within 10 s.

Each simulated patient registers (/start, accepts the privacy notice, types a
synthetic name, taps Perú, types a distinct DNI, shares a Peruvian mobile number)
and then books (/book, specialty, doctor, maybe the next week, a day, a time,
Confirmar). Patients are spread over the six Peruvian doctors, two weeks, the days
and the times, so that most bookings succeed; a lost race ("alguien acaba de
reservar esa hora", or a time that vanished before the tap) is counted and the
patient picks another time. Every action waits for the bot's answer (30 s at most).

Measured:

1. closed loop, 100 and then 500 patients at once: updates/s (patient actions over
   the wall time of the run) and the latency from each action to the bot's answer;
2. open loop at 100 updates/s offered: 200 patients, staggered, each acting every
   2 s whatever the answer times (an action waits only for the previous answer);
3. the bot process's memory: VmHWM from /proc at the end of each run, and VmRSS
   sampled every 0.2 s;
4. the bot's CPU per update against a floor measured in the same run: a bare
   python-telegram-bot bot (``bench/bare_bot.py``: the bot's transport and polling,
   one message in answer to every update) in a process of its own, driven by as many
   people at once as the first closed-loop run, each writing ``FLOOR_ACTIONS``
   messages and waiting for each answer. Both CPUs are the process's user plus system
   time from /proc over the run, divided by the updates sent (target: the bot's at
   most twice the bare bot's, on the first closed-loop run). Absolute rates differ
   about twice between machines; the ratio does much less.

The patients wait with the stand-in's ``Person.wait_for``. The CPU used by the bot,
by this process and by everything else on the machine is reported, so that one can
see which side limited a run and whether other work disturbed it.

Options: ``--quick`` runs a smoke test with a few patients; ``--profile DIR``
samples the bot's Python thread with py-spy (``.venv/bin/pip install py-spy``)
during each run and prints the functions that dominate (``--native`` adds C
frames). Both leave ``docs/performance.md`` alone. All names and numbers are
synthetic, and no message text is printed.
"""

from __future__ import annotations

import asyncio
import re
import socket
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from aiohttp import web
from harness import (
    REPORT,
    ROOT,
    BotProcess,
    SpySession,
    Start,
    arguments,
    busy_cpu_seconds,
    busy_warning,
    machine_table,
    print_blocks,
    proc_cpu_seconds,
    proc_status,
    verdict,
    write_section,
)

from bot.database import prepare_demo_database
from bot.sandbox.standin import BotApiStandIn, ChatMessage, Person

CLOSED_RUNS = (100, 500)
OPEN_PATIENTS = 200
OPEN_RATE = 100.0  # updates/s offered in the open-loop run
ANSWER_TIMEOUT = 30.0
START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
MAX_TRIES = 8  # times picked (or days) per patient before giving up
BUDGET_SECONDS = 900

TARGET_CPU_RATIO = 2.0  # the bot's CPU per update over the bare bot's, at most
TARGET_P95_MS = 150.0
TARGET_RSS_MIB = 150.0

#: The floor: a bare PTB bot answering every update with one message (``FLOOR_ANSWER``).
BARE_BOT = ROOT / "bench" / "bare_bot.py"
FLOOR_ANSWER = "^ok$"
FLOOR_ACTIONS = 25  # messages per person: enough CPU ticks (10 ms) to count

# What the bot says (Spanish), as regular expressions.
ASK_PRIVACY = "¿Aceptas"
ASK_NAME = "nombre completo"
ASK_COUNTRY = "¿En qué país"
ASK_DNI = "Escribe tu DNI"
ASK_PHONE = "comparte tu teléfono"
REGISTERED = "Ya estás registrado"
ASK_SPECIALTY = "Elige una especialidad"
ASK_DOCTOR = "Elige un médico"
ASK_DAY = "Elige un día"
ASK_TIME = "Elige una hora"
SUMMARY = "¿Confirmas"
BOOKED = "Cita registrada"
SLOT_TAKEN = "alguien acaba de reservar"
TIME_GONE = "ya no se puede reservar"
DAY_FULL = "Ya no quedan horas"
OVERLAP = "Ya tienes una cita"
AFTER_DAY = f"{ASK_TIME}|{DAY_FULL}"
AFTER_TIME = f"{SUMMARY}|{TIME_GONE}|{DAY_FULL}"
AFTER_CONFIRM = f"{BOOKED}|{SLOT_TAKEN}|{TIME_GONE}|{OVERLAP}|{DAY_FULL}"
NEXT_WEEK = "Semana siguiente »"
NAVIGATION = {"« Atrás", "Cancelar", "« Semana anterior", NEXT_WEEK, "El primero disponible"}
DAY_LABEL = re.compile(r"^\S+ \d{1,2}$")
TIME_LABEL = re.compile(r"^\d{2}:\d{2}$")
#: Every demo doctor works 09:00-18:00 with a lunch hour, in 30-minute slots.
WORKING_TIMES = [f"{h:02d}:{m:02d}" for h in (9, 10, 11, 12, 14, 15, 16, 17) for m in (0, 30)]

FIRST_NAMES = ("Alba", "Bruno", "Celia", "Darío", "Elsa", "Fermín", "Gala", "Hernán", "Inés")
LAST_NAMES = ("Prueba", "Ensayo", "Muestra", "Simulacro", "Modelo", "Ficticio", "Ejemplo")


# --------------------------------------------------------------------------- the people


@dataclass
class Tally:
    """What the patients of one run did and saw."""

    latencies: list[tuple[str, float]] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)
    actions: int = 0
    late: int = 0
    first_action: float | None = None
    last_action: float = 0.0


class Pacer:
    """Open loop: patient ``n``'s ``k``-th action is due at ``start + n/rate + k*period``."""

    def __init__(self, patients: int, rate: float) -> None:
        self.spacing = 1.0 / rate
        self.period = patients / rate
        self.start = 0.0

    async def turn(self, patient: int, action: int, tally: Tally) -> None:
        due = self.start + patient * self.spacing + action * self.period
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        elif delay < -0.005:
            tally.late += 1


class NoAnswer(Exception):
    """The bot did not answer an action in time."""

    def __init__(self, step: str) -> None:
        super().__init__(step)
        self.step = step


def choices(message: ChatMessage) -> list[str]:
    return [label for label in message.buttons() if label not in NAVIGATION]


class Patient:
    def __init__(self, n: int, person: Person, tally: Tally, pacer: Pacer | None) -> None:
        self.n = n
        self.person = person
        self.tally = tally
        self.pacer = pacer
        self.acted = 0
        # Six Peruvian doctors: 3 specialties x 2; then two weeks, then days and times.
        self.specialty = n % 3
        self.doctor = (n // 3) % 2
        group = n // 6
        self.next_week = group % 2 == 1
        self.slot = group // 2
        count = len(FIRST_NAMES) * len(LAST_NAMES)
        self.name = " ".join(
            (
                FIRST_NAMES[n % len(FIRST_NAMES)],
                LAST_NAMES[(n // len(FIRST_NAMES)) % len(LAST_NAMES)],
                LAST_NAMES[(n // count) % len(LAST_NAMES)],
            )
        )
        self.dni = f"{41_000_000 + n:08d}"
        self.phone = f"519{20_000_000 + n:08d}"  # +51 9xx xxx xxx, as Telegram sends it

    async def act(self, step: str, action: Callable[[], Awaitable[object]], answer: str) -> str:
        """Do one thing, wait for the bot's answer matching ``answer``, return its text."""
        if self.pacer is not None:
            await self.pacer.turn(self.n, self.acted, self.tally)
        self.acted += 1
        self.tally.actions += 1
        started = time.perf_counter()
        if self.tally.first_action is None:
            self.tally.first_action = started
        self.tally.last_action = max(self.tally.last_action, started)
        await action()
        try:
            message = await self.person.wait_for(answer, timeout=ANSWER_TIMEOUT)
        except AssertionError:
            raise NoAnswer(step) from None
        self.tally.latencies.append((step, time.perf_counter() - started))
        return message.text or ""

    async def follow(self, answer: str, step: str) -> str:
        """A further answer to the same action (no new action)."""
        try:
            message = await self.person.wait_for(answer, timeout=ANSWER_TIMEOUT)
        except AssertionError:
            raise NoAnswer(step) from None
        return message.text or ""

    async def run(self) -> None:
        try:
            await self.register()
            self.tally.outcomes[await self.book()] += 1
        except NoAnswer as error:
            self.tally.outcomes[f"no answer to {error.step}"] += 1

    async def register(self) -> None:
        p = self.person
        await self.act("/start", lambda: p.send("/start"), ASK_PRIVACY)
        await self.act("privacy", lambda: p.tap("Acepto"), ASK_NAME)
        await self.act("name", lambda: p.send(self.name), ASK_COUNTRY)
        await self.act("country", lambda: p.tap("Perú"), ASK_DNI)
        await self.act("dni", lambda: p.send(self.dni), ASK_PHONE)
        await self.act("contact", lambda: p.share_contact(self.phone), REGISTERED)

    async def book(self) -> str:
        p = self.person
        await self.act("/book", lambda: p.send("/book"), ASK_SPECIALTY)
        specialties = choices(p.last_message)
        specialty = specialties[self.specialty % len(specialties)]
        await self.act("specialty", lambda: p.tap(specialty), ASK_DOCTOR)
        doctors = [c for c in choices(p.last_message) if c.startswith("Dr")]
        doctor = doctors[self.doctor % len(doctors)]
        await self.act("doctor", lambda: p.tap(doctor), ASK_DAY)
        if self.next_week and NEXT_WEEK in p.last_message.buttons():
            await self.act("week", lambda: p.tap(NEXT_WEEK), ASK_DAY)
        for attempt in range(MAX_TRIES):
            days = [c for c in choices(p.last_message) if DAY_LABEL.match(c)]
            if not days:
                if NEXT_WEEK not in p.last_message.buttons():
                    return "no free day"
                await self.act("week", lambda: p.tap(NEXT_WEEK), ASK_DAY)
                continue
            day = days[(self.slot + attempt) % len(days)]
            text = await self.act("day", partial(p.tap, day), AFTER_DAY)
            if DAY_FULL in text:
                self.tally.outcomes["(day full, another day)"] += 1
                await self.follow(ASK_DAY, "day")
                continue
            outcome = await self.pick_time(len(days))
            if outcome is not None:
                return outcome
        return "gave up"

    async def pick_time(self, days: int) -> str | None:
        """Book a time on the day shown; ``None`` when the day filled up meanwhile."""
        p = self.person
        preferred = WORKING_TIMES[(self.slot // days) % len(WORKING_TIMES)]
        for attempt in range(MAX_TRIES):
            times = [c for c in choices(p.last_message) if TIME_LABEL.match(c)]
            if not times:
                return "gave up"
            if preferred in times and attempt == 0:
                label = preferred
            else:
                label = times[(self.n * 7 + attempt * 5) % len(times)]
            text = await self.act("time", partial(p.tap, label), AFTER_TIME)
            if TIME_GONE in text:
                self.tally.outcomes["(time gone before the tap, another time)"] += 1
                continue
            if DAY_FULL in text:
                await self.follow(ASK_DAY, "time")
                return None
            text = await self.act("confirm", lambda: p.tap("Confirmar"), AFTER_CONFIRM)
            if BOOKED in text:
                return "booked"
            if DAY_FULL in text:
                await self.follow(ASK_DAY, "confirm")
                return None
            if SLOT_TAKEN in text:
                self.tally.outcomes["(someone just booked it, another time)"] += 1
            elif TIME_GONE in text:
                self.tally.outcomes["(time gone at confirm, another time)"] += 1
            else:
                self.tally.outcomes["(overlap, another time)"] += 1
        return "gave up"


async def talk_to_floor(person: Person, tally: Tally) -> None:
    """A person of the floor run: ``FLOOR_ACTIONS`` messages, each after the last answer."""
    for k in range(FLOOR_ACTIONS):
        tally.actions += 1
        started = time.perf_counter()
        await person.send(f"hola {k}")
        try:
            await person.wait_for(FLOOR_ANSWER, timeout=ANSWER_TIMEOUT)
        except AssertionError:
            tally.outcomes["no answer"] += 1
            return
        tally.latencies.append(("message", time.perf_counter() - started))
    tally.outcomes["answered"] += 1


# --------------------------------------------------------------------------- a run


@dataclass
class Run:
    name: str
    patients: int
    open_loop: bool
    driver: str = "inline"  # SQLITE_DRIVER of the bot
    bare: bool = False  # the floor: bench/bare_bot.py instead of the bot
    webhook: bool = False  # updates POSTed by the stand-in to the bot's webhook (bench/webhook.py)
    flood: int = 0  # one more chat sends this many commands at once as the run starts (flood.py)
    tally: Tally = field(default_factory=Tally)
    wall: float = 0.0
    bot_cpu: float = 0.0
    bench_cpu: float = 0.0
    other_cpu: float = 0.0  # everything else on the machine: other people's work disturbs
    hwm_kib: int = 0
    rss_max_kib: int = 0
    exit_code: int | None = -1
    stop_seconds: float = 0.0
    api_calls: Counter[str] = field(default_factory=Counter)
    log_events: Counter[str] = field(default_factory=Counter)
    profile: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.tally.actions / self.wall if self.wall else 0.0

    @property
    def offered_rate(self) -> float:
        first, last = self.tally.first_action, self.tally.last_action
        return (self.tally.actions - 1) / (last - first) if first and last > first else 0.0

    def percentile(self, q: int, step: str | None = None) -> float:
        values = [s for name, s in self.tally.latencies if step is None or name == step]
        if len(values) < 2:
            return values[0] * 1000 if values else 0.0
        return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000

    @property
    def booked(self) -> int:
        return self.tally.outcomes["booked"]

    @property
    def cpu_per_update_ms(self) -> float:
        """The bot process's CPU (user plus system) per update sent, in milliseconds."""
        return 1000 * self.bot_cpu / self.tally.actions if self.tally.actions else 0.0

    def cpu_ratio(self, floor: Run | None) -> float | None:
        """CPU per update over the floor's, measured in the same benchmark run."""
        if floor is None or not floor.cpu_per_update_ms:
            return None
        return self.cpu_per_update_ms / floor.cpu_per_update_ms


def watch_calls(api: BotApiStandIn) -> tuple[Counter[str], asyncio.Event]:
    """Count Bot API calls by method as they arrive, and flag the first getUpdates (or
    setWebhook: the bot is ready for updates either way)."""
    calls: Counter[str] = Counter()
    polled = asyncio.Event()

    @web.middleware
    async def count(request: web.Request, handler: Any) -> web.StreamResponse:
        method = request.match_info.get("method", "?")
        calls[method] += 1
        if method.lower() in ("getupdates", "setwebhook"):
            polled.set()
        response: web.StreamResponse = await handler(request)
        return response

    api.app.middlewares.append(count)
    return calls, polled


async def measure(run: Run, profile_dir: Path | None, *, native: bool) -> Run:
    with tempfile.TemporaryDirectory(prefix="medbot-conversations-") as tmp:
        workdir = Path(tmp)
        database_url = f"sqlite+aiosqlite:///{workdir}/medbot.db"
        if not run.bare:
            await prepare_demo_database(database_url)
        api = BotApiStandIn(flood_limits=False, webhook_retry_delay=0.05)
        calls, polled = watch_calls(api)
        await api.start()
        try:
            bot = await BotProcess.start(
                api,
                database_url,
                workdir,
                script=BARE_BOT if run.bare else None,
                name="bare-bot" if run.bare else "bot",
                SQLITE_DRIVER=run.driver,
                **(webhook_settings() if run.webhook else {}),
            )
            try:
                await bot.wait_for(polled, START_TIMEOUT)
                await asyncio.sleep(0.5)  # publish_commands and the first poll settle
                spy = None
                if profile_dir is not None:
                    output = profile_dir / (re.sub(r"\W+", "-", run.name) + ".txt")
                    spy = await SpySession.attach(bot.pid, output, native=native)
                calls.clear()
                await drive(run, api, bot.pid)
                run.api_calls = Counter(calls)
                run.hwm_kib = proc_status(bot.pid, "VmHWM")
                if spy is not None:
                    run.profile = await spy.stop()
            finally:
                await bot.stop(STOP_TIMEOUT)
                run.exit_code, run.stop_seconds = bot.exit_code, bot.stop_seconds
                run.rss_max_kib = bot.rss_max_kib
                run.log_events = bot.log_summary()
        finally:
            await api.stop()
    return run


def webhook_settings() -> dict[str, str]:
    """A free port for the bot's HTTP server, and its webhook there."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return {
        "HTTP_PORT": str(port),
        "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram/webhook",
    }


async def drive(run: Run, api: BotApiStandIn, pid: int) -> None:
    pacer = Pacer(run.patients, OPEN_RATE) if run.open_loop else None
    people: list[Awaitable[None]] = []
    for n in range(run.patients):
        person = api.person(FIRST_NAMES[n % len(FIRST_NAMES)], "Prueba", language_code="es")
        if run.bare:
            people.append(talk_to_floor(person, run.tally))
        else:
            people.append(Patient(n, person, run.tally, pacer).run())
    bot_cpu, bench_cpu, busy = proc_cpu_seconds(pid), time.process_time(), busy_cpu_seconds()
    started = time.perf_counter()
    if pacer is not None:
        pacer.start = started
    if run.flood:
        flooder = api.person("Flood", "Prueba", language_code="es")
        for _ in range(run.flood):  # all at once: the bot sees a chat's whole backlog
            await flooder.send("/my")
    await asyncio.gather(*people)
    run.wall = time.perf_counter() - started
    run.bot_cpu = proc_cpu_seconds(pid) - bot_cpu
    run.bench_cpu = time.process_time() - bench_cpu
    run.other_cpu = max(0.0, busy_cpu_seconds() - busy - run.bot_cpu - run.bench_cpu)


async def run_all(profile_dir: Path | None, *, quick: bool, native: bool) -> list[Run]:
    sizes, paced = ((10, 30), 20) if quick else (CLOSED_RUNS, OPEN_PATIENTS)
    # The floor first, under the load of the run it is compared with.
    plan = [Run(f"bare bot, {sizes[0]} people at once", sizes[0], open_loop=False, bare=True)]
    plan += [Run(f"{n} patients at once", n, open_loop=False) for n in sizes]
    plan.append(Run(f"{OPEN_RATE:.0f} updates/s offered", paced, open_loop=True))
    # The same load on aiosqlite's thread, side by side (see storage/sqlite_inline.py).
    plan.append(Run(f"{sizes[0]} at once, `SQLITE_DRIVER=thread`", sizes[0], False, "thread"))
    plan.append(Run(f"{OPEN_RATE:.0f}/s offered, `SQLITE_DRIVER=thread`", paced, True, "thread"))
    async with asyncio.timeout(BUDGET_SECONDS):
        for run in plan:
            print(f"{run.name}: running ...", flush=True)
            await measure(run, profile_dir, native=native)
            print(
                f"  {run.tally.actions} actions in {run.wall:.1f} s, "
                f"{run.booked}/{run.patients} booked, "
                f"{run.cpu_per_update_ms:.2f} ms CPU per update, bot exit {run.exit_code}",
                flush=True,
            )
    return plan


# --------------------------------------------------------------------------- report


def mib(kib: int) -> float:
    return kib / 1024


def floor_of(runs: Sequence[Run]) -> Run | None:
    return next((r for r in runs if r.bare), None)


def targets(runs: list[Run]) -> list[str]:
    floor = floor_of(runs)
    bots = [r for r in runs if not r.bare]
    measured = [r for r in bots if r.driver == "inline"]  # the default; the rest compare
    closed = [r for r in measured if not r.open_loop]
    judged, largest = closed[0], max(closed, key=lambda r: r.patients)
    paced = next(r for r in measured if r.open_loop)
    lines = ["| measurement | result | target | verdict |", "|---|---:|---:|:---:|"]
    ratio = judged.cpu_ratio(floor)
    lines.append(
        f"| bot CPU per update ÷ bare bot's, {judged.patients} at once "
        + (
            f"| {ratio:.2f} ({judged.cpu_per_update_ms:.2f} / {floor.cpu_per_update_ms:.2f} ms) "
            f"| ≤ {TARGET_CPU_RATIO:g} | {verdict(ratio <= TARGET_CPU_RATIO)} |"
            if ratio is not None and floor is not None
            else f"| no floor | ≤ {TARGET_CPU_RATIO:g} | MISS |"
        )
    )
    p95 = paced.percentile(95)
    lines.append(
        f"| p95 latency at {OPEN_RATE:.0f} updates/s offered ({paced.offered_rate:.0f} achieved) "
        f"| {p95:.0f} ms | ≤ {TARGET_P95_MS:.0f} ms | {verdict(p95 <= TARGET_P95_MS)} |"
    )
    peak = max(largest.hwm_kib, largest.rss_max_kib)
    lines.append(
        f"| bot peak RSS, {largest.patients} patients (VmHWM) | {mib(peak):.0f} MiB "
        f"| ≤ {TARGET_RSS_MIB:.0f} MiB | {verdict(mib(peak) <= TARGET_RSS_MIB)} |"
    )
    clean = all(r.exit_code == 0 for r in bots)  # every driver
    lines.append(
        f"| bot exits 0 within {STOP_TIMEOUT:.0f} s of SIGTERM, every run "
        f"| {'yes' if clean else 'no'} | yes | {verdict(clean)} |"
    )
    return lines


def details(runs: list[Run]) -> list[str]:
    lines = [
        (
            "| run | actions | wall | updates/s | p50 | p95 | p99 | booked | lost races "
            "| failed | bot CPU per update | ÷ bare bot's | bot CPU | bench CPU | other CPU "
            "| peak RSS (sampled / VmHWM) | stop |"
        ),
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    floor = floor_of(runs)
    for r in runs:
        races = sum(c for k, c in r.tally.outcomes.items() if k.startswith("("))
        answered = r.tally.outcomes["answered"] if r.bare else r.booked
        ratio = r.cpu_ratio(floor)
        lines.append(
            f"| {r.name} | {r.tally.actions:,} | {r.wall:.1f} s | {r.rate:,.0f} "
            f"| {r.percentile(50):.0f} ms | {r.percentile(95):.0f} ms | {r.percentile(99):.0f} ms "
            + ("| - | - " if r.bare else f"| {r.booked}/{r.patients} | {races} ")
            + f"| {r.patients - answered} "
            f"| {r.cpu_per_update_ms:.2f} ms | {'-' if ratio is None else f'{ratio:.2f}'} "
            f"| {100 * r.bot_cpu / r.wall:.0f}% | {100 * r.bench_cpu / r.wall:.0f}% "
            f"| {100 * r.other_cpu / r.wall:.0f}% "
            f"| {mib(r.rss_max_kib):.0f} / {mib(r.hwm_kib):.0f} MiB "
            f"| {'exit ' + str(r.exit_code) if r.exit_code is not None else 'killed'} "
            f"in {r.stop_seconds:.1f} s |"
        )
    return lines


STEPS = (
    "/start",
    "privacy",
    "name",
    "country",
    "dni",
    "contact",
    "/book",
    "specialty",
    "doctor",
    "week",
    "day",
    "time",
    "confirm",
)


def per_step(all_runs: list[Run]) -> list[str]:
    runs = [r for r in all_runs if not r.bare]
    header = "| step | " + " | ".join(f"{r.name} p50 / p95" for r in runs) + " |"
    lines = [header, "|---|" + "---:|" * len(runs)]
    for step in STEPS:
        cells = [
            f"{r.percentile(50, step):.0f} / {r.percentile(95, step):.0f} ms"
            if any(name == step for name, _ in r.tally.latencies)
            else "-"
            for r in runs
        ]
        lines.append(f"| {step} | " + " | ".join(cells) + " |")
    return lines


def notes(runs: list[Run]) -> list[str]:
    lines = []
    for r in runs:
        outcomes = ", ".join(f"{k}: {c}" for k, c in sorted(r.tally.outcomes.items()))
        calls = ", ".join(f"{k} {c}" for k, c in r.api_calls.most_common())
        per_update = (sum(r.api_calls.values()) - r.api_calls["getUpdates"]) / max(
            r.tally.actions, 1
        )
        logged = ", ".join(f"{k}: {c}" for k, c in r.log_events.most_common(6)) or "nothing"
        late = f"; actions issued late: {r.tally.late}" if r.open_loop else ""
        lines.append(
            f"- **{r.name}**: {outcomes}{late}. Bot API calls: {calls} "
            f"({per_update:.2f} per update besides getUpdates). Bot log at WARNING: {logged}."
        )
    return lines


def section(
    runs: list[Run], info: list[tuple[str, str]], duration: float, load: float
) -> list[str]:
    warning = busy_warning(load)
    return [
        "## Conversations",
        "",
        (
            "Measured by `bench/conversations.py`: reproduce with `.venv/bin/python "
            "bench/conversations.py` from the repository root (it took "
            f"{duration / 60:.1f} min here)."
        ),
        "",
        *machine_table(info),
        "",
        *targets(runs),
        "",
        *details(runs),
        "",
        (
            "Each run starts a fresh SQLite database (migrated, demo clinic seeded), the Bot API "
            "stand-in in the benchmark's process (flood limits off) and `python -m bot run` as a "
            "separate process with `TELEGRAM_MAX_RATE=0`, `LOG_LEVEL=WARNING`. Every simulated "
            "patient registers (/start, privacy, name, Perú, DNI, shared contact) and books "
            "(/book, specialty, doctor, sometimes the next week, day, time, Confirmar) in "
            "Spanish; each action waits for the bot's answer, and the latency is from the action "
            "to that answer. *Patients at once* is a closed loop: everyone starts together and "
            "acts as soon as the previous answer arrives; updates/s is all actions over the wall "
            f"time. The *offered* run is an open loop: {OPEN_PATIENTS} patients, staggered, each "
            f"acting every {OPEN_PATIENTS / OPEN_RATE:.0f} s. Patients are spread over the six "
            "Peruvian doctors, two weeks, days and times; a lost race (someone booked the time "
            "first) is counted and the patient picks another time. *Bot CPU* and *bench CPU* are "
            "the CPU seconds of the bot process and of this process (stand-in plus patients) "
            "over the wall time, 100% being one core; *other CPU* is what everything else on the "
            "machine used meanwhile (anything well above 0% disturbed the run). *Bot CPU per "
            "update* is the bot process's user plus system time (from /proc) over the run "
            "divided by the updates sent. The floor, *bare bot*, is measured the same way in "
            "the same run: `bench/bare_bot.py`, a python-telegram-bot application with the "
            "bot's transport (`AiohttpRequest`) and polling and nothing else, answering every "
            "update with one message, in a process of its own against the same stand-in; as "
            "many people as the first closed-loop run each write it "
            f"{FLOOR_ACTIONS} messages, one after each answer. *÷ bare bot's* is the ratio of "
            "CPU per update, the figure that carries between machines; the target (at most "
            f"{TARGET_CPU_RATIO:g}) is judged on the first closed-loop run. Peak RSS is the "
            "bot's VmHWM and the largest VmRSS sampled every 0.2 s; MiB. The runs marked "
            "`SQLITE_DRIVER=thread` repeat two loads with SQLite's statements on aiosqlite's "
            "thread, as before `storage/sqlite_inline.py`, for comparison in the same run; the "
            "targets are judged on the default, `inline`."
        ),
        "",
        "Latency per step (all runs):",
        "",
        *per_step(runs),
        "",
        *notes(runs),
        *(["", warning] if warning else []),
    ]


def main() -> None:
    parser = arguments(__doc__, "sample the bot process with py-spy into DIR, print what dominates")
    parser.add_argument(
        "--native", action="store_true", help="with --profile: sample C frames as well"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke test with a few patients; leaves docs/performance.md alone",
    )
    args = parser.parse_args()
    start = Start.now(args)
    started = time.perf_counter()
    runs = asyncio.run(run_all(args.profile, quick=args.quick, native=args.native))
    duration = time.perf_counter() - started
    info = start.machine()
    print_blocks(targets(runs), details(runs), per_step(runs), notes(runs))
    print(f"\nthe benchmark took {duration:.0f} s")
    if args.profile:
        for run in runs:
            print(f"\n--- py-spy, {run.name} ---")
            print("\n".join(run.profile))
        print(f"\nprofiled run: figures are inflated by py-spy; {REPORT.name} is left as it was")
        return
    if args.quick:
        return
    write_section("conversations", section(runs, info, duration, start.load))


if __name__ == "__main__":
    main()
