"""What a person types about themselves, checked once: names, phones, languages."""

from __future__ import annotations

import unicodedata

import phonenumbers

from domain.countries import get_country
from domain.errors import InvalidName, InvalidNationalId, InvalidPhone

SUPPORTED_LANGUAGES = ("es", "en")
MAX_NAME = 120
# Marks that scripts such as Thai and Devanagari write letters with (vowel signs, the
# virama), and the joiners some Indic spellings need.
_MARKS = frozenset({"Mn", "Mc"})
_JOINERS = frozenset({"\u200c", "\u200d"})


def clean_full_name(raw: str) -> str:
    """A name of at least two words, letters of any script only, at most 120 characters.

    The name is kept in NFC, so "José" typed decomposed (NFD) is stored, shown and
    compared as the same "José" typed composed.
    """
    name = " ".join(unicodedata.normalize("NFC", raw).split())
    words = name.replace("-", " ").replace("'", " ").replace(".", " ").split()
    if len(words) < 2 or len(name) > MAX_NAME or not all(map(_is_word, words)):
        raise InvalidName("not a full name")  # never the name itself: errors reach logs
    return name


def _is_word(word: str) -> bool:
    """Letters, each perhaps with its marks: a word starts with a letter."""
    return word[0].isalpha() and all(
        c.isalpha() or c in _JOINERS or unicodedata.category(c) in _MARKS for c in word
    )


def clean_national_id(raw: str, country: str) -> str:
    """The compact, valid national ID of ``country``; refused as a ``placeholder`` when it
    passes the checksum but its digits are all one digit (00000000, 11.111.111-1)."""
    compact = get_country(country).national_id.parse(raw)
    digits = [c for c in compact if c.isdigit()]
    if len(digits) >= len(compact) - 1 and len(set(digits)) == 1:
        raise InvalidNationalId("placeholder")
    return compact


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
