"""The outbox sender on its own, against the stand-in: what one round sends and hands back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from telegram import Bot

from bot.database import prepare_demo_database
from bot.sandbox.standin import BotApiStandIn
from bot.workers.outbox_sender import OutboxSender, SenderSettings
from domain.clock import SystemClock
from domain.notifications import Kind, Notification
from storage.engine import create_engine
from storage.outbox import OutboxStore
from tests.keys import TEST_KEYRING


async def test_a_round_sends_one_chat_only_what_fits_in_its_lease_and_hands_back_the_rest(
    api: BotApiStandIn, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/medbot.db"
    await prepare_demo_database(url)
    engine = create_engine(url, keyring=TEST_KEYRING)
    store = OutboxStore(engine)
    doctor = api.person("Dr", language_code="es")
    doctor.chat.started = True
    due = datetime.now(UTC) - timedelta(seconds=1)
    await store.queue(
        [
            Notification(
                chat_id=doctor.user_id,
                kind=Kind.STATUS,
                template="notify.status.cancelled",
                due_at=due,
                dedupe_key=f"day:{n}",
                params={"reference": f"R{n}", "start": 1778000000, "country": "PE"},
                urgent=True,
            )
            for n in range(5)
        ]
    )
    # A 4 s lease and a message a second: 2 rows fit in half the lease.
    settings = SenderSettings(lease=timedelta(seconds=4), max_rate=0)
    async with Bot(api.token, base_url=api.base_url) as bot:
        sent = await OutboxSender(store, bot, SystemClock(), settings).tick()
    try:
        counts = await store.counts()
    finally:
        await engine.dispose()

    assert sent == 2
    assert [m.text.split()[2] for m in doctor.messages] == ["R0", "R1"]  # in order
    assert counts == {"sent": 2, "queued": 3}
