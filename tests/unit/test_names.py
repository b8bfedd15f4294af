"""``domain.people.clean_full_name``: letters of any script, kept in NFC."""

import unicodedata

import pytest

from domain.errors import InvalidName
from domain.people import clean_full_name


def test_a_name_typed_decomposed_is_kept_composed() -> None:
    typed = unicodedata.normalize("NFD", "José Peña")

    cleaned = clean_full_name(typed)

    assert cleaned == "José Peña"
    assert cleaned == unicodedata.normalize("NFC", cleaned)
    assert len(cleaned) == len("José Peña")


@pytest.mark.parametrize(
    "name",
    [
        "สมชาย ใจดี",  # Thai: vowel signs above and below are marks
        "राहुल शर्मा",  # Devanagari: vowel signs and the virama
        "Nguyễn Văn An",
        "Ана Кузнецова",
        "Seán O'Brien",
        "María-José Quispe",
        "ಶ್ರೀ ರಾಮ",  # Kannada, with its virama
    ],
)
def test_names_in_any_script_are_accepted(name: str) -> None:
    assert clean_full_name(f"  {name} ") == unicodedata.normalize("NFC", name)


@pytest.mark.parametrize(
    "bad",
    ["Ana", "Ana 123", "Ana Quispe!", "\u0301Ana Quispe", "Ana \u0301", "x" * 70 + " " + "y" * 60],
    ids=["one word", "digits", "punctuation", "a lone leading mark", "a word of marks", "too long"],
)
def test_what_is_not_a_full_name_is_refused(bad: str) -> None:
    with pytest.raises(InvalidName):
        clean_full_name(bad)
