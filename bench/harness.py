"""What the benchmarks in ``bench/`` share: the machine and the code they measured, their
sections of ``docs/performance.md``, fresh databases, CPU and memory from ``/proc``, the
bot as a separate process, and py-spy profiles of it.

The scripts run as ``python bench/NAME.py``, so this module is imported as ``harness``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from bot.sandbox.standin import BotApiStandIn
from storage.crypto.keyring import new_key

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "docs" / "performance.md"
#: The data key of every bot a benchmark starts, and of its own engines: fresh per run.
BENCH_DATA_KEY = new_key()

POSTGRES_URL = os.environ.get(
    "MEDBOT_BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
#: A 1-minute load average from which a run is flagged as sharing the machine.
BUSY_LOAD = 0.5
REPORT_INTRO = """# Performance

Measured by the scripts in `bench/`; `make bench` runs them all (about ten minutes on two
cores). Each script rewrites only its own section below, between its
`<!-- bench:NAME -->` markers, and states the machine it ran on (CPU, cores, RAM, OS,
Python, and the SQLite and PostgreSQL versions it measured), the commit and the load
average. They are
benchmarks, not tests: CI machines are too noisy for timing assertions. PostgreSQL
figures need a server at 127.0.0.1:5432 (user postgres) or `MEDBOT_BENCH_POSTGRES_URL`;
without one only SQLite is measured.

Absolute rates differ about twice between machines, so each throughput target is a
ratio to a floor measured in the same run, on the same machine, through the same
database or Bot API stand-in:

| benchmark | floor | target |
|---|---|---|
| `bench/booking.py` | raw inserts of a booking's rows | bookings/s ≥ 0.5 x raw inserts/s |
| `bench/conversations.py` | `bench/bare_bot.py` | CPU per update ≤ 2 x the floor's |
| `bench/dispatch.py` | `bench/bare_sender.py` | CPU per message ≤ 1.5 x the floor's |

The booking floor inserts the rows a booking writes with SQLAlchemy Core, on the same
database, driver and pool. `bench/bare_bot.py` is a bare python-telegram-bot bot, with
the bot's transport and polling, that answers every update with one message.
`bench/bare_sender.py` is a bare loop that sends the same messages through the same
transport (`bot/telegram/transport.py`, `AiohttpRequest`).

CPU per update or message is the process's user plus system time from
`/proc/<pid>/stat`, read by the benchmark before and after the measured span and
divided by what was sent; the bot and its floor each run as a process of their own and
are measured the same way. The clock ticks are 10 ms, so very short runs (`--quick`)
give coarse ratios. Targets about what people and Telegram see stay absolute: p95
latency ≤ 150 ms at 100 updates/s offered (conversations), the flood-limited rate
within 5% of 30/s with no 429 answers (dispatch), and, as before, the free-slot p99,
the bot's peak memory, clean exits and no duplicate or missing notification.
"""


# --------------------------------------------------------------------------- the report


def arguments(doc: str, profile_help: str) -> argparse.ArgumentParser:
    """A benchmark's command line, with ``--profile DIR``; profiled runs leave the report
    alone."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help=f"{profile_help} and leave docs/performance.md alone",
    )
    return parser


@dataclass(frozen=True)
class Start:
    """When a benchmark started, the commit it measures and the load it found."""

    when: datetime
    code: str
    load: float

    @classmethod
    def now(cls, args: argparse.Namespace) -> Start:
        """Note the start; make the ``--profile`` folder; warn when the machine is busy."""
        if args.profile:
            args.profile.mkdir(parents=True, exist_ok=True)
        start = cls(datetime.now(UTC), code_version(), os.getloadavg()[0])
        if warning := busy_warning(start.load):
            print(f"warning: {warning}")
        return start

    def machine(self) -> list[tuple[str, str]]:
        """The machine table's rows, with the load now as the end load."""
        return machine(self.when, (self.load, os.getloadavg()[0]), self.code)


def code_version() -> str:
    """The commit measured, marked ``-dirty`` when files other than the report (which the
    benchmarks themselves rewrite) have uncommitted changes."""
    git = shutil.which("git")
    if git is None:
        return "unknown (no git)"

    def run(*args: str) -> str:
        done = subprocess.run(  # noqa: S603 (fixed command lines, no outside input)
            [git, *args], cwd=ROOT, capture_output=True, text=True, check=False
        )
        return done.stdout.strip()

    commit = run("rev-parse", "--short=12", "HEAD") or "unknown"
    changed = run(
        "status", "--porcelain", "--untracked-files=no", "--", ".", ":!docs/performance.md"
    )
    return f"{commit}-dirty" if changed else commit


def machine(when: datetime, load: tuple[float, float], code: str) -> list[tuple[str, str]]:
    """The rows of a report's machine table."""
    cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8")
    model = next(
        (line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if "model name" in line),
        platform.processor() or "unknown",
    )
    meminfo = Path("/proc/meminfo").read_text(encoding="utf-8")
    kib = next(int(line.split()[1]) for line in meminfo.splitlines() if line.startswith("MemTotal"))
    return [
        ("CPU", model),
        ("cores", str(os.cpu_count())),
        ("RAM", f"{kib / 1024 / 1024:.1f} GiB"),
        ("OS", platform.platform()),
        ("Python", platform.python_version()),
        ("date", when.strftime("%Y-%m-%d %H:%M UTC")),
        ("code", f"`{code}`"),
        ("load average (1 min), start / end", f"{load[0]:.2f} / {load[1]:.2f}"),
    ]


def print_blocks(*blocks: list[str]) -> None:
    """Print tables and notes, a blank line before each."""
    for block in blocks:
        print()
        print("\n".join(block))


def machine_table(rows: list[tuple[str, str]]) -> list[str]:
    return ["| machine | |", "|---|---|", *(f"| {key} | {value} |" for key, value in rows)]


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def busy_warning(load: float) -> str | None:
    if load < BUSY_LOAD:
        return None
    return (
        f"The machine was not idle (load average {load:.2f} when the run started): other "
        "processes shared its cores, so these figures are lower and noisier than on an "
        "idle machine."
    )


def write_section(name: str, lines: list[str]) -> None:
    """Replace the section ``name`` of the report, or append it; leave the rest as it is."""
    begin_mark, end_mark = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    text = "\n".join([begin_mark, *lines, end_mark])
    current = REPORT.read_text(encoding="utf-8") if REPORT.exists() else REPORT_INTRO
    begin, end = current.find(begin_mark), current.find(end_mark)
    if begin != -1 and end > begin:
        updated = current[:begin] + text + current[end + len(end_mark) :]
    else:
        updated = current.rstrip("\n") + "\n\n" + text + "\n"
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(updated, encoding="utf-8")
    print(f"wrote the {name} section of {REPORT.relative_to(ROOT)}")


# --------------------------------------------------------------------------- databases


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def postgres_version() -> str | None:
    """The server's version, or None (with a line saying so) when it is not reachable."""
    try:
        admin = await asyncpg.connect(_dsn(POSTGRES_URL), timeout=5)
    except (OSError, TimeoutError, asyncpg.PostgresError) as error:
        print(f"PostgreSQL is not reachable at {make_url(POSTGRES_URL)!r} ({error}): skipped.")
        return None
    try:
        return str(await admin.fetchval("SHOW server_version")).split()[0]
    finally:
        await admin.close()


@asynccontextmanager
async def fresh_database(backend: str, directory: Path) -> AsyncIterator[str]:
    """The URL of an empty database: a file in ``directory``, or a new PostgreSQL database
    that is dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{directory}/medbot.db"
        return
    name = f"medbot_bench_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(_dsn(POSTGRES_URL), timeout=5)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


# --------------------------------------------------------------------------- /proc


def clock_ticks() -> float:
    return float(os.sysconf("SC_CLK_TCK"))


def proc_status(pid: int, key: str) -> int:
    """A ``kB`` field of /proc/<pid>/status (0 once the process is gone)."""
    try:
        text = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return 0
    for line in text.splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1])
    return 0


def _cpu_of_stat(stat: str) -> float:
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / clock_ticks()


def proc_cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process (0 once it is gone)."""
    try:
        return _cpu_of_stat(Path(f"/proc/{pid}/stat").read_text(encoding="ascii"))
    except OSError:
        return 0.0


def busy_cpu_seconds() -> float:
    """CPU seconds every process on the machine has used since boot."""
    fields = [int(v) for v in Path("/proc/stat").read_text(encoding="ascii").split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / clock_ticks()


def postgres_cpu() -> dict[int, float]:
    """CPU seconds of every ``postgres`` process, by pid."""
    found: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text(encoding="ascii", errors="replace")
        except OSError:
            continue
        if stat[stat.find("(") + 1 : stat.rfind(")")] == "postgres":
            found[int(entry.name)] = _cpu_of_stat(stat)
    return found


# --------------------------------------------------------------------------- the bot process


class BotProcess:
    """``python -m bot run`` (or another command) against the stand-in, its output in a
    log file and its memory sampled every ``RSS_INTERVAL`` seconds."""

    RSS_INTERVAL = 0.2
    #: Settings of the caller's environment that must not leak into a measured bot.
    OWN_PREFIXES = (
        *("TELEGRAM_", "DATABASE_", "ADMIN_", "LOG_", "PTB_", "DISPATCH_", "HTTP_", "SQLITE_"),
        "DATA_KEY",
    )

    def __init__(self, process: asyncio.subprocess.Process, log: Path) -> None:
        self.process = process
        self.log = log
        self.rss_max_kib = 0
        self.exit_code: int | None = -1  # None: it had to be killed
        self.stop_seconds = 0.0
        self._sampler = asyncio.create_task(self._sample())

    @classmethod
    async def start(
        cls,
        api: BotApiStandIn,
        database_url: str,
        workdir: Path,
        command: str = "run",
        *,
        script: Path | None = None,
        **settings: str,
    ) -> BotProcess:
        """Start ``medbot COMMAND`` (or ``python SCRIPT``, a floor such as
        ``bench/bare_bot.py``) against ``api``; ``settings`` are more of its
        environment, but ``name``, which names the log file."""
        name = settings.pop("name", "bot")
        env = {k: v for k, v in os.environ.items() if not k.startswith(cls.OWN_PREFIXES)}
        env |= {
            "TELEGRAM_BOT_TOKEN": api.token,
            "TELEGRAM_API_BASE_URL": api.base_url,
            "TELEGRAM_FILE_BASE_URL": api.base_file_url,
            "DATABASE_URL": database_url,
            "DATA_KEY": BENCH_DATA_KEY,
            "TELEGRAM_MAX_RATE": "0",
            "HTTP_PORT": "0",
            "LOG_LEVEL": "WARNING",
            "LOG_FORMAT": "json",
            "PTB_TIMEDELTA": "true",
            **settings,
        }
        log = workdir / f"{name}.log"
        with log.open("wb") as sink:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                *([str(script)] if script else ["-m", "bot", command]),
                env=env,
                cwd=workdir,  # no .env of the repository is read
                stdin=asyncio.subprocess.DEVNULL,
                stdout=sink,
                stderr=sink,
            )
        return cls(process, log)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def alive(self) -> bool:
        return self.process.returncode is None

    async def _sample(self) -> None:
        while self.alive:
            self.rss_max_kib = max(self.rss_max_kib, proc_status(self.pid, "VmRSS"))
            await asyncio.sleep(self.RSS_INTERVAL)

    async def wait_for(self, event: asyncio.Event, within: float) -> None:
        """Wait for ``event`` (say, its first getUpdates); fail with its log if it exits."""
        exited = asyncio.ensure_future(self.process.wait())
        seen = asyncio.ensure_future(event.wait())
        done, _ = await asyncio.wait(
            {exited, seen}, timeout=within, return_when=asyncio.FIRST_COMPLETED
        )
        for task in (exited, seen):
            if task not in done:
                task.cancel()
        if seen not in done:
            raise RuntimeError(f"the bot did not start polling:\n  {self.tail()}")

    async def stop(self, grace: float) -> None:
        """SIGTERM, then SIGKILL after ``grace`` seconds."""
        started = time.perf_counter()
        if self.alive:
            self.process.send_signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(grace):
                self.exit_code = await self.process.wait()
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            self.exit_code = None
        self.stop_seconds = time.perf_counter() - started
        self._sampler.cancel()

    def log_lines(self) -> list[str]:
        return self.log.read_text(encoding="utf-8", errors="replace").splitlines()

    def tail(self, lines: int = 5) -> str:
        return "\n  ".join(self.log_lines()[-lines:])

    def log_summary(self) -> Counter[str]:
        """Log events by level, event and error type; never the lines themselves."""
        seen: Counter[str] = Counter()
        for line in self.log_lines():
            try:
                record = json.loads(line)
            except ValueError:
                seen["(lines that are not JSON log records)"] += 1
                continue
            if isinstance(record, dict):
                # Numbers and quoted values vary (times, ids); the kind of event is the point.
                event = re.sub(r"\d+", "#", str(record.get("event", "?")))
                event = re.sub(r"\(trigger: [^)]*\)", "", event)[:90]
                error = f" {record['error']}" if "error" in record else ""
                seen[f"{record.get('level', '?')} {event}{error}"] += 1
        return seen


# --------------------------------------------------------------------------- py-spy


class SpySession:
    """py-spy sampling one process into a raw collapsed-stacks file."""

    def __init__(self, process: asyncio.subprocess.Process, output: Path) -> None:
        self.process = process
        self.output = output

    @classmethod
    async def attach(
        cls, pid: int, output: Path, *, rate: int = 200, native: bool = False
    ) -> SpySession:
        venv_bin = str(Path(sys.executable).parent)
        spy = shutil.which("py-spy", path=venv_bin) or shutil.which("py-spy")
        if spy is None:
            raise RuntimeError("--profile needs py-spy: .venv/bin/pip install py-spy")
        process = await asyncio.create_subprocess_exec(
            spy,
            "record",
            "--pid",
            str(pid),
            "--rate",
            str(rate),
            "--gil",  # the thread holding the GIL: the event loop, not idle driver threads
            "--format",
            "raw",
            "--output",
            str(output),
            *(["--native"] if native else []),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        await asyncio.sleep(1.0)  # py-spy attaches
        return cls(process, output)

    async def stop(self) -> list[str]:
        """Stop sampling; the summary of what was sampled."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGINT)
        async with asyncio.timeout(30):
            await self.process.wait()
        return summarize_profile(self.output) if self.output.exists() else ["(no profile)"]


def summarize_profile(path: Path, top: int = 25) -> list[str]:
    """Self and inclusive shares of the sampled functions, and shares by package."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    total = 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";")]
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
        for package in {
            _package_of(m.group(1)) for f in frames if (m := re.search(r"\((.*?)\)", f))
        }:
            packages[package] += count
    if not total:
        return ["(no samples)"]
    lines = [f"{total} samples of the thread holding the GIL", "", "self time:"]
    lines += [f"  {100 * c / total:5.1f}%  {f}" for f, c in own.most_common(top)]
    lines += ["", "inclusive time:"]
    lines += [f"  {100 * c / total:5.1f}%  {f}" for f, c in inclusive.most_common(top)]
    lines += ["", "inclusive time by package:"]
    lines += [f"  {100 * c / total:5.1f}%  {f}" for f, c in packages.most_common(top)]
    return lines


def _package_of(file: str) -> str:
    """py-spy names files relative to their import root: ``telegram/_bot.py``."""
    parts = Path(file).parts
    if "site-packages" in parts:
        parts = parts[parts.index("site-packages") + 1 :]
    return parts[0] if parts else file
