"""The Bot API stand-in behaves like Telegram, over real HTTP, for PTB and for raw clients."""

from __future__ import annotations

import ast
import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest, Conflict, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes

from bot.sandbox.standin import BotApiStandIn, Person
from bot.sandbox.standin.spec import SHIPPED_SPEC

STANDIN = Path(__file__).resolve().parents[2] / "bot" / "sandbox" / "standin"
SHARED_SPEC = Path(__file__).resolve().parents[3] / "shared" / "telegram-bot-api-spec"

# Helpers -------------------------------------------------------------------------------


async def post_json(
    http: aiohttp.ClientSession, api: BotApiStandIn, method: str, payload: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    async with http.post(f"{api.base_url}{api.token}/{method}", json=payload) as response:
        return response.status, await response.json()


async def post_form(
    http: aiohttp.ClientSession, api: BotApiStandIn, method: str, form: dict[str, str]
) -> tuple[int, dict[str, Any]]:
    async with http.post(f"{api.base_url}{api.token}/{method}", data=form) as response:
        return response.status, await response.json()


async def started_person(api: BotApiStandIn, name: str = "Ana") -> Person:
    person = api.person(name)
    await person.send("/start")
    return person


WEBHOOK_SECRET = "s3cret_token"  # noqa: S105 -- a made-up value for the test
CONFIRM_KEYBOARD = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("Confirm", callback_data="confirm:42"),
            InlineKeyboardButton("Cancel", callback_data="cancel:42"),
        ]
    ]
)


async def _answer(bot: Bot, update: Update) -> None:
    """A tiny clinic bot, enough to exercise the driver."""
    if update.callback_query is not None:
        query = update.callback_query
        if query.data == "confirm:42":
            await query.edit_message_text("Confirmed for Monday 10:00")
            await query.answer("Done")
        else:
            await query.answer("This button is no longer valid", show_alert=True)
        return
    message = update.message
    if message is None:
        return
    if message.contact is not None:
        text = f"Thanks, {message.contact.phone_number} saved"
        await message.reply_text(text, reply_markup=ReplyKeyboardRemove())
    elif message.text == "/start":
        await bot.send_message(message.chat.id, "Welcome! Confirm your appointment?")
        await bot.send_message(
            message.chat.id, "Appointment on Monday 10:00", reply_markup=CONFIRM_KEYBOARD
        )
    elif message.text == "/phone":
        keyboard = ReplyKeyboardMarkup(
            [[KeyboardButton("Share my phone", request_contact=True)], ["Skip"]],
            one_time_keyboard=True,
        )
        await message.reply_text("May we have your phone?", reply_markup=keyboard)
    elif message.text == "Skip":
        await message.reply_text("Skipped", reply_markup=ReplyKeyboardRemove())


async def _poll_forever(bot: Bot) -> None:
    offset = None
    while True:
        for update in await bot.get_updates(offset=offset, timeout=1):
            offset = update.update_id + 1
            await _answer(bot, update)


@pytest.fixture
async def clinic_bot(bot: Bot) -> AsyncIterator[Bot]:
    task = asyncio.create_task(_poll_forever(bot))
    yield bot
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


# getMe and method routing --------------------------------------------------------------


async def test_get_me_answers_the_bot_user_to_python_telegram_bot(
    api: BotApiStandIn, bot: Bot
) -> None:
    me = await bot.get_me()

    assert me.is_bot
    assert me.id == 123456789
    assert me.username == "medbot_sandbox_bot"
    assert me.can_join_groups is True
    assert me.supports_inline_queries is False


async def test_method_names_are_matched_case_insensitively(
    api: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    status, body = await post_json(http, api, "GETME", {})

    assert status == 200
    assert body["result"]["is_bot"] is True


async def test_an_unknown_method_answers_404(
    api: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    status, body = await post_json(http, api, "sendTelepathy", {"chat_id": 1})

    assert status == 404
    assert body == {"ok": False, "error_code": 404, "description": "Not Found"}


async def test_a_wrong_token_is_unauthorized(
    api: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    async with http.post(f"{api.base_url}42:wrong/getMe") as response:
        assert response.status == 401
        assert (await response.json())["description"] == "Unauthorized"


# Long polling --------------------------------------------------------------------------


async def test_a_long_poll_returns_as_soon_as_a_person_writes(api: BotApiStandIn, bot: Bot) -> None:
    ana = api.person("Ana", "Quispe", username="ana_q")
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)

    await ana.send("/start appointment")
    updates = await poll

    assert time.monotonic() - started < 2
    message = updates[0].message
    assert message is not None
    assert message.text == "/start appointment"
    assert message.chat.id == ana.chat_id
    assert message.chat.type == "private"
    assert message.from_user is not None
    assert message.from_user.language_code == "es"
    assert message.parse_entities() == {message.entities[0]: "/start"}
    assert message.entities[0].type == "bot_command"


async def test_a_long_poll_without_updates_answers_an_empty_list_after_its_timeout(
    api: BotApiStandIn, bot: Bot
) -> None:
    started = time.monotonic()

    updates = await bot.get_updates(timeout=1)

    assert updates == ()
    assert 0.9 <= time.monotonic() - started < 2


async def test_an_offset_confirms_the_updates_before_it(
    api: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    ana = api.person("Ana")
    await ana.send("hola")
    await ana.send("¿hay citas?")

    _, first = await post_form(http, api, "getUpdates", {"timeout": "0"})
    last_id = first["result"][-1]["update_id"]
    _, again = await post_form(http, api, "getUpdates", {"offset": str(last_id)})
    _, after = await post_form(http, api, "getUpdates", {"offset": str(last_id + 1)})

    assert [u["message"]["text"] for u in first["result"]] == ["hola", "¿hay citas?"]
    assert [u["update_id"] for u in again["result"]] == [last_id]
    assert after["result"] == []


async def test_a_second_long_poll_terminates_the_first_with_a_conflict(
    api: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    first = asyncio.create_task(post_form(http, api, "getUpdates", {"timeout": "5"}))
    await asyncio.sleep(0.1)

    await post_form(http, api, "getUpdates", {"timeout": "0"})
    status, body = await first

    assert status == 409
    assert body["description"].startswith("Conflict: terminated by other getUpdates request")


# Webhook -------------------------------------------------------------------------------


async def test_updates_are_posted_to_the_webhook_with_the_secret_header(
    api: BotApiStandIn, bot: Bot
) -> None:
    received: asyncio.Queue[tuple[str | None, dict[str, Any]]] = asyncio.Queue()

    async def webhook(request: web.Request) -> web.Response:
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        await received.put((secret, await request.json()))
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token=WEBHOOK_SECRET)
        await api.person("Ana").send("/start")

        secret, update = await asyncio.wait_for(received.get(), 2)
        with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
            await bot.get_updates()
        info = await bot.get_webhook_info()
    finally:
        await runner.cleanup()

    assert secret == WEBHOOK_SECRET
    assert update["message"]["text"] == "/start"
    assert info.url == f"http://127.0.0.1:{port}/hook"
    assert info.pending_update_count == 0


async def test_a_failing_webhook_is_retried_and_its_error_reported(
    api: BotApiStandIn, bot: Bot
) -> None:
    await bot.set_webhook("http://127.0.0.1:9/unreachable")
    await api.person("Ana").send("hola")
    await asyncio.sleep(0.2)

    info = await bot.get_webhook_info()
    await bot.delete_webhook()
    updates = await bot.get_updates()

    assert info.pending_update_count == 1
    assert info.last_error_message == "Connection refused"
    assert [u.message.text for u in updates if u.message] == ["hola"]


# Spec violations -----------------------------------------------------------------------


async def test_an_unknown_parameter_is_refused_and_recorded_as_a_violation(
    api: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    ana = await started_person(api)

    status, body = await post_json(
        http, api, "sendMessage", {"chat_id": ana.chat_id, "text": "hi", "txet": "typo"}
    )

    assert status == 400
    assert "unknown parameter 'txet'" in body["description"]
    assert [str(v) for v in api.violations] == ["sendMessage: unknown parameter 'txet'"]
    assert api.violations[0].params["chat_id"] == ana.chat_id
    with pytest.raises(AssertionError, match="txet"):
        api.assert_no_violations()


async def test_a_value_of_the_wrong_type_is_a_violation(
    api: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    ana = await started_person(api)

    form_status, _ = await post_form(
        http, api, "deleteMessage", {"chat_id": str(ana.chat_id), "message_id": "first"}
    )
    json_status, _ = await post_json(
        http, api, "sendMessage", {"chat_id": ana.chat_id, "text": "hi", "disable_notification": 1}
    )

    assert (form_status, json_status) == (400, 400)
    assert [str(v) for v in api.violations] == [
        "deleteMessage: message_id: expected Integer, got unparsable text",
        "sendMessage: disable_notification: expected Boolean, got an integer",
    ]


async def test_a_missing_required_parameter_is_a_violation(
    api: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    ana = await started_person(api)

    status, body = await post_json(http, api, "sendMessage", {"chat_id": ana.chat_id})

    assert status == 400
    assert body["description"] == "Bad Request: missing required parameter 'text'"


async def test_a_bad_button_field_inside_reply_markup_is_a_violation(
    api: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    ana = await started_person(api)
    markup = {"inline_keyboard": [[{"text": "Confirm", "callback_dat": "confirm"}]]}

    status, _ = await post_form(
        http,
        api,
        "sendMessage",
        {"chat_id": str(ana.chat_id), "text": "Confirm?", "reply_markup": json.dumps(markup)},
    )

    assert status == 400
    assert [str(v) for v in api.violations] == [
        (
            "sendMessage: reply_markup.inline_keyboard[0][0]: "
            "unknown field 'callback_dat' in InlineKeyboardButton"
        )
    ]


async def test_reply_markup_may_be_an_object_or_a_json_string_in_a_json_body(
    api: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    ana = await started_person(api)
    markup = {"keyboard": [["Yes", {"text": "No"}]], "one_time_keyboard": True}

    as_object, _ = await post_json(
        http, api, "sendMessage", {"chat_id": ana.chat_id, "text": "1", "reply_markup": markup}
    )
    as_string, _ = await post_json(
        http,
        api,
        "sendMessage",
        {"chat_id": str(ana.chat_id), "text": "2", "reply_markup": json.dumps(markup)},
    )

    assert (as_object, as_string) == (200, 200)
    assert ana.buttons() == ["Yes", "No"]
    api.assert_no_violations()


async def test_a_command_scope_is_checked_against_the_kind_it_names(
    api: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    status, _ = await post_json(
        http,
        api,
        "setMyCommands",
        {"commands": [{"command": "start", "description": "Start"}], "scope": {"type": "chat"}},
    )

    assert status == 400
    assert [str(v) for v in api.violations] == [
        "setMyCommands: scope: missing required field 'chat_id' of BotCommandScopeChat"
    ]


# Telegram's error answers --------------------------------------------------------------


async def test_callback_data_longer_than_64_bytes_is_refused(api: BotApiStandIn, bot: Bot) -> None:
    ana = await started_person(api)
    too_long = "é" * 33  # 33 characters, 66 bytes
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Pick", callback_data=too_long)]])

    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(ana.chat_id, "Pick a slot", reply_markup=markup)
    assert [str(v) for v in api.violations] == []


async def test_an_edit_that_changes_nothing_is_refused_as_not_modified(
    api: BotApiStandIn, bot: Bot
) -> None:
    ana = await started_person(api)
    sent = await bot.send_message(ana.chat_id, "Monday 10:00", reply_markup=CONFIRM_KEYBOARD)

    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text(
            "Monday 10:00", ana.chat_id, sent.message_id, reply_markup=CONFIRM_KEYBOARD
        )
    edited = await bot.edit_message_text("Monday 10:00", ana.chat_id, sent.message_id)

    assert isinstance(edited, object)
    assert ana.last_message.buttons() == []  # an edit without reply_markup drops the keyboard
    assert ana.last_message.edit_date is not None


async def test_an_empty_message_is_refused(api: BotApiStandIn, bot: Bot) -> None:
    ana = await started_person(api)

    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(ana.chat_id, "  \n ")


async def test_a_message_longer_than_4096_characters_is_refused(
    api: BotApiStandIn, bot: Bot
) -> None:
    ana = await started_person(api)
    await bot.send_message(ana.chat_id, "x" * 4096)

    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(ana.chat_id, "x" * 4097)


async def test_a_chat_nobody_wrote_from_is_not_found(api: BotApiStandIn, bot: Bot) -> None:
    silent = api.person("Luis")

    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(987654321, "hola")
    with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
        await bot.send_message(silent.chat_id, "hola")


async def test_editing_or_deleting_a_missing_message_is_refused(
    api: BotApiStandIn, bot: Bot
) -> None:
    ana = await started_person(api)
    sent = await bot.send_message(ana.chat_id, "Your code is 1234")
    assert await bot.delete_message(ana.chat_id, sent.message_id)

    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(ana.chat_id, sent.message_id)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", ana.chat_id, sent.message_id)
    assert ana.messages == []
    assert ana.transcript[-1].deleted


async def test_html_that_telegram_cannot_parse_is_refused(api: BotApiStandIn, bot: Bot) -> None:
    ana = await started_person(api)

    with pytest.raises(BadRequest, match=r'(?i)unsupported start tag "ana"'):
        await bot.send_message(ana.chat_id, "Hola <Ana>", parse_mode="HTML")
    await bot.send_message(ana.chat_id, "Hola <b>&lt;Ana&gt;</b>", parse_mode="HTML")

    assert ana.last_message.text == "Hola <Ana>"
    assert ana.last_message.entities == [{"type": "bold", "offset": 5, "length": 5}]


async def test_an_unescaped_reserved_character_in_markdown_v2_is_refused(
    api: BotApiStandIn, bot: Bot
) -> None:
    ana = await started_person(api)

    with pytest.raises(BadRequest, match=r"(?i)character '\.' is reserved"):
        await bot.send_message(ana.chat_id, "See you at 10.00", parse_mode="MarkdownV2")


# Flood limits --------------------------------------------------------------------------


async def test_more_than_a_burst_of_messages_to_one_chat_is_throttled(
    api: BotApiStandIn, bot: Bot
) -> None:
    ana = await started_person(api)
    for n in range(3):
        await bot.send_message(ana.chat_id, f"reminder {n}")

    with pytest.raises(RetryAfter) as refused:
        await bot.send_message(ana.chat_id, "one too many")

    assert refused.value.retry_after.total_seconds() >= 1  # type: ignore[union-attr]
    assert api.journal.requests[-1].status == 429
    assert len(ana.messages) == 3


async def test_without_flood_limits_a_burst_is_not_throttled() -> None:
    async with (
        BotApiStandIn(flood_limits=False) as api,
        Bot(api.token, base_url=api.base_url) as bot,
    ):
        ana = await started_person(api)
        await asyncio.gather(*(bot.send_message(ana.chat_id, f"n{n}") for n in range(40)))

        assert len(ana.messages) == 40


# Injected faults -----------------------------------------------------------------------


async def test_an_injected_403_reaches_the_bot_as_forbidden(api: BotApiStandIn, bot: Bot) -> None:
    ana = await started_person(api)
    api.faults.block_next(chat_id=ana.chat_id)

    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(ana.chat_id, "Reminder")
    await bot.send_message(ana.chat_id, "Reminder")  # only the next call failed

    assert len(ana.messages) == 1


async def test_an_injected_502_reaches_the_bot_as_a_network_error(
    api: BotApiStandIn, bot: Bot
) -> None:
    ana = await started_person(api)
    api.faults.fail_next(502, method="sendMessage")

    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(ana.chat_id, "Reminder")


async def test_an_injected_429_carries_the_given_retry_after(api: BotApiStandIn, bot: Bot) -> None:
    ana = await started_person(api)
    api.faults.throttle_next(7, method="sendmessage")

    with pytest.raises(RetryAfter) as refused:
        await bot.send_message(ana.chat_id, "Reminder")

    assert refused.value.retry_after.total_seconds() == 7  # type: ignore[union-attr]


async def test_an_injected_delay_makes_the_bot_time_out_though_the_message_is_sent(
    api: BotApiStandIn, bot: Bot
) -> None:
    ana = await started_person(api)
    api.faults.delay_next(0.3, method="sendMessage")

    with pytest.raises(TimedOut):
        await bot.send_message(ana.chat_id, "Reminder", read_timeout=0.1)

    await ana.wait_for("Reminder", timeout=1)


async def test_a_person_who_blocked_the_bot_answers_403_and_notifies_the_bot(
    api: BotApiStandIn, bot: Bot
) -> None:
    ana = await started_person(api)
    ana.block_bot()

    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(ana.chat_id, "Reminder")
    updates = await bot.get_updates()

    member = updates[-1].my_chat_member
    assert member is not None
    assert member.new_chat_member.status == "kicked"


# Files and settings --------------------------------------------------------------------


async def test_a_document_uploaded_by_the_bot_can_be_downloaded_again(
    api: BotApiStandIn, bot: Bot
) -> None:
    ana = await started_person(api)
    content = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"

    sent = await bot.send_document(
        ana.chat_id, document=content, filename="cita.ics", caption="Your appointment"
    )
    assert sent.document is not None
    file = await bot.get_file(sent.document.file_id)
    downloaded = await file.download_as_bytearray()

    assert bytes(downloaded) == content
    assert sent.document.file_name == "cita.ics"
    assert sent.document.mime_type == "text/calendar"
    received = await ana.wait_for_document(r"\.ics$")
    assert received.caption == "Your appointment"
    assert api.file_content(sent.document.file_id) == content


async def test_a_document_can_be_sent_again_by_file_id(api: BotApiStandIn, bot: Bot) -> None:
    ana = await started_person(api)
    first = await bot.send_document(ana.chat_id, document=b"%PDF-1.4", filename="a.pdf")
    assert first.document is not None

    again = await bot.send_document(ana.chat_id, document=first.document.file_id)
    with pytest.raises(BadRequest, match="Wrong file identifier"):
        await bot.send_document(ana.chat_id, document="no-such-file")

    assert again.document is not None
    assert again.document.file_unique_id == first.document.file_unique_id


async def test_commands_are_kept_per_language(api: BotApiStandIn, bot: Bot) -> None:
    await bot.set_my_commands([("start", "Empezar"), ("citas", "Mis citas")], language_code="es")
    await bot.set_my_commands([("start", "Start"), ("appointments", "My appointments")])

    spanish = await bot.get_my_commands(language_code="es")
    default = await bot.get_my_commands()
    french = await bot.get_my_commands(language_code="fr")

    assert [(c.command, c.description) for c in spanish] == [
        ("start", "Empezar"),
        ("citas", "Mis citas"),
    ]
    assert [c.command for c in default] == ["start", "appointments"]
    assert french == ()
    await bot.delete_my_commands(language_code="es")
    assert await bot.get_my_commands(language_code="es") == ()


async def test_an_invalid_command_name_is_refused(api: BotApiStandIn, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await bot.set_my_commands([("/Start", "Start")])


# The request journal -------------------------------------------------------------------


async def test_the_request_log_can_be_followed_live(api: BotApiStandIn, bot: Bot) -> None:
    queue = api.journal.subscribe()
    seen: list[str] = []
    remove = api.journal.add_listener(lambda record: seen.append(record.method))
    ana = await started_person(api)

    await bot.send_message(ana.chat_id, "hola")
    record = await asyncio.wait_for(queue.get(), 1)
    remove()
    api.journal.unsubscribe(queue)

    assert (record.method, record.status, record.ok) == ("sendMessage", 200, True)
    assert record.params == {"chat_id": ana.chat_id, "text": "hola"}
    assert seen == ["sendMessage"]


# Shapes --------------------------------------------------------------------------------


async def test_the_updates_people_cause_match_the_spec(api: BotApiStandIn, bot: Bot) -> None:
    ana = api.person("Ana", "Quispe", phone_number="+51 987 654 321")
    await ana.send("/start")
    sent = await bot.send_message(ana.chat_id, "Confirm?", reply_markup=CONFIRM_KEYBOARD)
    await ana.tap("Confirm")
    await ana.share_contact()
    ana.block_bot()

    updates = api.state.updates.history
    kinds = [next(k for k in u if k != "update_id") for u in updates]
    problems = [p for u in updates for p in api.spec.validate_value("Update", u)]

    assert kinds == ["message", "callback_query", "message", "my_chat_member"]
    assert problems == []
    assert updates[1]["callback_query"]["message"]["message_id"] == sent.message_id
    assert updates[2]["message"]["contact"]["user_id"] == ana.user_id
    assert [u.update_id for u in await bot.get_updates()] == [1, 2, 3, 4]


async def test_message_ids_are_shared_by_both_sides_of_a_chat(api: BotApiStandIn, bot: Bot) -> None:
    ana = await started_person(api)
    luis = await started_person(api, "Luis")

    to_ana = await bot.send_message(ana.chat_id, "hola Ana")
    await ana.send("gracias")
    to_luis = await bot.send_message(luis.chat_id, "hola Luis")

    assert [m.message_id for m in ana.transcript] == [1, 2, 3]
    assert (to_ana.message_id, to_luis.message_id) == (2, 2)


async def test_a_python_telegram_bot_application_polls_the_stand_in_cleanly(
    api: BotApiStandIn,
) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("<b>Hola</b>", parse_mode="HTML")

    application = (
        ApplicationBuilder()
        .token(api.token)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
        .build()
    )
    application.add_handler(CommandHandler("start", start))
    ana = api.person("Ana")
    async with application:
        assert application.updater is not None
        await application.updater.start_polling(timeout=1)
        await application.start()
        await ana.send("/start")
        await ana.wait_for("^Hola$")
        await application.updater.stop()
        await application.stop()

    api.assert_no_violations()


# The driver ----------------------------------------------------------------------------


async def test_a_person_taps_an_inline_button_and_sees_the_edit_and_the_answer(
    api: BotApiStandIn, clinic_bot: Bot
) -> None:
    ana = api.person("Ana")
    await ana.send("/start")
    await ana.wait_for("Welcome")
    offer = await ana.wait_for(r"Monday 10:00")
    assert ana.buttons() == ["Confirm", "Cancel"]

    await ana.tap("Confirm")
    confirmed = await ana.wait_for("Confirmed for Monday")
    answer = await ana.wait_for_alert("Done")

    assert confirmed.message_id == offer.message_id
    assert confirmed.edit_date is not None
    assert not answer.show_alert
    assert ana.last_alert == answer
    assert ana.buttons() == []


async def test_a_forged_button_press_gets_a_polite_alert(
    api: BotApiStandIn, clinic_bot: Bot
) -> None:
    ana = api.person("Ana")
    await ana.send("/start")
    await ana.wait_for("Monday")

    await ana.tap_data("confirm:999' OR 1=1")
    answer = await ana.wait_for_alert("no longer valid")

    assert answer.show_alert


async def test_a_reply_keyboard_button_sends_its_label_or_the_contact(
    api: BotApiStandIn, clinic_bot: Bot
) -> None:
    ana = api.person("Ana", phone_number="+51 987 654 321")
    await ana.send("/phone")
    await ana.wait_for("phone")
    assert ana.buttons() == ["Share my phone", "Skip"]

    await ana.tap("Share my phone")
    await ana.wait_for(r"Thanks, \+51 987 654 321 saved")

    assert ana.buttons() == []
    with pytest.raises(AssertionError, match="no button 'Skip'"):
        await ana.tap("Skip")


async def test_wait_for_only_sees_messages_after_the_last_action(
    api: BotApiStandIn, clinic_bot: Bot
) -> None:
    ana = api.person("Ana")
    await ana.send("/start")
    await ana.wait_for("Monday")

    await ana.send("something the bot ignores")
    with pytest.raises(AssertionError, match=r"(?s)matching 'Welcome'.*before the last action"):
        await ana.wait_for("Welcome", timeout=0.2)


async def test_a_message_in_one_chat_wakes_no_one_waiting_in_another(
    api: BotApiStandIn, bot: Bot
) -> None:
    ana, bea = await started_person(api, "Ana"), await started_person(api, "Bea")
    anas_turn, beas_turn = ana.chat.changed.next(), bea.chat.changed.next()

    await bot.send_message(ana.chat_id, "Only for Ana")

    assert anas_turn.is_set()
    assert not beas_turn.is_set()


async def test_people_waiting_at_once_each_see_the_answer_in_their_own_chat(
    api: BotApiStandIn, clinic_bot: Bot
) -> None:
    people = [api.person(name) for name in ("Ana", "Bea", "Caro", "Dani")]

    async def start_and_wait(person: Person) -> int:
        await person.send("/start")
        return (await person.wait_for("Monday 10:00")).chat_id

    chats = await asyncio.gather(*(start_and_wait(person) for person in people))

    assert chats == [person.chat_id for person in people]


async def test_tapping_a_missing_button_lists_the_visible_ones(
    api: BotApiStandIn, clinic_bot: Bot
) -> None:
    ana = api.person("Ana")
    await ana.send("/start")
    await ana.wait_for("Monday")

    with pytest.raises(AssertionError, match=r"no button 'Accept'.*\['Confirm', 'Cancel'\]"):
        await ana.tap("Accept")


# What the stand-in is made of -------------------------------------------------------------


def imported_modules(source: Path) -> set[str]:
    """Every module a file imports, at its top or inside a function, relative ones resolved."""
    package = ".".join(source.relative_to(STANDIN.parents[2]).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            found.add(".".join(part for part in (base, node.module) if part))
    return found


def test_the_stand_in_imports_nothing_from_the_bot_its_domain_or_its_storage() -> None:
    foreign = {
        f"{source.name}: {module}"
        for source in sorted(STANDIN.rglob("*.py"))
        for module in imported_modules(source)
        if module.split(".")[0] in {"bot", "domain", "storage"}
        and not module.startswith("bot.sandbox.standin")
    }

    assert foreign == set()


def test_the_shipped_bot_api_spec_is_the_shared_one() -> None:
    shared = SHARED_SPEC / "api.json"
    if not shared.is_file():
        pytest.skip(f"no shared spec to compare with: {shared} is absent in this checkout")

    assert SHIPPED_SPEC.read_bytes() == shared.read_bytes()
    assert (SHIPPED_SPEC.parent / "LICENSE").read_bytes() == (SHARED_SPEC / "LICENSE").read_bytes()
