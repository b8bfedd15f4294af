"""Opening an invitation link: ``/start <token>`` gives the sender the role it carries."""

from __future__ import annotations

from telegram import Update

from bot.handlers.errors import reply_for, tell
from bot.telegram.context import Context
from domain.errors import DomainError
from domain.staff import StaffRole, deep_link
from domain.usecases.invitations import accept_invitation


def invitation_link(context: Context, token: str) -> str:
    """The link to send the invitee: ``https://t.me/<this bot>?start=<token>``."""
    return deep_link(context.bot.username, token)


async def accept(update: Update, context: Context, token: str) -> None:
    """Link the sender as the invitation says, or say why not; the token is never logged."""
    message = update.effective_message
    assert message
    found = await context.identity()
    if found is None:
        return
    try:
        accepted = await accept_invitation(context.deps, found.actor, token)
    except DomainError as error:
        await tell(update, context, reply_for("accept", error))
        return
    context.forget_actor()
    if accepted.role is StaffRole.DOCTOR:
        await message.reply_text(context.t("invite.accepted_doctor", name=accepted.doctor_name))
    else:
        await message.reply_text(context.t("invite.accepted_admin"))
