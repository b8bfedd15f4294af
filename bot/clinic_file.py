"""The clinic's set-up file: YAML, validated by pydantic, to and from a ``ClinicSpec``.

Every problem is reported as ``FILE:LINE: PATH: MESSAGE`` (the line found from the
YAML node the path leads to), and a file with any problem yields no spec at all.
The format is documented in the README, with ``bot/clinics/demo.yaml`` as its example.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    model_validator,
)

from domain.clinic_setup import (
    ClinicSpec,
    DoctorSpec,
    LocationSpec,
    SpecialtySpec,
    days_off,
    local_span,
)
from domain.countries import all_countries, get_country
from domain.errors import DomainError, NotFound
from domain.people import clean_phone
from domain.schedule import DayHours, TimeOff, TimeRange

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE = re.compile(r"^\s*(\d{2}:\d{2})\s*-\s*(\d{2}:\d{2})\s*$")
Path_ = tuple[str | int, ...]


class ClinicFileError(Exception):
    """The file is not a valid clinic: one line per problem, each naming file and line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _time_range(raw: object) -> TimeRange:
    match = _RANGE.match(raw) if isinstance(raw, str) else None
    try:
        start, end = (time.fromisoformat(t) for t in match.groups()) if match else (None, None)
    except ValueError:
        start = end = None
    if start is None or end is None:
        raise ValueError(f'"{raw}" is not a time range (HH:MM-HH:MM)')
    if end <= start:
        raise ValueError(f'"{raw}" ends before it starts')
    return TimeRange(start, end)


def _country(raw: object) -> str:
    try:
        return get_country(raw if isinstance(raw, str) else "").code
    except NotFound:
        known = ", ".join(c.code for c in all_countries())
        raise ValueError(f'"{raw}" is not a country medbot knows ({known})') from None


def _zone(raw: object) -> str:
    try:
        return ZoneInfo(str(raw)).key
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f'"{raw}" is not a time zone (e.g. America/Lima)') from None


def _day(raw: object) -> object:
    return {"hours": raw} if isinstance(raw, str) else raw


Range = Annotated[TimeRange, PlainValidator(_time_range)]
Country = Annotated[str, PlainValidator(_country)]
Zone = Annotated[str, PlainValidator(_zone)]
Code = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DayModel(_Model):
    hours: Range
    breaks: list[Range] = []

    @model_validator(mode="after")
    def _breaks_fit(self) -> DayModel:
        ordered = sorted(self.breaks, key=lambda b: b.start)
        for first, second in pairwise(ordered):
            if second.start < first.end:
                raise ValueError(f"breaks {_fmt(first)} and {_fmt(second)} overlap")
        for b in ordered:
            if b.start < self.hours.start or b.end > self.hours.end:
                raise ValueError(f"break {_fmt(b)} is outside the hours {_fmt(self.hours)}")
        return self


class OffModel(_Model):
    dates: str
    reason: Annotated[str, Field(max_length=200)] = ""

    @model_validator(mode="after")
    def _parses(self) -> OffModel:
        self.span()
        return self

    def span(self) -> tuple[date, date] | tuple[datetime, datetime]:
        first, _, last = self.dates.partition("..")
        try:
            start, end = _when(first), _when(last or first)
        except ValueError:
            raise ValueError(
                f'"{self.dates}" is not a date, a range of dates (2026-12-24..2027-01-02) '
                "or of local times (2026-12-24T09:00..2026-12-24T13:00)"
            ) from None
        if type(start) is not type(end) or (not last and isinstance(start, datetime)):
            raise ValueError(f'"{self.dates}" mixes dates and times')
        if end < start or (isinstance(start, datetime) and end == start):
            raise ValueError(f'"{self.dates}" ends before it starts')
        return start, end


def _when(raw: str) -> date | datetime:
    raw = raw.strip()
    return datetime.fromisoformat(raw) if "T" in raw else date.fromisoformat(raw)


def _off(raw: object) -> object:
    if isinstance(raw, date):  # YAML reads an unquoted 2026-12-24 as a date
        return {"dates": raw.isoformat()}
    return {"dates": raw} if isinstance(raw, str) else raw


class DoctorModel(_Model):
    name: Name
    location: Code | None = None
    country: Country | None = None
    specialties: Annotated[list[Code], Field(min_length=1)]
    visit_minutes: Annotated[int, Field(ge=5, le=480)] = 30
    hours: dict[Day, Annotated[DayModel, BeforeValidator(_day)]] = {}
    time_off: list[Annotated[OffModel, BeforeValidator(_off)]] = []

    @model_validator(mode="after")
    def _placed(self) -> DoctorModel:
        if (self.location is None) == (self.country is None):
            raise ValueError("give the doctor a location (or, without one, a country)")
        return self


class LocationModel(_Model):
    code: Code
    name: Name
    country: Country
    address: Annotated[str, Field(min_length=1, max_length=300)]
    phone: str
    timezone: Zone | None = None

    @model_validator(mode="after")
    def _phone(self) -> LocationModel:
        try:
            clean_phone(self.phone, self.country)
        except DomainError:
            raise ValueError(f'"{self.phone}" is not a phone number in {self.country}') from None
        return self


class SpecialtyModel(_Model):
    code: Code
    es: Annotated[str, Field(min_length=1, max_length=128)]
    en: Annotated[str, Field(min_length=1, max_length=128)]


class ClinicModel(_Model):
    clinic: Name
    admins: list[Annotated[int, Field(gt=0)]] = []
    locations: list[LocationModel] = []
    specialties: list[SpecialtyModel] = []
    doctors: list[DoctorModel] = []


def _fmt(r: TimeRange) -> str:
    return f'"{r.start:%H:%M}-{r.end:%H:%M}"'


def read_clinic_file(path: Path) -> ClinicSpec:
    """The spec in the file at ``path``; :class:`ClinicFileError` lists every problem."""
    return parse_clinic(path.read_text(encoding="utf-8"), str(path))


def parse_clinic(text: str, filename: str) -> ClinicSpec:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        line = error.problem_mark.line + 1 if error.problem_mark else 1
        raise ClinicFileError([f"{filename}:{line}: not YAML: {error.problem}"]) from None
    try:
        model = ClinicModel.model_validate(data if data is not None else {})
    except ValidationError as error:
        problems = [(tuple(e["loc"]), _message(e)) for e in error.errors()]
        raise ClinicFileError(_located(problems, root, filename)) from None
    problems = list(_cross_check(model))
    if problems:
        raise ClinicFileError(_located(problems, root, filename))
    return _spec(model)


def _message(error: Any) -> str:
    if error["type"] == "value_error":
        return str(error["ctx"]["error"])
    if error["type"] == "missing":
        return "is missing"
    if error["type"] == "extra_forbidden":
        return "is not a field medbot knows"
    if error["type"] == "too_short":
        return f"needs at least {error['ctx']['min_length']}"
    if error["type"] == "string_too_long":
        return f"is too long (at most {error['ctx']['max_length']} characters)"
    return str(error["msg"])


def _cross_check(model: ClinicModel) -> Iterator[tuple[Path_, str]]:
    def duplicates(kind: str, keys: list[Any], field: str) -> Iterator[tuple[Path_, str]]:
        seen = Counter[Any]()
        for n, key in enumerate(keys):
            seen[key] += 1
            if seen[key] == 2:
                yield (kind, n, field), f'"{key if isinstance(key, str) else key[0]}" is repeated'

    yield from duplicates("locations", [loc.code for loc in model.locations], "code")
    yield from duplicates("specialties", [s.code for s in model.specialties], "code")
    countries = {loc.code: loc.country for loc in model.locations}
    keys = [(d.name, countries.get(d.location or "", d.country)) for d in model.doctors]
    yield from duplicates("doctors", keys, "name")
    specialties = {s.code for s in model.specialties}
    for n, doctor in enumerate(model.doctors):
        if doctor.location is not None and doctor.location not in countries:
            yield ("doctors", n, "location"), f'"{doctor.location}" is not a location in the file'
        for i, code in enumerate(doctor.specialties):
            if code not in specialties:
                yield ("doctors", n, "specialties", i), f'"{code}" is not a specialty in the file'


def _located(problems: list[tuple[Path_, str]], root: yaml.Node | None, filename: str) -> list[str]:
    return [f"{filename}:{_line(root, path)}: {_path(path)}: {msg}" for path, msg in problems]


def _path(path: Path_) -> str:
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part != "[key]":
            text += f".{part}" if text else str(part)
    return text or "(file)"


def _line(node: yaml.Node | None, path: Path_) -> int:
    """The line of the deepest node of the YAML document that ``path`` reaches."""
    if node is None:
        return 1
    for part in path:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            child = node.value[part] if part < len(node.value) else None
        if child is None:
            break
        node = child
    return int(node.start_mark.line) + 1


def _spec(model: ClinicModel) -> ClinicSpec:
    locations = tuple(
        LocationSpec(
            loc.code,
            loc.name,
            loc.country,
            loc.address,
            clean_phone(loc.phone, loc.country),
            loc.timezone,
        )
        for loc in model.locations
    )
    by_code = {loc.code: loc for loc in locations}
    doctors = []
    for d in model.doctors:
        location = by_code.get(d.location or "")
        country = location.country if location else (d.country or "")
        zone = location.zone() if location else get_country(country).timezone
        doctors.append(
            DoctorSpec(
                name=d.name,
                country=country,
                specialties=tuple(d.specialties),
                location=d.location,
                visit=timedelta(minutes=d.visit_minutes),
                weekly={
                    DAYS.index(day) + 1: DayHours(
                        h.hours, tuple(sorted(h.breaks, key=lambda b: b.start))
                    )
                    for day, h in d.hours.items()
                },
                time_off=tuple(_time_off(off, zone) for off in d.time_off),
            )
        )
    return ClinicSpec(
        name=model.clinic,
        admins=tuple(model.admins),
        locations=locations,
        specialties=tuple(SpecialtySpec(s.code, s.es, s.en) for s in model.specialties),
        doctors=tuple(doctors),
    )


def _time_off(off: OffModel, zone: ZoneInfo) -> TimeOff:
    start, end = off.span()
    if isinstance(start, datetime) and isinstance(end, datetime):
        return TimeOff(start.replace(tzinfo=zone), end.replace(tzinfo=zone), off.reason)
    return days_off(start, end, zone, off.reason)


def dump_clinic(spec: ClinicSpec) -> str:
    """The spec as a set-up file that :func:`parse_clinic` reads back as the same spec."""
    zones = {loc.code: loc.zone() for loc in spec.locations}
    data: dict[str, Any] = {
        "clinic": spec.name,
        "admins": _FlowList(spec.admins),
        "locations": [_location(loc) for loc in spec.locations],
        "specialties": [_Flow(code=s.code, es=s.name_es, en=s.name_en) for s in spec.specialties],
        "doctors": [
            _doctor(d, zones.get(d.location or "") or get_country(d.country).timezone)
            for d in spec.doctors
        ],
    }
    body = yaml.dump(
        data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False
    )
    return "# medbot clinic set-up file (README: Setting the clinic up)\n" + body


class _Flow(dict[str, Any]):
    """A mapping written on one line: ``{hours: 09:00-18:00, breaks: [13:00-14:00]}``."""


class _FlowList(list[Any]):
    """A list of short scalars written on one line."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(
    _Flow, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v.items(), flow_style=True)
)
_Dumper.add_representer(
    _FlowList, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True)
)


def _location(loc: LocationSpec) -> dict[str, Any]:
    found = {
        "code": loc.code,
        "name": loc.name,
        "country": loc.country,
        "address": loc.address,
        "phone": loc.phone,
    }
    return found | ({"timezone": loc.timezone} if loc.timezone else {})


def _doctor(d: DoctorSpec, zone: ZoneInfo) -> dict[str, Any]:
    found: dict[str, Any] = {"name": d.name}
    found |= {"location": d.location} if d.location else {"country": d.country}
    found["specialties"] = _FlowList(d.specialties)
    found["visit_minutes"] = int(d.visit.total_seconds() // 60)
    found["hours"] = {DAYS[day - 1]: _hours(h) for day, h in sorted(d.weekly.items())}
    if d.time_off:
        found["time_off"] = [_span(t, zone) for t in d.time_off]
    return found


def _hours(h: DayHours) -> Any:
    hours = _fmt(h.hours).strip('"')
    if not h.breaks:
        return hours
    return _Flow(hours=hours, breaks=_FlowList(_fmt(b).strip('"') for b in h.breaks))


def _span(off: TimeOff, zone: ZoneInfo) -> Any:
    start, end = local_span(off, zone)
    if isinstance(start, datetime) and isinstance(end, datetime):
        text = f"{start.isoformat(timespec='minutes')}..{end.isoformat(timespec='minutes')}"
    else:
        text = start.isoformat() if start == end else f"{start.isoformat()}..{end.isoformat()}"
    return {"dates": text, "reason": off.reason} if off.reason else text
