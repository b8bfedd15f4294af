"""Domain errors become replies through one table keyed by their codes."""

import pytest

from bot.handlers.errors import REPLIES, Then, reply_for
from bot.i18n import keys_in
from domain.errors import (
    CancellationWindowClosed,
    ConcurrentChange,
    DomainError,
    NotFound,
    SlotTaken,
)


def test_a_taken_slot_sends_the_patient_back_to_the_times() -> None:
    reply = reply_for("book", SlotTaken("x"))

    assert reply.key == "book.slot_taken"
    assert reply.then is Then.PICK_AGAIN


def test_an_action_may_word_an_error_its_own_way() -> None:
    closed = CancellationWindowClosed("REF")

    assert reply_for("cancel", closed).key == "my.window_closed"
    assert reply_for("reschedule", closed).key == "resched.window_closed"


def test_an_error_without_an_entry_answers_as_its_nearest_ancestor() -> None:
    assert "concurrent_change" not in REPLIES

    assert reply_for("cancel", ConcurrentChange("x")) == reply_for("cancel", NotFound("x"))


def test_an_error_the_table_does_not_know_is_not_swallowed() -> None:
    with pytest.raises(DomainError):
        reply_for("book", DomainError("unexpected"))


def test_every_reply_is_in_the_catalogs() -> None:
    assert {reply.key for reply in REPLIES.values()} <= keys_in("es")
