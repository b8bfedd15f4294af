"""The clinic set-up file: every problem names the file, the line and the field."""

from __future__ import annotations

import pytest

from bot.clinic_file import ClinicFileError, dump_clinic, parse_clinic, read_clinic_file
from bot.demo_clinic import DEMO_FILE

GOOD = """\
clinic: Clínica Norte
admins: [1234]
locations:
  - code: lima
    name: Sede Lima
    country: PE
    address: Av. Siempre Viva 742
    phone: "+51 1 7001000"
specialties:
  - {code: general, es: Medicina general, en: General medicine}
  - {code: cardiology, es: Cardiología, en: Cardiology}
doctors:
  - name: Dra. Ana Torres
    location: lima
    specialties: [general]
    visit_minutes: 20
    hours:
      mon: {hours: "09:00-18:00", breaks: ["13:00-14:00"]}
      tue: "09:00-13:00"
    time_off:
      - "2026-12-24"
      - "2026-12-30..2027-01-02"
      - {dates: "2026-06-01T09:00..2026-06-01T11:00", reason: congreso}
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ClinicFileError) as raised:
        parse_clinic(text, "clinic.yaml")
    return raised.value.problems


def test_a_valid_file_gives_the_clinic_with_its_doctors_hours_and_time_off() -> None:
    spec = parse_clinic(GOOD, "clinic.yaml")

    doctor = spec.doctors[0]
    assert (spec.name, spec.admins) == ("Clínica Norte", (1234,))
    assert spec.locations[0].phone == "+5117001000"
    assert (doctor.country, doctor.location, doctor.specialties) == ("PE", "lima", ("general",))
    assert sorted(doctor.weekly) == [1, 2]
    assert len(doctor.weekly[1].breaks) == 1
    assert [t.reason for t in doctor.time_off] == ["", "", "congreso"]


def test_hours_that_are_not_a_time_range_name_file_line_and_field() -> None:
    text = GOOD.replace('tue: "09:00-13:00"', 'tue: "9-18:00"')

    assert problems(text) == [
        'clinic.yaml:19: doctors[0].hours.tue.hours: "9-18:00" is not a time range (HH:MM-HH:MM)'
    ]


def test_a_range_that_ends_before_it_starts_is_refused() -> None:
    text = GOOD.replace('tue: "09:00-13:00"', 'tue: "13:00-09:00"')

    assert problems(text) == [
        'clinic.yaml:19: doctors[0].hours.tue.hours: "13:00-09:00" ends before it starts'
    ]


def test_time_off_that_ends_before_it_starts_is_refused() -> None:
    text = GOOD.replace('"2026-12-30..2027-01-02"', '"2027-01-02..2026-12-30"')

    assert problems(text) == [
        'clinic.yaml:22: doctors[0].time_off[1]: "2027-01-02..2026-12-30" ends before it starts'
    ]


def test_overlapping_breaks_are_refused() -> None:
    text = GOOD.replace('breaks: ["13:00-14:00"]', 'breaks: ["13:00-14:00", "12:30-13:30"]')

    assert problems(text) == [
        'clinic.yaml:18: doctors[0].hours.mon: breaks "12:30-13:30" and "13:00-14:00" overlap'
    ]


def test_a_doctor_without_a_specialty_is_refused() -> None:
    text = GOOD.replace("specialties: [general]", "specialties: []")

    assert problems(text) == ["clinic.yaml:15: doctors[0].specialties: needs at least 1"]


def test_a_4000_character_name_is_refused_without_echoing_it() -> None:
    text = GOOD.replace("Dra. Ana Torres", "A" * 4000)

    assert problems(text) == [
        "clinic.yaml:13: doctors[0].name: is too long (at most 200 characters)"
    ]


def test_a_repeated_specialty_code_is_refused() -> None:
    text = GOOD.replace("code: cardiology", "code: general")

    assert problems(text) == ['clinic.yaml:11: specialties[1].code: "general" is repeated']


def test_an_unknown_country_is_refused_and_the_known_ones_listed() -> None:
    text = GOOD.replace("country: PE", "country: AR")

    assert problems(text) == [
        'clinic.yaml:6: locations[0].country: "AR" is not a country medbot knows (CL, MX, PE)'
    ]


def test_references_to_unknown_specialties_and_locations_are_each_reported() -> None:
    text = GOOD.replace("specialties: [general]", "specialties: [general, neurology]")
    text = text.replace("location: lima", "location: cusco")

    assert problems(text) == [
        'clinic.yaml:14: doctors[0].location: "cusco" is not a location in the file',
        'clinic.yaml:15: doctors[0].specialties[1]: "neurology" is not a specialty in the file',
    ]


def test_a_misspelt_field_is_refused_rather_than_ignored() -> None:
    text = GOOD.replace("visit_minutes: 20", "visit_minute: 20")

    assert problems(text) == [
        "clinic.yaml:16: doctors[0].visit_minute: is not a field medbot knows"
    ]


def test_a_file_that_is_not_yaml_names_the_line() -> None:
    assert problems(GOOD + "  - [unclosed\n") == [
        "clinic.yaml:25: not YAML: expected ',' or ']', but got '<stream end>'"
    ]


def test_the_demo_file_holds_the_demo_doctors_in_their_order() -> None:
    spec = read_clinic_file(DEMO_FILE)

    assert [s.code for s in spec.specialties] == [
        "general", "cardiology", "pediatrics", "dermatology"
    ]  # fmt: skip
    assert [(d.name, d.country) for d in spec.doctors][::6] == [
        ("Dra. Lucía Quispe", "PE"),
        ("Dra. Javiera Soto", "CL"),
        ("Dra. Guadalupe Hernández", "MX"),
    ]
    assert len(spec.doctors) == 14  # twelve in PE and CL, then two in MX


def test_a_written_file_reads_back_as_the_same_clinic() -> None:
    spec = parse_clinic(GOOD, "clinic.yaml")

    assert parse_clinic(dump_clinic(spec), "export.yaml") == spec


def test_the_readmes_example_is_a_valid_clinic_file() -> None:
    readme = (DEMO_FILE.parents[2] / "README.md").read_text()
    section = readme.split("## Setting the clinic up")[1]
    example = section.split("```yaml\n")[1].split("```")[0]

    spec = parse_clinic(example, "README.md")

    assert [d.name for d in spec.doctors] == ["Dra. Lucía Quispe", "Dr. Jorge Huamán"]
    assert len(spec.doctors[0].time_off) == 3
