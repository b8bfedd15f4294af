"""Country plugins. Each module in this package defines ``COUNTRY``; adding a
country means adding one module, which :func:`all_countries` discovers."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from domain.countries.base import BookingRules, Country, NationalIdFormat
from domain.errors import NotFound

__all__ = [
    "BookingRules",
    "Country",
    "NationalIdFormat",
    "all_countries",
    "get_country",
]


@cache
def _registry() -> dict[str, Country]:
    found: dict[str, Country] = {}
    for module_info in pkgutil.iter_modules(__path__):
        if module_info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        country = getattr(module, "COUNTRY", None)
        if isinstance(country, Country):
            found[country.code] = country
    return found


def all_countries() -> list[Country]:
    return sorted(_registry().values(), key=lambda c: c.code)


def get_country(code: str) -> Country:
    try:
        return _registry()[code.upper()]
    except KeyError:
        raise NotFound(f"country {code!r}") from None
