"""Who can talk to the bot in the sandbox: four ready personas, and anyone added later.

Every person gets a synthetic mobile number of their country, which the share-contact
button sends; nothing here is a real person's data.
"""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass

import phonenumbers

from bot.sandbox.standin.driver import BotApiStandIn, Person
from domain.countries import get_country

SANDBOX_ADMIN_ID = 700_000_009
SANDBOX_DOCTOR_ID = 700_000_003
#: The demo doctor the doctor persona is, by name (see ``bot.demo_clinic``).
SANDBOX_DOCTOR_NAME = "Dr. Martín Salazar"
COUNTRIES = ("PE", "CL", "MX")
LANGUAGES = ("es", "en")


@dataclass(frozen=True, slots=True)
class Persona:
    key: str
    opened_the_bot: bool  # the bot may write first: staff have used it before
    role: str  # what the page shows under the name
    first_name: str
    last_name: str | None
    language_code: str
    country: str
    user_id: int


PERSONAS = (
    Persona("ana", False, "Patient · Peru · Español", "Ana", "Quispe", "es", "PE", 700_000_001),
    Persona("john", False, "Patient · Chile · English", "John", "Smith", "en", "CL", 700_000_002),
    Persona("doctor", True, "Doctor · Peru", "Martín", "Salazar", "es", "PE", SANDBOX_DOCTOR_ID),
    Persona("admin", True, "Admin", "Admin", None, "en", "PE", SANDBOX_ADMIN_ID),
)


def synthetic_phone(country: str) -> str:
    """A made-up mobile number of ``country`` in E.164: a 9, then as many digits as the
    country's example mobile has (PE and CL: 9 digits, MX: 10)."""
    code = phonenumbers.country_code_for_region(country)
    example = phonenumbers.example_number_for_type(country, phonenumbers.PhoneNumberType.MOBILE)
    if example is None:
        raise ValueError(f"cannot make up a mobile number for {country}")
    length = len(str(example.national_number))
    for _ in range(100):
        digits = "9" + "".join(str(secrets.randbelow(10)) for _ in range(length - 1))
        number = phonenumbers.parse(f"+{code}{digits}")
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    raise ValueError(f"cannot make up a mobile number for {country}")


@dataclass(slots=True)
class Member:
    """A person on the page: the driver's ``Person`` plus what the page shows of them."""

    person: Person
    role: str
    country: str

    @property
    def chat_id(self) -> int:
        return self.person.chat_id

    def as_json(self) -> dict[str, object]:
        profile = self.person.chat.person
        name = " ".join(part for part in (profile.first_name, profile.last_name) if part)
        return {
            "id": self.chat_id,
            "name": name,
            "role": self.role,
            "country": self.country,
            "time_zone": get_country(self.country).timezone.key,  # the page's clock shows it
            "language": profile.language_code,
            "phone": self.person.phone_number,
        }


class People:
    """The people of the sandbox, in the order they were added."""

    def __init__(self, api: BotApiStandIn) -> None:
        self.api = api
        self.members: dict[int, Member] = {}
        # Random start, so people added after a restart are new to the sandbox database.
        self._ids = itertools.count(710_000_000 + secrets.randbelow(10**8) * 10)

    def add_personas(self) -> None:
        for persona in PERSONAS:
            member = self._add(
                persona.first_name,
                persona.last_name,
                language=persona.language_code,
                country=persona.country,
                role=persona.role,
                user_id=persona.user_id,
            )
            member.person.chat.started = persona.opened_the_bot

    def add(self, name: str, language: str, country: str) -> Member:
        """Someone new: a patient-to-be who speaks ``language`` and lives in ``country``."""
        if language not in LANGUAGES or country not in COUNTRIES:
            raise ValueError("unknown language or country")
        first, _, last = name.strip().partition(" ")
        if not first:
            raise ValueError("a name is needed")
        country_name = get_country(country).name_en
        language_name = {"es": "Español", "en": "English"}[language]
        role = f"Patient · {country_name} · {language_name}"
        user_id = next(self._ids)
        while user_id in self.api.state.world.chats:
            user_id = next(self._ids)
        return self._add(
            first[:64],
            last[:64] or None,
            language=language,
            country=country,
            role=role,
            user_id=user_id,
        )

    def _add(
        self,
        first_name: str,
        last_name: str | None,
        *,
        language: str,
        country: str,
        role: str,
        user_id: int,
    ) -> Member:
        person = self.api.person(
            first_name,
            last_name,
            language_code=language,
            user_id=user_id,
            phone_number=synthetic_phone(country),
        )
        member = Member(person, role, country)
        self.members[member.chat_id] = member
        return member

    def get(self, chat_id: int) -> Member | None:
        return self.members.get(chat_id)
