"""Admin → API tokens: the REST API's active tokens, a new one, and revoking one.

A new token is its name (typed; one malformed or an active token's is refused and the
prompt stays), then its scopes (toggle buttons, at least one), then its secret, shown
once in a message of its own that the admin is told to delete once it is stored; its
button replaces it with the list. Revoking asks first. Revoked tokens are counted, not
listed: they stay in the database for the audit, and ``medbot api-token list`` shows
them.

The secret is never put in the conversation's state; nothing here logs it or a name.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler

from bot.handlers.admin.typed import ask, step, tap
from bot.handlers.errors import reply_for, tell
from bot.i18n import Translator
from bot.telegram import callbacks as cb
from bot.telegram.context import Context
from bot.telegram.keyboards import button
from bot.telegram.screens import show, stale
from domain.actors import Actor
from domain.api_access import ApiToken, NewToken, Scope, grants
from domain.errors import DomainError
from domain.usecases.api_tokens import (
    CreateTokenCommand,
    create_token,
    free_token_name,
    list_tokens,
    revoke_token,
)

SECTION = cb.ADMIN_SECTION.pack("tokens")
DRAFT = "adm_tk"  # in .state: {"name": …, "scopes": [...]}, never the secret
NAME_STEP = "tk.name"
#: What the example call asks for: the directory, which the read scope allows.
EXAMPLE_PATH = "/api/v1/specialties"


def _back(context: Context) -> list[InlineKeyboardButton]:
    return [button(context.t("admin.back"), SECTION)]


def _scopes(token: ApiToken) -> str:
    return ", ".join(s.value for s in Scope if s in token.scopes)


def _when(t: Translator, token: ApiToken) -> str:
    used = token.last_used_at
    return used.strftime("%Y-%m-%d %H:%M") if used else t("admin.tokens.never")


async def show_tokens(update: Update, context: Context, admin: Actor, note: str = "") -> None:
    t = context.t
    tokens = await list_tokens(context.deps, admin)
    active = [k for k in tokens if k.active]
    lines = [note] if note else []
    lines.append(t("admin.tokens.title"))
    lines += [
        t(
            "admin.tokens.item",
            name=k.name,
            id=k.id,
            scopes=_scopes(k),
            created=k.created_at.strftime("%Y-%m-%d %H:%M"),
            used=_when(t, k),
        )
        for k in active
    ] or [t("admin.tokens.none")]
    if revoked := len(tokens) - len(active):
        lines.append(t("admin.tokens.revoked_count", count=revoked))
    rows = [[button(t("admin.tokens.new"), cb.ADMIN_TOKEN_NEW.pack())]]
    rows += [
        [button(t("admin.tokens.revoke", name=k.name), cb.ADMIN_TOKEN_REVOKE.pack(k.id or 0))]
        for k in active
    ]
    rows.append([button(t("admin.back"), cb.ADMIN_MENU.pack())])
    await show(update, "\n".join(lines), InlineKeyboardMarkup(rows))


# A new token ---------------------------------------------------------------------------


async def new_token(update: Update, context: Context, _admin: Actor) -> None:
    context.state[DRAFT] = {"scopes": []}
    markup = InlineKeyboardMarkup([_back(context)])
    await ask(update, context, context.t("admin.tokens.ask_name"), NAME_STEP, markup)


async def _ask_name_again(update: Update, context: Context, error: DomainError) -> None:
    """Say why the name will not do, below what the admin typed; the prompt stays open."""
    text = context.t(reply_for("admin_token", error).key)
    await ask(update, context, text, NAME_STEP, InlineKeyboardMarkup([_back(context)]))


@step(NAME_STEP)
async def name_typed(update: Update, context: Context, admin: Actor, text: str) -> None:
    known = context.state.get(DRAFT)
    if not isinstance(known, dict):
        await show_tokens(update, context, admin)  # the draft is gone
        return
    try:
        known["name"] = await free_token_name(context.deps, admin, text)
    except DomainError as error:
        await _ask_name_again(update, context, error)
        return
    await show_scopes(update, context)


async def show_scopes(update: Update, context: Context) -> None:
    t = context.t
    known = context.state[DRAFT]
    chosen = set(known.get("scopes", []))
    marks = {True: "admin.tokens.scope_on", False: "admin.tokens.scope_off"}
    toggles = [
        button(t(marks[s.value in chosen], scope=s.value), cb.ADMIN_TOKEN_SCOPE.pack(s.value))
        for s in Scope
    ]
    rows = [
        toggles,
        [button(t("admin.done"), cb.ADMIN_TOKEN_SCOPES_DONE.pack())],
        _back(context),
    ]
    text = t("admin.tokens.choose_scopes", name=known["name"])
    await show(update, text, InlineKeyboardMarkup(rows))


def _named_draft(context: Context) -> dict[str, Any] | None:
    """The new token being made, once it has its name; None for a button left over."""
    known = context.state.get(DRAFT)
    return known if isinstance(known, dict) and "name" in known else None


async def scope_toggled(update: Update, context: Context, _admin: Actor) -> None:
    assert update.callback_query
    known = _named_draft(context)
    scope = cb.ADMIN_TOKEN_SCOPE.unpack(update.callback_query.data)
    if known is None or scope is None:
        await stale(update, context)
        return
    await context.answer()
    known["scopes"] = sorted(set(known.get("scopes", [])) ^ {scope})
    await show_scopes(update, context)


async def scopes_done(update: Update, context: Context, admin: Actor) -> None:
    t = context.t
    known = _named_draft(context)
    if known is None:
        await stale(update, context)
        return
    scopes = frozenset(Scope(s) for s in known.get("scopes", []))
    if not scopes:
        await context.answer(t("admin.tokens.need_scope"), alert=True)
        return
    await context.answer()
    try:
        made = await create_token(context.deps, admin, CreateTokenCommand(known["name"], scopes))
    except DomainError as error:  # the name was taken since it was typed
        await _ask_name_again(update, context, error)
        return
    context.state.pop(DRAFT, None)
    hide = InlineKeyboardMarkup([[button(t("admin.tokens.hide"), SECTION)]])
    await show(update, _made(context, made), hide)


def _made(context: Context, made: NewToken) -> str:
    """The secret, once, with how to keep it and a call to try it with."""
    t = context.t
    token = made.token
    curl = f'curl -H "Authorization: Bearer {made.secret}" {context.public_url}{EXAMPLE_PATH}'
    text = t(
        "admin.tokens.made", name=token.name, scopes=_scopes(token), secret=made.secret, curl=curl
    )
    if not grants(token.scopes, Scope.READ):
        text += "\n" + t("admin.tokens.example_refused")
    return text


# Revoking ------------------------------------------------------------------------------


async def _active(context: Context, admin: Actor, token_id: int | None) -> ApiToken | None:
    tokens = await list_tokens(context.deps, admin)
    return next((k for k in tokens if k.id == token_id and k.active), None)


async def revoke_asked(update: Update, context: Context, admin: Actor) -> None:
    assert update.callback_query
    token_id = cb.ADMIN_TOKEN_REVOKE.unpack(update.callback_query.data)
    token = await _active(context, admin, token_id)
    if token is None or token.id is None:
        await stale(update, context)
        return
    await context.answer()
    t = context.t
    rows = [
        [button(t("admin.tokens.revoke_yes"), cb.ADMIN_TOKEN_REVOKE_YES.pack(token.id))],
        _back(context),
    ]
    text = t("admin.tokens.revoke_confirm", name=token.name)
    await show(update, text, InlineKeyboardMarkup(rows))


async def revoke_confirmed(update: Update, context: Context, admin: Actor) -> None:
    assert update.callback_query
    token_id = cb.ADMIN_TOKEN_REVOKE_YES.unpack(update.callback_query.data)
    token = await _active(context, admin, token_id)
    if token is None:
        await stale(update, context)
        return
    try:
        await revoke_token(context.deps, admin, token.name, token_id=token.id)
    except DomainError as error:  # revoked meanwhile: the button is stale
        await tell(update, context, reply_for("admin_token", error))
        return
    await context.answer()
    note = context.t("admin.tokens.revoked", name=token.name)
    await show_tokens(update, context, admin, note)


def handlers() -> list[CallbackQueryHandler[Context, int]]:
    return [
        tap(f"^{SECTION}$", show_tokens),
        tap(cb.ADMIN_TOKEN_NEW.pattern, new_token),
        tap(cb.ADMIN_TOKEN_SCOPE.pattern, scope_toggled, answer=False),
        tap(cb.ADMIN_TOKEN_SCOPES_DONE.pattern, scopes_done, answer=False),
        tap(cb.ADMIN_TOKEN_REVOKE.pattern, revoke_asked, answer=False),
        tap(cb.ADMIN_TOKEN_REVOKE_YES.pattern, revoke_confirmed, answer=False),
    ]
