"""Bot API methods about the bot itself: getMe, command lists, menu buttons."""

from __future__ import annotations

import json
import re
from typing import Any

from bot.sandbox.standin.errors import bad_request
from bot.sandbox.standin.state import Call, Handler, SandboxState

JSON = dict[str, Any]

_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_MAX_DESCRIPTION = 256
_DEFAULT_SCOPE = {"type": "default"}


async def get_me(state: SandboxState, _call: Call) -> JSON:
    return state.bot.as_user() | {
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


def _commands_key(params: dict[str, Any]) -> tuple[str, str]:
    scope = params.get("scope") or _DEFAULT_SCOPE
    return json.dumps(scope, sort_keys=True), params.get("language_code") or ""


async def set_my_commands(state: SandboxState, call: Call) -> bool:
    commands = call.params["commands"]
    for command in commands:
        if not _COMMAND.fullmatch(command["command"]):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(command["description"]) <= _MAX_DESCRIPTION:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    state.commands[_commands_key(call.params)] = [
        {"command": c["command"], "description": c["description"]} for c in commands
    ]
    return True


async def get_my_commands(state: SandboxState, call: Call) -> list[JSON]:
    return list(state.commands.get(_commands_key(call.params), []))


async def delete_my_commands(state: SandboxState, call: Call) -> bool:
    state.commands.pop(_commands_key(call.params), None)
    return True


async def set_chat_menu_button(state: SandboxState, call: Call) -> bool:
    chat_id = call.params.get("chat_id")
    if chat_id is not None:
        state.world.chat_for_bot(chat_id, sending=False)
    state.menu_buttons[chat_id] = call.params.get("menu_button") or {"type": "default"}
    return True


async def get_chat_menu_button(state: SandboxState, call: Call) -> JSON:
    chat_id = call.params.get("chat_id")
    button = state.menu_buttons.get(chat_id) or state.menu_buttons.get(None)
    return button or {"type": "commands"}


SETTINGS_METHODS: dict[str, Handler] = {
    "getMe": get_me,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "setChatMenuButton": set_chat_menu_button,
    "getChatMenuButton": get_chat_menu_button,
}
