"""Catalogs and locale-aware formatting. Handlers hold keys; the text lives in
``bot/locales/<lang>/LC_MESSAGES/medbot.po`` (gettext, read with Babel)."""

from __future__ import annotations

from datetime import date, datetime, time
from functools import cache, lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from babel.messages.pofile import read_po

LANGUAGES = ("es", "en")
DEFAULT_LANGUAGE = "es"
_LOCALES = Path(__file__).with_name("locales")
_BABEL_LOCALE = {"es": "es_PE", "en": "en_GB"}


@cache
def _catalog(language: str) -> dict[str, str]:
    with (_LOCALES / language / "LC_MESSAGES" / "medbot.po").open("rb") as po:
        catalog = read_po(po, locale=language)
    return {str(m.id): str(m.string) for m in catalog if m.id and m.string}


class Translator:
    """Text and dates in one person's language."""

    def __init__(self, language: str | None) -> None:
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE

    def __call__(self, key: str, **params: object) -> str:
        text = _catalog(self.language).get(key) or _catalog(DEFAULT_LANGUAGE)[key]
        return text.format(**params) if params else text

    def day(self, value: date | datetime, zone: ZoneInfo | None = None) -> str:
        """E.g. ``martes, 5 de mayo de 2026`` / ``Tuesday, 5 May 2026``."""
        if isinstance(value, datetime):
            value = (value.astimezone(zone) if zone is not None else value).date()
        return _date(value, "full", _BABEL_LOCALE[self.language])

    def short_day(self, value: date) -> str:
        """E.g. ``mar 5`` / ``Tue 5``: calendar buttons."""
        return _date(value, "EEE d", _BABEL_LOCALE[self.language])

    def time(self, value: datetime, zone: ZoneInfo) -> str:
        local = value.astimezone(zone).time().replace(second=0, microsecond=0)
        return _time(local, "HH:mm", _BABEL_LOCALE[self.language])


# Babel walks its locale data on every call; the same few days and times recur in every
# calendar, summary and reminder, so each is formatted once.
@lru_cache(maxsize=4096)
def _date(value: date, pattern: str, locale: str) -> str:
    return format_date(value, pattern, locale=locale)


@lru_cache(maxsize=1024)
def _time(value: time, pattern: str, locale: str) -> str:
    return format_time(value, pattern, locale=locale)


def all_keys() -> set[str]:
    return set(_catalog(DEFAULT_LANGUAGE))


def keys_in(language: str) -> set[str]:
    return set(_catalog(language))
