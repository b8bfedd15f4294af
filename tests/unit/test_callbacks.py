"""Callback data: every button kind packs and unpacks itself, within Telegram's 64 bytes."""

import re
import uuid
from datetime import UTC, date, datetime

import pytest

from bot.telegram import callbacks as cb

APPOINTMENT = uuid.UUID("12345678123456781234567812345678")


def test_each_button_kind_reads_back_what_it_packed() -> None:
    start = datetime(2026, 5, 5, 15, 30, tzinfo=UTC)

    assert cb.MY_CANCEL.unpack(cb.MY_CANCEL.pack(APPOINTMENT)) == APPOINTMENT
    assert cb.REMINDER_ATTEND.unpack(cb.REMINDER_ATTEND.pack(APPOINTMENT)) == APPOINTMENT
    assert cb.MY_CALENDAR_FILE.unpack(cb.MY_CALENDAR_FILE.pack(APPOINTMENT)) == APPOINTMENT
    assert cb.BOOK_SPECIALTY.unpack(cb.BOOK_SPECIALTY.pack(7)) == 7
    assert cb.BOOKING.day.unpack(cb.BOOKING.day.pack(date(2026, 5, 5))) == date(2026, 5, 5)
    assert cb.RESCHEDULING.slot.unpack(cb.RESCHEDULING.slot.pack((3, start))) == (3, start)
    assert cb.LANGUAGE.unpack(cb.LANGUAGE.pack("en")) == "en"


def test_the_data_keeps_the_formats_buttons_already_sent_carry() -> None:
    assert cb.REMINDER_ATTEND.pack(APPOINTMENT) == f"rm:ok:{APPOINTMENT.hex}"
    assert cb.MY_CANCEL.pack(APPOINTMENT) == f"my:c:{APPOINTMENT.hex}"
    assert cb.BOOKING.slot.pack((3, datetime.fromtimestamp(1778000000, UTC))) == (
        "bk:slot:3:1778000000"
    )
    assert cb.RESCHEDULING.back.pack() == "rs:back"


def test_a_button_of_one_kind_is_not_read_as_another() -> None:
    booking_day = cb.BOOKING.day.pack(date(2026, 5, 5))

    assert cb.RESCHEDULING.day.unpack(booking_day) is None
    assert cb.BOOKING.week.unpack(booking_day) is None
    assert not re.match(cb.RESCHEDULING.day.pattern, booking_day)
    assert re.match(cb.BOOKING.day.pattern, booking_day)


@pytest.mark.parametrize(
    "data",
    [
        "bk:s:",
        "bk:s:abc",
        "bk:s:1234567890",
        "bk:s:١٢",  # Arabic-Indic digits are digits to str.isdigit, not to us
        "bk:day:20261345",
        "bk:slot:1:12",
        "my:c:not-a-uuid",
        None,
    ],
)
def test_forged_or_malformed_data_unpacks_to_nothing(data: str | None) -> None:
    for codec in (cb.BOOK_SPECIALTY, cb.BOOKING.day, cb.BOOKING.slot, cb.MY_CANCEL):
        assert codec.unpack(data) is None


def test_packing_refuses_data_over_telegrams_64_bytes() -> None:
    long_prefix = cb.Codec("x" * 60, str, lambda token: token)

    with pytest.raises(cb.TooLong):
        long_prefix.pack("12345")
    assert len(long_prefix.pack("123").encode()) == 64


def test_a_token_button_carries_the_tokens_id_and_only_a_known_scope() -> None:
    largest = cb.ADMIN_TOKEN_REVOKE_YES.pack(999_999_999)

    assert cb.ADMIN_TOKEN_REVOKE.unpack(cb.ADMIN_TOKEN_REVOKE.pack(7)) == 7
    assert cb.ADMIN_TOKEN_REVOKE_YES.unpack(largest) == 999_999_999
    assert len(largest.encode()) <= cb.MAX_BYTES
    assert cb.ADMIN_TOKEN_SCOPE.unpack(cb.ADMIN_TOKEN_SCOPE.pack("write")) == "write"
    assert cb.ADMIN_TOKEN_SCOPE.unpack("adm:tk:sc:root") is None
    assert cb.ADMIN_TOKEN_REVOKE.unpack(cb.ADMIN_TOKEN_REVOKE_YES.pack(7)) is None
    assert not re.match(cb.ADMIN_TOKEN_REVOKE.pattern, cb.ADMIN_TOKEN_REVOKE_YES.pack(7))
