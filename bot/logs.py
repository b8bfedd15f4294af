"""Structured logging. Log lines carry ids and outcomes, never patient data or message text.

That holds at every level, DEBUG included, through three guards:

- our own events: :func:`redact` replaces the value of any key that names personal data
  or a secret (``name``, ``national_id``, ``phone``, ``text``, ``token``, …);
- other libraries' records (python-telegram-bot logs whole updates, httpx and aiohttp
  whole URLs): :class:`LibraryArguments` keeps each message's wording and withholds its
  arguments, which are where their data goes;
- every rendered line, tracebacks included: a Bot API token is replaced wherever it
  appears (PTB's ``Set Bot API URL: …/bot<token>``, a URL in an exception message).

Tracebacks are plain, never with local variables (a rich or better-exceptions one
prints every frame's locals: what patients typed, and the token), and JSON lines keep
them under ``exception``.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO

import structlog

#: Event keys whose values are personal data or secrets, whatever the event.
PRIVATE_KEYS = frozenset(
    {
        "name",
        "full_name",
        "first_name",
        "last_name",
        "username",
        "national_id",
        "phone",
        "phone_number",
        "contact",
        "text",
        "caption",
        "reason",
        "note",
        "token",
        "update",
        "message",
        "data",
    }
)
REDACTED = "[redacted]"
#: Our own packages, whose stdlib log calls pass ids and outcomes as arguments.
OWN_PACKAGES = ("bot", "domain", "storage")
_TOKEN = re.compile(r"\d{3,}:[A-Za-z0-9_-]{20,}")
_PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[a-zA-Z]")


def scrub(text: str) -> str:
    """``text`` with every Bot API token in it replaced."""
    return _TOKEN.sub("<token>", text)


def redact(_logger: object, _method: str, event: MutableMapping[str, Any]) -> Any:
    """A structlog processor: private keys lose their values, tokens leave strings."""
    for key, value in event.items():
        if key in PRIVATE_KEYS:
            event[key] = REDACTED
        elif isinstance(value, str):
            event[key] = scrub(value)
    return event


class LibraryArguments(logging.Filter):
    """Other libraries' records keep their wording; their arguments are withheld.

    ``Processing update %s`` stays, the update (names, typed text) goes. A record that
    does not come from our packages is rewritten in place, at any level.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.split(".")[0] in OWN_PACKAGES or not record.args:
            return True
        template = str(record.msg).replace("%%", "\0")
        record.msg = _PLACEHOLDER.sub("…", template).replace("\0", "%%")
        record.args = ()
        return True


class _ScrubbingFormatter(structlog.stdlib.ProcessorFormatter):
    """The rendered line, traceback and all, without tokens."""

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


def configure_logging(
    level: str = "INFO", fmt: str = "console", stream: TextIO | None = None
) -> None:
    """Every log line, ours and every library's, to ``stream`` (standard error)."""
    stream = stream or sys.stderr
    renderer: list[structlog.typing.Processor] = (
        [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
        if fmt == "json"
        else [
            structlog.dev.ConsoleRenderer(
                colors=stream.isatty(), exception_formatter=structlog.dev.plain_traceback
            )
        ]
    )
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact,
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(stream)
    handler.addFilter(LibraryArguments())
    handler.setFormatter(
        _ScrubbingFormatter(
            foreign_pre_chain=shared,
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *renderer],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Every request at INFO: noise, and what they say is withheld anyway.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
