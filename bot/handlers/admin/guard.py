"""Who may use the admin side, asked on every update, and the menu's sections."""

from __future__ import annotations

from telegram import Update

from bot.handlers.common import unknown_command
from bot.telegram.context import Context
from domain.actors import Actor

#: The menu's sections: (name in callback data, catalog key of its label).
SECTIONS = (
    ("doctors", "admin.section.doctors"),
    ("catalog", "admin.section.catalog"),
    ("appointments", "admin.section.appointments"),
    ("stats", "admin.section.stats"),
    ("audit", "admin.section.audit"),
    ("staff", "admin.section.staff"),
    ("tokens", "admin.section.tokens"),
)


async def admin_or_refuse(update: Update, context: Context) -> Actor | None:
    """The sender as an admin; anyone else is answered as if the admin side did not exist."""
    admin = await context.admin()
    if admin is not None:
        return admin
    if update.callback_query is not None:
        await context.answer(context.t("button.stale"), alert=True)
    else:
        await unknown_command(update, context)
    return None


async def admin_tapped(update: Update, context: Context) -> Actor | None:
    """:func:`admin_or_refuse` for a button, whose spinner is then stopped."""
    admin = await admin_or_refuse(update, context)
    if admin is not None:
        await context.answer()
    return admin
