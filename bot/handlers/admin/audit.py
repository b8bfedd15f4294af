"""Admin → Audit: the latest actions, all or by the actor's role (buttons), by a typed
actor (``admin:700000009``), appointment reference, or patient national ID (a look-up,
itself audited)."""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler

from bot.handlers.admin.guard import admin_tapped
from bot.handlers.errors import reply_for
from bot.i18n import Translator
from bot.telegram import callbacks as cb
from bot.telegram.context import Context
from bot.telegram.keyboards import button, columns
from bot.telegram.screens import show
from domain.actors import Actor
from domain.audit import AuditEntry, AuditFilter
from domain.errors import DomainError
from domain.queries import appointment_audit, audit_trail
from domain.usecases.lookup import patient_audit

SECTION = cb.ADMIN_SECTION.pack("audit")
END = ConversationHandler.END
TYPED = 42  # waiting for a typed reference or national ID
LATEST = 15
ROLES = ("admin", "doctor", "patient", "system")
_FILTER = "adm_audit"  # in .state: "a" (reference), "p" (patient) or "u" (actor) awaited


async def show_latest(update: Update, context: Context) -> int:
    """The latest actions; from a role button, only that role's."""
    admin = await admin_tapped(update, context)
    query = update.callback_query
    assert query
    role = cb.ADMIN_AUDIT_BY.unpack(query.data) if query.data != SECTION else "all"
    if admin is None or role is None:
        return END
    where = AuditFilter(actor_role=None if role == "all" else role, limit=LATEST)
    entries = await audit_trail(context.deps, admin, where)
    await _show(update, context, entries)
    return END


async def _show(update: Update, context: Context, entries: list[AuditEntry]) -> None:
    t = context.t
    text = [t("admin.audit.title")] + (
        [entry_text(t, e) for e in entries] or [t("admin.audit.none")]
    )
    await show(update, "\n".join(text), InlineKeyboardMarkup(_filters(t)))


def _filters(t: Translator) -> list[list[InlineKeyboardButton]]:
    roles = [button(t("admin.audit.all"), cb.ADMIN_AUDIT_BY.pack("all"))]
    roles += [button(t(f"admin.audit.role.{r}"), cb.ADMIN_AUDIT_BY.pack(r)) for r in ROLES]
    return [
        *columns(roles, 3),
        [
            button(t("admin.audit.by_reference"), cb.ADMIN_AUDIT_FIND.pack("a")),
            button(t("admin.audit.by_patient"), cb.ADMIN_AUDIT_FIND.pack("p")),
            button(t("admin.audit.by_actor"), cb.ADMIN_AUDIT_FIND.pack("u")),
        ],
        [button(t("admin.back"), cb.ADMIN_MENU.pack())],
    ]


def entry_text(t: Translator, entry: AuditEntry) -> str:
    """Ids only, as stored: an entry never holds names, national IDs or phones."""
    actor = entry.actor_role if entry.actor_id is None else f"{entry.actor_role}:{entry.actor_id}"
    record = f"{entry.record_type} {entry.record_id[:8]}"
    patient = t("admin.audit.patient", id=entry.patient_id) if entry.patient_id else ""
    return t(
        "admin.audit.entry",
        at=entry.at.strftime("%Y-%m-%d %H:%M"),
        actor=actor,
        action=entry.action,
        record=record,
        patient=patient,
        source=entry.source.value,
    ).rstrip()


_ACTOR = re.compile(r"(admin|doctor|patient|guest|system)(?::([0-9]{1,15}))?")


async def _by_actor(context: Context, admin: Actor, typed: str) -> list[AuditEntry] | None:
    """The entries of one actor typed as shown, ``admin:700000009`` or ``patient:5``."""
    found = _ACTOR.fullmatch(typed.strip().lower())
    if found is None:
        return None
    actor_id = int(found[2]) if found[2] else None
    where = AuditFilter(actor_role=found[1], actor_id=actor_id, limit=LATEST)
    return await audit_trail(context.deps, admin, where)


async def ask_filter(update: Update, context: Context) -> int:
    admin = await admin_tapped(update, context)
    assert update.callback_query
    kind = cb.ADMIN_AUDIT_FIND.unpack(update.callback_query.data)
    if admin is None or kind is None:
        return END
    context.state[_FILTER] = kind
    back = InlineKeyboardMarkup([[button(context.t("admin.back"), SECTION)]])
    await show(update, context.t(f"admin.audit.prompt.{kind}"), back)
    return TYPED


async def filter_typed(update: Update, context: Context) -> int:
    admin = await context.admin()
    message = update.effective_message
    kind = context.state.get(_FILTER)
    if admin is None or message is None or kind not in ("a", "p", "u"):
        return END
    typed = message.text or ""
    try:
        if kind == "u":
            entries = await _by_actor(context, admin, typed)
            if entries is None:
                await message.reply_text(context.t("admin.audit.bad_actor"))
                return TYPED
        elif kind == "a":
            entries = await appointment_audit(context.deps, admin, typed, LATEST)
        else:
            entries = await patient_audit(context.deps, admin, typed, LATEST)
    except DomainError as error:
        await message.reply_text(context.t(reply_for("admin_audit", error).key))
        return TYPED
    context.state.pop(_FILTER, None)
    await _show(update, context, entries)
    return END
