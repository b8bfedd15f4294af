"""Domain errors become replies through one table, keyed by ``DomainError.code``.

An entry ``"<action>:<code>"`` overrides ``"<code>"`` for one action; an error whose
code has no entry takes its nearest ancestor's (``concurrent_change`` answers as
``invalid_transition``). The HTTP API maps the same codes to status codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, auto

from telegram import Update

from bot.telegram.context import Context
from bot.telegram.screens import show, stale
from domain.errors import DomainError


class Then(Enum):
    """What the conversation does after the reply."""

    STALE = auto()  # the button is no longer valid: an alert, and nothing changes
    SAY = auto()  # a message; the conversation ends
    PICK_AGAIN = auto()  # the time picker again, with the reply above it


@dataclass(frozen=True, slots=True)
class Reply:
    key: str  # catalog key
    then: Then


REPLIES: dict[str, Reply] = {
    "not_found": Reply("button.stale", Then.STALE),
    "invalid_transition": Reply("button.stale", Then.STALE),
    "not_registered": Reply("reg.needed", Then.SAY),
    "cancellation_window_closed": Reply("my.window_closed", Then.SAY),
    "reschedule:cancellation_window_closed": Reply("resched.window_closed", Then.SAY),
    "slot_unavailable": Reply("book.unavailable", Then.PICK_AGAIN),
    "slot_taken": Reply("book.slot_taken", Then.PICK_AGAIN),
    "patient_overlap": Reply("book.overlap", Then.PICK_AGAIN),
    "invalid_name": Reply("reg.bad_name", Then.SAY),
    "invalid_phone": Reply("reg.bad_phone", Then.SAY),
    # At the last step of registration only the shared phone is new.
    "register:invalid_input": Reply("reg.bad_phone", Then.SAY),
    "invitation_unknown": Reply("invite.unknown", Then.SAY),
    "invitation_expired": Reply("invite.expired", Then.SAY),
    "invitation_used": Reply("invite.used", Then.SAY),
    "accept:not_allowed": Reply("invite.other_doctor", Then.SAY),
    "invalid_search": Reply("admin.appt.bad_search", Then.SAY),
    "admin_token:invalid_input": Reply("admin.tokens.bad_name", Then.SAY),
    "admin_token:token_name_taken": Reply("admin.tokens.name_taken", Then.SAY),
    "admin_find:not_found": Reply("admin.appt.nothing_found", Then.SAY),
    "admin_audit:not_found": Reply("admin.appt.nothing_found", Then.SAY),
    "admin_privacy:not_found": Reply("admin.appt.nothing_found", Then.SAY),
    "admin_cancel:invalid_transition": Reply("admin.appt.changed_meanwhile", Then.SAY),
    "admin_mark:invalid_transition": Reply("admin.appt.changed_meanwhile", Then.SAY),
    "admin_move:invalid_transition": Reply("admin.appt.changed_meanwhile", Then.SAY),
    "admin_move:slot_taken": Reply("admin.appt.move_failed", Then.SAY),
    "admin_move:slot_unavailable": Reply("admin.appt.move_failed", Then.SAY),
    "admin_move:patient_overlap": Reply("admin.appt.move_failed", Then.SAY),
    "admin_move:not_found": Reply("admin.appt.move_failed", Then.SAY),
    "agenda_mark:invalid_transition": Reply("agenda.changed_meanwhile", Then.STALE),
    "block:not_allowed": Reply("button.stale", Then.STALE),
    "block_remove:not_allowed": Reply("button.stale", Then.STALE),
}


def reply_for(action: str, error: DomainError) -> Reply:
    """The reply to ``error`` raised while doing ``action``; unknown errors propagate."""
    for kind in type(error).__mro__:
        code = getattr(kind, "code", None)
        if not isinstance(code, str):
            continue
        found = REPLIES.get(f"{action}:{code}") or REPLIES.get(code)
        if found is not None:
            return found
    raise error


async def tell(update: Update, context: Context, reply: Reply) -> None:
    """Give a ``STALE`` or ``SAY`` reply (``PICK_AGAIN`` is the picker's to show)."""
    text = context.t(reply.key)
    query = update.callback_query
    if reply.then is Then.STALE and query is not None:
        await stale(update, context)
        return
    await context.answer()
    await show(update, text)
