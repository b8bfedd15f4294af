"""Delivers the outbox: claims due rows, sends them at Telegram's pace, settles each.

``OutboxSender.run`` is one asyncio task of the composition root (``bot.app``): it
shares the application's event loop and bot, and the durable store is the
``notifications`` table, so a restart loses nothing. On stop it finishes the round
in hand.

Faults: 429 waits ``retry_after`` and holds the chat so its messages keep their
order; network errors, timeouts and 5xx retry with exponential backoff and
jitter, then die; 403 marks the person unreachable and kills their rows; other
400s die at once. Dead rows raise an admin alert, at most one per admin per
alert window.

A crash between Telegram accepting a message and its row being marked sent can
send that message again. Sent rows are marked in group commits at most
``MARK_DELAY`` after Telegram's answer, so the window is that delay plus one
commit: the messages sent in the last ~20 ms before a crash.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
import warnings
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from aiolimiter import AsyncLimiter
from telegram import Bot, InputFile
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBUserWarning

from bot.metrics import NOTIFICATIONS_DEAD as DEAD
from bot.metrics import NOTIFICATIONS_SENT as SENT
from bot.workers.calendar_files import is_calendar_file, render_calendar_file
from bot.workers.messages import render
from bot.workers.queue_metrics import QueueGauges
from domain.notifications import Delivery, Kind, Notification
from domain.ports import Clock
from storage.outbox import Claimed, OutboxStore

log = structlog.get_logger(__name__)
MARK_DELAY = 0.02  # seconds a sent row may wait to be marked, batched with others
ALERT_WINDOW = timedelta(minutes=10)

# A send needs only the new message's id. ``do_api_request`` without a return type
# leaves Telegram's answer as JSON instead of building a ``Message`` from it (a fifth
# of a send's CPU), and still goes through the bot's transport, rate limiter and
# error mapping; PTB suggests ``send_message`` for it, deliberately not taken here.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.sendMessage'", category=PTBUserWarning)


@dataclass(frozen=True, slots=True)
class SenderSettings:
    batch: int = 100
    lease: timedelta = timedelta(seconds=60)  # a claim older than this is a crashed sender's
    max_attempts: int = 8
    max_rate: float = 29.0  # below Telegram's 30/s, leaving room for live replies
    per_chat_interval: float = 1.0
    backoff_base: float = 2.0
    #: Sends awaiting Telegram's answer at once: enough to hide the round trip, few
    #: enough that live replies always find a free HTTP connection and a bulk backlog
    #: never queues thousands of requests inside the HTTP client.
    in_flight: int = 16
    admins: tuple[int, ...] = ()


class _SentMarks:
    """Marks sent rows in group commits: one transaction per ``MARK_DELAY`` at most."""

    def __init__(self, store: OutboxStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._pending: list[tuple[int, int]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._task: asyncio.Future[None] | None = None
        self._lock = asyncio.Lock()
        self.count = 0

    def add(self, row_id: int, message_id: int) -> None:
        self._pending.append((row_id, message_id))
        self.count += 1
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(MARK_DELAY, self._start_flush)

    def _start_flush(self) -> None:
        self._timer = None
        self._task = asyncio.ensure_future(self.flush())

    async def flush(self) -> None:
        """Mark everything sent so far, waiting for a flush already under way."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        async with self._lock:
            while self._pending:
                batch, self._pending = self._pending, []
                await self._store.mark_sent(batch, self._clock.now())

    async def close(self) -> None:
        await self.flush()
        if self._task is not None:
            await self._task


@dataclass
class _Outcome:
    sent: _SentMarks
    dead: int = 0


class OutboxSender:
    def __init__(
        self, store: OutboxStore, bot: Bot, clock: Clock, settings: SenderSettings
    ) -> None:
        self._store = store
        self._bot = bot
        self._clock = clock
        self._settings = settings
        self._pace = AsyncLimiter(settings.max_rate, 1) if settings.max_rate > 0 else None
        self._last_sent: dict[int, float] = {}
        self._lock = asyncio.Lock()
        self._in_flight = asyncio.Semaphore(settings.in_flight)
        self._gauges = QueueGauges("outbox", store, (d.value for d in Delivery))

    async def run(self, interval: float, stopping: asyncio.Event) -> None:
        """A round every ``interval`` seconds until ``stopping``; the round in hand finishes.

        Rounds start at a fixed rate: one that took longer than ``interval`` is followed
        at once, so a backlog is sent as fast as rounds can go.
        """
        loop = asyncio.get_running_loop()
        while not stopping.is_set():
            started = loop.time()
            try:
                await self.tick()
            except Exception:  # a failed round is retried next round; rows stay claimed
                log.exception("outbox_round_failed")
            await self._gauges.refresh(self._clock.now())
            rest = interval - (loop.time() - started)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), max(rest, 0))

    async def tick(self) -> int:
        """One round: claim due rows and deliver them. Returns how many were sent."""
        if self._lock.locked():  # the previous round is still sending
            return 0
        async with self._lock:
            now = self._clock.now()
            if not await self._store.has_work(now):  # idle: a read, no write lock
                return 0
            await self._store.release_expired(now)
            claimed = await self._store.claim(now, self._settings.batch, now + self._settings.lease)
            if not claimed:
                return 0
            late = [r for r in claimed if _visit_began(r, now)]
            if late:  # e.g. after a long outage: a reminder after the visit helps no one
                await self._store.withdraw_rows([r.id for r in late], "the visit had begun")
                claimed = [r for r in claimed if not _visit_began(r, now)]
            languages = await self._store.languages(r.chat_id for r in claimed)
            by_chat: dict[int, list[Claimed]] = defaultdict(list)
            for row in claimed:
                by_chat[row.chat_id].append(row)
            # A chat's rows go out a second apart; hand back what would outlast the
            # lease, or another worker would take those rows over and send them too.
            cap = max(
                1, int(self._settings.lease.total_seconds() / 2 / self._settings.per_chat_interval)
            )
            later = [r.id for rows in by_chat.values() for r in rows[cap:]]
            if later:
                await self._store.release(later)
                by_chat = {chat: rows[:cap] for chat, rows in by_chat.items()}
            outcome = _Outcome(_SentMarks(self._store, self._clock))
            try:
                await asyncio.gather(
                    *(self._send_chat(rows, languages, outcome) for rows in by_chat.values())
                )
            finally:
                await outcome.sent.close()
            SENT.inc(outcome.sent.count)
            if outcome.dead:
                await self._alert_admins()
            return outcome.sent.count

    async def _send_chat(
        self, rows: list[Claimed], languages: dict[int, str], outcome: _Outcome
    ) -> None:
        """Rows of one chat, in order; a failure holds back the rest of them."""
        for index, row in enumerate(rows):
            language = languages.get(row.chat_id, "es")
            try:
                await self._wait_turn(row.chat_id)
                async with self._in_flight:
                    message_id = await self._deliver(row, language)
            except RetryAfter as error:
                until = self._clock.now() + _seconds(error.retry_after)
                await self._store.retry([r.id for r in rows[index:]], until, "429")
                await self._store.hold_chat(row.chat_id, until)
                return
            except Forbidden as error:
                outcome.dead += await self._store.chat_unreachable(
                    row.chat_id, self._clock.now(), _reason(error)
                )
                DEAD.labels("blocked").inc()
                log.warning("chat_unreachable", notification=row.id)
                return
            except BadRequest as error:
                await self._store.mark_dead([row.id], _reason(error))
                outcome.dead += 1
                DEAD.labels("bad_request").inc()
                log.warning("notification_dead", notification=row.id, error=_reason(error))
                continue
            except (NetworkError, TelegramError) as error:
                await self._retry_later(row, rows[index:], error, outcome)
                return
            outcome.sent.add(row.id, message_id)

    async def _deliver(self, row: Claimed, language: str) -> int:
        """Send the row as a message, or as a document if it is a calendar file."""
        now = self._clock.now()
        if is_calendar_file(row):
            name, content, caption = render_calendar_file(row, language, now)
            sent = await self._bot.send_document(
                row.chat_id,
                InputFile(content, filename=name, attach=True),
                caption=caption,
                disable_notification=True,  # it follows the message that tells the news
            )
            return sent.message_id
        text, markup = render(row, language, now)
        message = await self._bot.do_api_request(
            "sendMessage", {"chat_id": row.chat_id, "text": text, "reply_markup": markup}
        )
        return int(message["message_id"])

    async def _retry_later(
        self, row: Claimed, rest: list[Claimed], error: TelegramError, outcome: _Outcome
    ) -> None:
        if row.attempts >= self._settings.max_attempts:
            await self._store.mark_dead([row.id], _reason(error))
            outcome.dead += 1
            DEAD.labels("retries").inc()
            rest = rest[1:]
            if not rest:
                return
        delay = self._settings.backoff_base ** min(row.attempts, 10)
        delay *= random.uniform(0.5, 1.5)  # noqa: S311 (jitter, not security)
        until = self._clock.now() + timedelta(seconds=delay)
        await self._store.retry([r.id for r in rest], until, _reason(error))

    async def _wait_turn(self, chat_id: int) -> None:
        """At most one message per second to a chat, and ``max_rate`` overall."""
        last = self._last_sent.get(chat_id)
        if last is not None:
            wait = self._settings.per_chat_interval - (time.monotonic() - last)
            if wait > 0:
                await asyncio.sleep(wait)
        if self._pace is not None:
            await self._pace.acquire()
        self._last_sent[chat_id] = time.monotonic()
        if len(self._last_sent) > 50_000:
            cutoff = time.monotonic() - self._settings.per_chat_interval
            self._last_sent = {c: t for c, t in self._last_sent.items() if t > cutoff}

    async def _alert_admins(self) -> None:
        """Queue one alert per admin per window; the dedupe key does the rate limiting."""
        if not self._settings.admins:
            return
        now = self._clock.now()
        window = int(now.timestamp() // ALERT_WINDOW.total_seconds())
        dead = await self._store.count(Delivery.DEAD)
        await self._store.queue(
            [
                Notification(
                    chat_id=admin,
                    kind=Kind.ALERT,
                    template="notify.alert.dead",
                    due_at=now,
                    dedupe_key=f"alert:dead:{admin}:{window}",
                    params={"count": dead},
                    urgent=True,
                )
                for admin in self._settings.admins
            ]
        )


def _visit_began(row: Claimed, now: datetime) -> bool:
    start = row.params.get("start")
    return row.kind == Kind.REMINDER.value and start is not None and int(start) <= now.timestamp()


def _seconds(value: object) -> timedelta:
    if isinstance(value, timedelta):
        return value
    return timedelta(seconds=float(value))  # type: ignore[arg-type]


def _reason(error: TelegramError) -> str:
    return f"{type(error).__name__}: {error.message}"[:200]
