"""/calendar: a linked doctor's private calendar feed link, made, replaced or turned off.

The link is shown once, when it is made (only its hash is stored); after that
/calendar says since when the doctor has one, with buttons for a new link (the old one
stops working) and for turning it off. Every update asks ``context.doctor()`` afresh:
anyone else gets the unknown-command help, or the stale-button alert for a button.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.handlers.common import unknown_command
from bot.http.calendar_feed import feed_url
from bot.telegram import callbacks as cb
from bot.telegram.context import Context
from bot.telegram.keyboards import button
from bot.telegram.screens import show, stale
from domain.countries import get_country
from domain.usecases.calendar_feeds import current_feed, new_feed, revoke_feed
from domain.usecases.hours import schedule_of


async def calendar(update: Update, context: Context) -> None:
    doctor = await context.doctor()
    if doctor is None:
        await unknown_command(update, context)
        return
    t = context.t
    feed = await current_feed(context.deps, doctor)
    if feed is None:
        keyboard = [[button(t("feed.make"), cb.FEED_NEW.pack())]]
        await show(update, t("feed.intro"), InlineKeyboardMarkup(keyboard))
        return
    found = await schedule_of(context.deps, doctor, doctor.id or 0)
    zone = get_country(found.country).timezone
    keyboard = [
        [button(t("feed.remake"), cb.FEED_NEW.pack())],
        [button(t("feed.revoke"), cb.FEED_REVOKE.pack())],
    ]
    text = t("feed.active", day=t.day(feed.created_at, zone))
    await show(update, text, InlineKeyboardMarkup(keyboard))


async def make(update: Update, context: Context) -> None:
    doctor = await context.doctor()
    if doctor is None:
        await stale(update, context)
        return
    await context.answer()
    t = context.t
    replaced = await current_feed(context.deps, doctor) is not None
    secret = await new_feed(context.deps, doctor)
    link = feed_url(context.public_url, secret)
    text = t("feed.made", link=link) + ("\n\n" + t("feed.replaced") if replaced else "")
    await show(update, text)


async def revoke(update: Update, context: Context) -> None:
    doctor = await context.doctor()
    if doctor is None:
        await stale(update, context)
        return
    await context.answer()
    revoked = await revoke_feed(context.deps, doctor)
    await show(update, context.t("feed.revoked" if revoked else "feed.none"))


def calendar_feed_handlers() -> list[
    CommandHandler[Context, None] | CallbackQueryHandler[Context, None]
]:
    return [
        CommandHandler("calendar", calendar),
        CallbackQueryHandler(make, pattern=cb.FEED_NEW.pattern),
        CallbackQueryHandler(revoke, pattern=cb.FEED_REVOKE.pattern),
    ]
