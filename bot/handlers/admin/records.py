"""Admin → Appointments, Statistics and Audit as one conversation, for the steps that
wait for typed text (a reference or national ID to find, a cancellation's reason).

Every button of these sections enters it again (``allow_reentry``), so moving about
them leaves any typing step; the typing steps answer ``/cancel`` too.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler, ConversationHandler, MessageHandler
from telegram.ext import filters as f

from bot.handlers.admin import appointment_changes as changes
from bot.handlers.admin import appointments, audit, stats
from bot.handlers.admin.guard import admin_or_refuse
from bot.telegram import callbacks as cb
from bot.telegram.context import Context
from bot.telegram.screens import conversation, on_tap

TEXT = f.TEXT & ~f.COMMAND


async def stop_typing(update: Update, context: Context) -> int:
    if await admin_or_refuse(update, context) is not None:
        assert update.effective_message
        await update.effective_message.reply_text(context.t("admin.typing_stopped"))
    return ConversationHandler.END


def records_handler() -> ConversationHandler[Context]:
    taps = [
        on_tap(f"^{appointments.SECTION}$", appointments.show_section),
        on_tap(cb.ADMIN_DAY_AT.pattern, appointments.day_at),
        on_tap(cb.ADMIN_DAY_OF.pattern, appointments.day_of),
        on_tap(cb.ADMIN_OPEN.pattern, appointments.open_one),
        on_tap(cb.ADMIN_FIND.pattern, appointments.ask_to_find),
        on_tap(cb.ADMIN_CANCEL.pattern, changes.ask_reason),
        on_tap(cb.ADMIN_MOVE.pattern, changes.free_times),
        on_tap(cb.ADMIN_MOVE_TO.pattern, changes.move_to),
        on_tap(cb.ADMIN_MARK.pattern, changes.mark),
        on_tap(f"^{stats.SECTION}$", stats.show_periods),
        on_tap(cb.ADMIN_STATS.pattern, stats.show_period),
        on_tap(f"^{audit.SECTION}$", audit.show_latest),
        on_tap(cb.ADMIN_AUDIT_BY.pattern, audit.show_latest),
        on_tap(cb.ADMIN_AUDIT_FIND.pattern, audit.ask_filter),
    ]
    return conversation(
        entry_points=taps,
        states={
            appointments.FIND: [MessageHandler(TEXT, appointments.found)],
            changes.REASON: [MessageHandler(TEXT, changes.reason_given)],
            audit.TYPED: [MessageHandler(TEXT, audit.filter_typed)],
        },
        fallbacks=[CommandHandler("cancel", stop_typing)],
        name="admin_records",
    )
