"""Bot API methods about receiving updates: getUpdates and the webhook."""

from __future__ import annotations

import re
from typing import Any

from bot.sandbox.standin.delivery import WebhookConfig
from bot.sandbox.standin.errors import ApiError, bad_request
from bot.sandbox.standin.state import Call, Handler, SandboxState

JSON = dict[str, Any]

_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


async def get_updates(state: SandboxState, call: Call) -> list[JSON]:
    if state.webhook.config is not None:
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first",
        )
    params = call.params
    if "allowed_updates" in params:
        state.updates.allowed_updates = list(params["allowed_updates"])
    return await state.updates.poll(
        offset=params.get("offset"),
        limit=params.get("limit", 100),
        wait_seconds=params.get("timeout", 0),
    )


async def set_webhook(state: SandboxState, call: Call) -> bool:
    params = call.params
    url = params["url"]
    if not url:
        await state.webhook.delete()
        return True
    if not url.startswith(("https://", "http://")):  # plain http is allowed for local tests
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = params.get("secret_token")
    if secret is not None and not _SECRET_TOKEN.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    if params.get("drop_pending_updates"):
        state.updates.drop_all()
    if "allowed_updates" in params:
        state.updates.allowed_updates = list(params["allowed_updates"])
    config = WebhookConfig(
        url=url,
        secret_token=secret,
        max_connections=params.get("max_connections", 40),
        ip_address=params.get("ip_address"),
    )
    await state.webhook.set(config)
    return True


async def delete_webhook(state: SandboxState, call: Call) -> bool:
    await state.webhook.delete()
    if call.params.get("drop_pending_updates"):
        state.updates.drop_all()
    return True


async def get_webhook_info(state: SandboxState, _call: Call) -> JSON:
    config = state.webhook.config
    info: JSON = {
        "url": config.url if config else "",
        "has_custom_certificate": False,
        "pending_update_count": len(state.updates.pending),
    }
    if config is None:
        return info
    optional = {
        "ip_address": config.ip_address,
        "last_error_date": config.last_error_date,
        "last_error_message": config.last_error_message,
        "max_connections": config.max_connections,
        "allowed_updates": state.updates.allowed_updates or None,
    }
    return info | {key: value for key, value in optional.items() if value is not None}


UPDATE_METHODS: dict[str, Handler] = {
    "getUpdates": get_updates,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
}
