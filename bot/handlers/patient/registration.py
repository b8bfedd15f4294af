"""/start: privacy notice, name, country, national ID and phone, asked once each.

``/start <token>``, what an invitation's deep link sends, accepts the invitation instead.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from telegram import (
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.handlers.errors import reply_for, tell
from bot.handlers.invitations import accept
from bot.telegram import callbacks as cb
from bot.telegram.context import Context
from bot.telegram.keyboards import button, columns
from bot.telegram.screens import conversation, stale
from domain.countries import all_countries, get_country
from domain.errors import InvalidInput, InvalidNationalId, NationalIdTaken, NotFound
from domain.people import clean_full_name, clean_national_id
from domain.queries import national_id_is_free
from domain.usecases.registration import RegisterCommand, register

PRIVACY, NAME, COUNTRY, NATIONAL_ID, PHONE = range(5)
END = ConversationHandler.END


def draft(context: Context) -> dict[str, Any]:
    """What the person has told us so far; kept in persisted user data."""
    state = context.state
    found = state.setdefault("reg", {})
    if not isinstance(found, dict):
        found = state["reg"] = {}
    return found


async def start(update: Update, context: Context) -> int:
    assert update.effective_user and update.effective_message
    if context.args:  # an invitation's deep link; a registration in progress waits
        await accept(update, context, context.args[0])
        return END
    t = context.t
    patient = await context.patient()
    if patient is not None:
        context.use_language(patient.language)
        await update.effective_message.reply_text(
            context.t("start.welcome_back", name=patient.full_name.split()[0]),
            reply_markup=ReplyKeyboardRemove(),
        )
        return END
    context.state.setdefault("lang", t.language)
    if "privacy_at" in draft(context):
        return await ask_next(update, context)
    keyboard = InlineKeyboardMarkup(
        [
            [
                button(t("privacy.accept"), cb.PRIVACY_OK.pack()),
                button(t("privacy.decline"), cb.PRIVACY_NO.pack()),
            ]
        ]
    )
    await update.effective_message.reply_text(t("privacy.notice"), reply_markup=keyboard)
    return PRIVACY


async def privacy_answer(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query
    t = context.t
    await context.answer()
    if query.data == cb.PRIVACY_NO.pack():
        context.state.pop("reg", None)
        await query.edit_message_text(t("privacy.declined"))
        return END
    draft(context)["privacy_at"] = context.deps.clock.now().isoformat()
    await query.edit_message_reply_markup(None)
    return await ask_next(update, context)


async def ask_next(update: Update, context: Context) -> int:
    """Ask for the first thing we do not know yet."""
    message = update.effective_message
    assert message
    t = context.t
    known = draft(context)
    if "name" not in known:
        await message.reply_text(t("reg.ask_name"))
        return NAME
    if "country" not in known:
        countries = [
            button(c.name(t.language), cb.REGISTER_COUNTRY.pack(c.code)) for c in all_countries()
        ]
        await message.reply_text(
            t("reg.ask_country"), reply_markup=InlineKeyboardMarkup(columns(countries, 2))
        )
        return COUNTRY
    national_id = get_country(known["country"]).national_id
    if "national_id" not in known:
        await message.reply_text(
            t("reg.ask_id", id_name=national_id.name, example=national_id.example)
        )
        return NATIONAL_ID
    share = ReplyKeyboardMarkup(
        [[KeyboardButton(t("reg.share_phone"), request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    await message.reply_text(t("reg.ask_phone"), reply_markup=share)
    return PHONE


async def name_given(update: Update, context: Context) -> int:
    assert update.effective_message
    try:
        draft(context)["name"] = clean_full_name(update.effective_message.text or "")
    except InvalidInput as error:
        await tell(update, context, reply_for("register", error))
        return NAME
    return await ask_next(update, context)


async def country_chosen(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query and query.data
    try:
        country = get_country(cb.REGISTER_COUNTRY.unpack(query.data) or "")
    except NotFound:
        await context.answer(context.t("button.stale"), alert=True)
        return COUNTRY
    await context.answer()
    draft(context)["country"] = country.code
    await query.edit_message_text(country.name(context.t.language))
    return await ask_next(update, context)


async def national_id_given(update: Update, context: Context) -> int:
    assert update.effective_message
    t = context.t
    country = get_country(draft(context)["country"])
    national_id = country.national_id
    try:
        compact = clean_national_id(update.effective_message.text or "", country.code)
    except InvalidNationalId as error:
        await update.effective_message.reply_text(
            t(f"reg.bad_id.{error.reason}", id_name=national_id.name)
        )
        return NATIONAL_ID
    if not await national_id_is_free(context.deps, await context.actor(), country.code, compact):
        await update.effective_message.reply_text(t("reg.id_taken", id_name=national_id.name))
        return NATIONAL_ID
    draft(context)["national_id"] = compact
    await update.effective_message.reply_text(
        t("reg.id_ok", id_name=national_id.name, formatted=national_id.format(compact))
    )
    return await ask_next(update, context)


async def contact_shared(update: Update, context: Context) -> int:
    message, user = update.effective_message, update.effective_user
    assert message and user
    t = context.t
    contact = message.contact
    if contact is None or contact.user_id != user.id:
        await message.reply_text(t("reg.not_own_contact"))
        return PHONE
    known = draft(context)
    command = RegisterCommand(
        full_name=known["name"],
        country=known["country"],
        national_id=known["national_id"],
        phone=contact.phone_number,
        language=t.language,
        privacy_accepted_at=datetime.fromisoformat(known["privacy_at"]),
    )
    try:
        patient = await register(context.deps, await context.actor(), command)
    except NationalIdTaken:  # taken since it was typed: ask for it again
        id_name = get_country(known["country"]).national_id.name
        await message.reply_text(t("reg.id_taken", id_name=id_name))
        known.pop("national_id", None)
        return await ask_next(update, context)
    except InvalidInput as error:
        await tell(update, context, reply_for("register", error))
        return PHONE
    context.state.pop("reg", None)
    context.forget_actor()
    await message.reply_text(
        t("reg.done", name=patient.full_name.split()[0]), reply_markup=ReplyKeyboardRemove()
    )
    return END


async def phone_typed(update: Update, context: Context) -> int:
    assert update.effective_message
    await update.effective_message.reply_text(context.t("reg.bad_phone"))
    return PHONE


async def cancelled(update: Update, context: Context) -> int:
    """/cancel, which every prompt offers: leave registration and forget the draft."""
    assert update.effective_message
    context.state.pop("reg", None)
    await update.effective_message.reply_text(
        context.t("reg.cancelled"), reply_markup=ReplyKeyboardRemove()
    )
    return END


def registration_handler() -> ConversationHandler[Context]:
    text = filters.TEXT & ~filters.COMMAND
    return conversation(
        entry_points=[CommandHandler("start", start)],
        states={
            PRIVACY: [
                CallbackQueryHandler(privacy_answer, pattern=cb.PRIVACY_OK.pattern),
                CallbackQueryHandler(privacy_answer, pattern=cb.PRIVACY_NO.pattern),
            ],
            NAME: [MessageHandler(text, name_given)],
            COUNTRY: [CallbackQueryHandler(country_chosen, pattern=cb.REGISTER_COUNTRY.pattern)],
            NATIONAL_ID: [MessageHandler(text, national_id_given)],
            PHONE: [
                MessageHandler(filters.CONTACT, contact_shared),
                MessageHandler(text, phone_typed),
            ],
        },
        fallbacks=[
            CommandHandler("start", start),
            CommandHandler("cancel", cancelled),
            CallbackQueryHandler(stale, pattern=r"^rg:"),
            MessageHandler(filters.ALL & ~filters.COMMAND, stale),
        ],
        name="registration",
    )
