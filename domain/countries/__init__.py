"""Country plugins. Each module in this package defines ``COUNTRY``; adding a
country means adding one module, which :func:`all_countries` discovers.

A module kept elsewhere (a clinic's own, or a test's) joins with :func:`load`.
"""

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
    "load",
]

_loaded: dict[str, Country] = {}


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
    return found | _loaded


def load(module_name: str) -> Country:
    """Add the country a module outside this package defines as ``COUNTRY``."""
    country = getattr(importlib.import_module(module_name), "COUNTRY", None)
    if not isinstance(country, Country):
        raise TypeError(f"{module_name} defines no COUNTRY")
    _loaded[country.code] = country
    _registry.cache_clear()
    return country


def all_countries() -> list[Country]:
    return sorted(_registry().values(), key=lambda c: c.code)


def get_country(code: str) -> Country:
    try:
        return _registry()[code.upper()]
    except KeyError:
        raise NotFound(f"country {code!r}") from None
