"""Counting updates by outcome, and readiness's Telegram window, without a bot."""

from __future__ import annotations

import pytest

import bot.http.readiness
from bot.http.readiness import Readiness
from bot.metrics import REGISTRY
from bot.telegram.updates import PerChatUpdateProcessor, mark_failed


def counted(kind: str, outcome: str) -> float:
    return (
        REGISTRY.get_sample_value("medbot_updates_total", {"kind": kind, "outcome": outcome}) or 0
    )


async def test_an_update_whose_handler_failed_counts_as_an_error_and_others_as_ok() -> None:
    processor = PerChatUpdateProcessor()
    errors, fine = counted("other", "error"), counted("other", "ok")

    async def handled() -> None:
        """PTB catches a handler's error and hands it to the error handler, which marks it."""

    async def failing() -> None:
        mark_failed()

    await processor.do_process_update(object(), handled())
    await processor.do_process_update(object(), failing())

    assert (counted("other", "ok") - fine, counted("other", "error") - errors) == (1, 1)


def test_telegram_counts_as_reached_only_within_the_window(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    readiness = Readiness(telegram=True, telegram_window=60)

    monkeypatch.setattr(bot.http.readiness, "telegram_seen_ago", lambda: None)
    assert readiness._telegram_check() == "not reached since start"
    monkeypatch.setattr(bot.http.readiness, "telegram_seen_ago", lambda: 59.0)
    assert readiness._telegram_check() == "ok"
    monkeypatch.setattr(bot.http.readiness, "telegram_seen_ago", lambda: 61.0)
    assert readiness._telegram_check() == "not reached for 61 s"
