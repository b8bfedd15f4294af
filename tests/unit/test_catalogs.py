import re
from pathlib import Path

from bot.i18n import _catalog, keys_in

SOURCES = Path(__file__).parents[2] / "bot"


def test_spanish_and_english_catalogs_have_the_same_keys() -> None:
    assert keys_in("es") == keys_in("en")


def test_every_literal_key_the_bot_uses_is_in_the_catalogs() -> None:
    used = set()
    for source in SOURCES.rglob("*.py"):
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_]+\.[a-z_.]+)["']""", source.read_text()))

    assert used
    assert used <= keys_in("es")


def test_placeholders_agree_between_languages() -> None:

    for key in keys_in("es"):
        fields_es = set(re.findall(r"{(\w+)}", _catalog("es")[key]))
        fields_en = set(re.findall(r"{(\w+)}", _catalog("en")[key]))
        assert fields_es == fields_en, key
