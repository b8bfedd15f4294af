"""Admin → Appointments, Statistics and Audit: their buttons and the steps that wait
for typed text (a reference or national ID to find, a cancellation's reason).

They join the set-up sections in the admin's one conversation
(``bot.handlers.admin.typed.setup_conversation``): every admin button enters it again,
so moving about the admin side always leaves the step that was waiting for text.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler
from telegram.ext import filters as f

from bot.handlers.admin import appointment_changes as changes
from bot.handlers.admin import appointments, audit, patient_data, stats
from bot.telegram import callbacks as cb
from bot.telegram.context import Context
from bot.telegram.screens import on_tap

TEXT = f.TEXT & ~f.COMMAND


def records_taps() -> list[CallbackQueryHandler[Context, object]]:
    """Every button of these sections: each enters the admin's conversation afresh."""
    return [
        on_tap(f"^{appointments.SECTION}$", appointments.show_section),
        on_tap(cb.ADMIN_DAY_AT.pattern, appointments.day_at),
        on_tap(cb.ADMIN_DAY_OF.pattern, appointments.day_of),
        on_tap(cb.ADMIN_OPEN.pattern, appointments.open_one),
        on_tap(cb.ADMIN_FIND.pattern, appointments.ask_to_find),
        on_tap(cb.ADMIN_CANCEL.pattern, changes.ask_reason),
        on_tap(cb.ADMIN_MOVE.pattern, changes.free_times),
        on_tap(cb.ADMIN_MOVE_TO.pattern, changes.move_to),
        on_tap(cb.ADMIN_MARK.pattern, changes.mark),
        on_tap(cb.ADMIN_EXPORT.pattern, patient_data.export),
        on_tap(cb.ADMIN_ERASE.pattern, patient_data.ask_to_erase),
        on_tap(cb.ADMIN_ERASE_YES.pattern, patient_data.erase_confirmed),
        on_tap(f"^{stats.SECTION}$", stats.show_periods),
        on_tap(cb.ADMIN_STATS.pattern, stats.show_period),
        on_tap(f"^{audit.SECTION}$", audit.show_latest),
        on_tap(cb.ADMIN_AUDIT_BY.pattern, audit.show_latest),
        on_tap(cb.ADMIN_AUDIT_FIND.pattern, audit.ask_filter),
    ]


def records_states() -> dict[object, list[BaseHandler[Update, Context, object]]]:
    """The steps that wait for typed text."""
    return {
        appointments.FIND: [MessageHandler(TEXT, appointments.found)],
        changes.REASON: [MessageHandler(TEXT, changes.reason_given)],
        audit.TYPED: [MessageHandler(TEXT, audit.filter_typed)],
    }
