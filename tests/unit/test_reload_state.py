"""A process taking polling over starts from the state its predecessor wrote, not from
what it read at start-up; ``reload_state`` uses PTB's private loaders, so this pins them."""

from __future__ import annotations

import warnings

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CommandHandler,
    ConversationHandler,
    DictPersistence,
)
from telegram.warnings import PTBUserWarning

from bot.telegram.persistence import reload_state

ANA, BEN, EVE = 1, 2, 3


async def _nothing(_update: Update, _context: object) -> None:
    return None


def _application(persistence: DictPersistence) -> tuple[Application, ConversationHandler]:  # type: ignore[type-arg]
    application = ApplicationBuilder().token("123:abc").persistence(persistence).build()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBUserWarning)
        handler: ConversationHandler = ConversationHandler(  # type: ignore[type-arg]
            entry_points=[CommandHandler("book", _nothing)],
            states={},
            fallbacks=[],
            name="booking",
            persistent=True,
        )
    application.add_handler(handler)
    return application, handler


async def test_a_takeover_sees_what_the_other_instance_wrote_and_forgets_what_it_dropped() -> None:
    persistence = DictPersistence(
        user_data_json='{"1": {"step": "day"}, "2": {"step": "time"}}',
        conversations_json='{"booking": {"[1, 1]": 1, "[2, 2]": 2}}',
    )
    application, handler = _application(persistence)
    await application._initialize_persistence()
    await application._add_ch_to_persistence(handler)
    # Meanwhile the polling instance moves Ana on, finishes Ben's booking, starts Eve's.
    await persistence.update_user_data(ANA, {"step": "confirm"})
    await persistence.drop_user_data(BEN)
    await persistence.update_user_data(EVE, {"step": "specialty"})
    await persistence.update_conversation("booking", (ANA, ANA), 3)
    await persistence.update_conversation("booking", (BEN, BEN), None)
    await persistence.update_conversation("booking", (EVE, EVE), 1)
    written = (persistence.user_data_json, persistence.conversations_json)

    await reload_state(application)

    assert dict(application.user_data) == {ANA: {"step": "confirm"}, EVE: {"step": "specialty"}}
    conversations = handler._conversations
    assert {key: state for key, state in conversations.items() if state is not None} == {
        (ANA, ANA): 3,
        (EVE, EVE): 1,
    }  # DictPersistence keeps an ended conversation as None; medbot's deletes the row
    await application.update_persistence()  # the reload itself writes nothing back
    assert (persistence.user_data_json, persistence.conversations_json) == written
