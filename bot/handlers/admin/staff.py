"""Admin → Staff: who is an admin or a linked doctor; invite, unlink and revoke."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler

from bot.handlers.admin.guard import admin_or_refuse
from bot.handlers.errors import reply_for, tell
from bot.handlers.invitations import invitation_link
from bot.telegram import callbacks as cb
from bot.telegram.context import Context
from bot.telegram.keyboards import button, columns
from bot.telegram.screens import show
from domain.actors import Actor
from domain.errors import DomainError
from domain.ports import Deps
from domain.queries import clinic_doctors, staff_members
from domain.staff import StaffRole
from domain.usecases.invitations import InviteCommand, invite
from domain.usecases.staff import revoke_admin, unlink_doctor

SECTION = cb.ADMIN_SECTION.pack("staff")


def _back(context: Context) -> list[Any]:
    return [button(context.t("admin.back"), SECTION)]


async def show_staff(update: Update, context: Context) -> None:
    admin = await admin_or_refuse(update, context)
    if admin is None:
        return
    assert update.callback_query
    await context.answer()
    t = context.t
    admins = await staff_members(context.deps, admin, StaffRole.ADMIN)
    doctors = {d.id: d for d in await clinic_doctors(context.deps, admin)}
    linked = [d for d in doctors.values() if d.telegram_user_id is not None]
    lines = [t("admin.staff.title"), t("admin.staff.admins", count=len(admins))]
    lines += [t("admin.staff.linked", name=d.full_name) for d in linked]
    rows = [
        [button(t("admin.staff.invite_doctor"), cb.ADMIN_INVITE_DOCTOR.pack(0))],
        [button(t("admin.staff.invite_admin"), cb.ADMIN_INVITE_ADMIN.pack())],
    ]
    rows += [
        [button(t("admin.staff.unlink", name=d.full_name), cb.ADMIN_UNLINK.pack(d.id or 0))]
        for d in linked
    ]
    rows += [
        [
            button(
                t("admin.staff.revoke", id=g.telegram_user_id),
                cb.ADMIN_REVOKE.pack(g.telegram_user_id),
            )
        ]
        for g in admins
    ]
    rows.append([button(t("admin.back"), cb.ADMIN_MENU.pack())])
    await show(update, "\n".join(lines), InlineKeyboardMarkup(rows))


async def invite_doctor(update: Update, context: Context) -> None:
    """With doctor 0, the doctors to choose from; with a doctor, that doctor's link."""
    admin = await admin_or_refuse(update, context)
    if admin is None:
        return
    query = update.callback_query
    assert query
    doctor_id = cb.ADMIN_INVITE_DOCTOR.unpack(query.data)
    await context.answer()
    t = context.t
    if not doctor_id:
        doctors = [d for d in await clinic_doctors(context.deps, admin) if d.active]
        choices = [button(d.full_name, cb.ADMIN_INVITE_DOCTOR.pack(d.id or 0)) for d in doctors]
        markup = InlineKeyboardMarkup([*columns(choices, 1), _back(context)])
        await show(update, t("admin.staff.choose_doctor"), markup)
        return
    try:
        issued = await invite(context.deps, admin, InviteCommand(StaffRole.DOCTOR, doctor_id))
    except DomainError as error:
        await tell(update, context, reply_for("invite", error))
        return
    link = invitation_link(context, issued.token)
    markup = InlineKeyboardMarkup([_back(context)])
    await show(update, t("admin.staff.link_doctor", link=link), markup)


async def invite_admin(update: Update, context: Context) -> None:
    admin = await admin_or_refuse(update, context)
    if admin is None:
        return
    assert update.callback_query
    await context.answer()
    issued = await invite(context.deps, admin, InviteCommand(StaffRole.ADMIN))
    link = invitation_link(context, issued.token)
    markup = InlineKeyboardMarkup([_back(context)])
    await show(update, context.t("admin.staff.link_admin", link=link), markup)


async def unlink(update: Update, context: Context) -> None:
    await _remove(update, context, "unlink", cb.ADMIN_UNLINK, unlink_doctor)


async def revoke(update: Update, context: Context) -> None:
    await _remove(update, context, "revoke", cb.ADMIN_REVOKE, revoke_admin)


async def _remove(
    update: Update,
    context: Context,
    action: str,
    codec: cb.Codec[int],
    use_case: Callable[[Deps, Actor, int], Awaitable[None]],
) -> None:
    """Unlink a doctor or revoke an admin, as the button says, then show the staff again."""
    admin = await admin_or_refuse(update, context)
    if admin is None:
        return
    query = update.callback_query
    assert query
    try:
        await use_case(context.deps, admin, codec.unpack(query.data) or 0)
    except DomainError as error:
        await tell(update, context, reply_for(action, error))
        return
    await show_staff(update, context)


def handlers() -> list[CallbackQueryHandler[Context, Any]]:
    return [
        CallbackQueryHandler(show_staff, pattern=f"^{SECTION}$"),
        CallbackQueryHandler(invite_doctor, pattern=cb.ADMIN_INVITE_DOCTOR.pattern),
        CallbackQueryHandler(invite_admin, pattern=cb.ADMIN_INVITE_ADMIN.pattern),
        CallbackQueryHandler(unlink, pattern=cb.ADMIN_UNLINK.pattern),
        CallbackQueryHandler(revoke, pattern=cb.ADMIN_REVOKE.pattern),
    ]
