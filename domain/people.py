"""What a person types about themselves, checked once: names, phones, languages."""

from __future__ import annotations

import phonenumbers

from domain.countries import get_country
from domain.errors import InvalidName, InvalidPhone

SUPPORTED_LANGUAGES = ("es", "en")
MAX_NAME = 120


def clean_full_name(raw: str) -> str:
    """A name of at least two words, letters only (any alphabet), at most 120 characters."""
    name = " ".join(raw.split())
    words = name.replace("-", " ").replace("'", " ").replace(".", " ").split()
    if len(words) < 2 or len(name) > MAX_NAME or not all(w.isalpha() for w in words):
        raise InvalidName("not a full name")  # never the name itself: errors reach logs
    return name


def clean_phone(raw: str, country: str) -> str:
    """The phone in E.164, valid for any country; local numbers are read in ``country``.

    Telegram sends a shared contact's number with or without the leading +.
    """
    region = get_country(country).phone_region
    candidates = [raw] if raw.startswith("+") else [raw, "+" + raw]
    for candidate in candidates:
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    raise InvalidPhone("invalid")
