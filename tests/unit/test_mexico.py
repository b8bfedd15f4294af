"""Mexico, the third country: CURP numbers, Mexico City time and holidays, its own rules."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from domain.actors import Actor, Role, check_movable
from domain.availability import free_slots
from domain.countries import all_countries, get_country
from domain.entities import Appointment, Doctor, Patient
from domain.errors import CancellationWindowClosed, InvalidNationalId
from domain.notifications import Change, Kind, plan
from domain.schedule import TimeRange, weekdays_plan

MEXICO = get_country("MX")
GUADALUPE = Doctor(
    13,
    "Dra. Guadalupe Hernández",
    "MX",
    (1,),
    weekdays_plan(time(9), time(18), TimeRange(time(13), time(14))),
)
MARIA = Patient(1, 101, "María García", "GAMA900115MDFRRN00", "+525512345678", "es", "MX")
AS_MARIA = Actor(Role.PATIENT, MARIA.id, MARIA.telegram_user_id)
TUESDAY_10 = datetime(2026, 5, 5, 16, 0, tzinfo=UTC)  # 10:00 in Mexico City


def local_starts(first: date, last: date, now: datetime) -> list[str]:
    slots = free_slots(GUADALUPE, MEXICO, first, last, busy=[], now=now)
    return [s.start.astimezone(MEXICO.timezone).strftime("%Y-%m-%d %H:%M") for s in slots]


def visit() -> Appointment:
    return Appointment.register(
        patient_id=MARIA.id or 0,
        doctor_id=GUADALUPE.id or 0,
        specialty_id=1,
        country="MX",
        start=TUESDAY_10,
        end=TUESDAY_10 + timedelta(minutes=30),
        at=datetime(2026, 5, 1, 12, 0, tzinfo=UTC),
        actor=str(AS_MARIA),
    )


def test_mexico_is_found_among_the_countries_with_its_names() -> None:
    assert [c.code for c in all_countries()] == ["CL", "MX", "PE"]
    assert (MEXICO.name("es"), MEXICO.name("en")) == ("México", "Mexico")
    assert MEXICO.national_id.name == "CURP"
    assert MEXICO.phone_region == "MX"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("GAMA900115MDFRRN00", "GAMA900115MDFRRN00"),
        ("gama900115mdfrrn00", "GAMA900115MDFRRN00"),
        (" BOXW-310820-HNERXN09 ", "BOXW310820HNERXN09"),
    ],
)
def test_a_valid_curp_is_accepted_upper_case_and_without_separators(raw: str, shown: str) -> None:
    national_id = MEXICO.national_id

    assert national_id.format(national_id.parse(raw)) == shown


def test_a_curp_whose_check_digit_does_not_match_is_refused_as_a_checksum() -> None:
    with pytest.raises(InvalidNationalId) as refused:
        MEXICO.national_id.parse("GAMA900115MDFRRN01")

    assert refused.value.reason == "checksum"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("GAMA900115MDFRRN0", "length"),
        ("GAMA900115MDFRRN000", "length"),
        ("1AMA900115MDFRRN00", "format"),  # a digit where the name's letters go
        ("GAMA901315MDFRRN00", "format"),  # born in a thirteenth month
        ("GAMA900115MZZRRN00", "format"),  # no such state
        ("45678912", "length"),  # a Peruvian DNI is not a CURP
    ],
)
def test_a_malformed_curp_is_refused_with_the_reason(raw: str, reason: str) -> None:
    with pytest.raises(InvalidNationalId) as refused:
        MEXICO.national_id.parse(raw)

    assert refused.value.reason == reason


def test_nine_in_mexico_city_is_fifteen_utc_all_year_with_no_daylight_saving() -> None:
    for day in (date(2026, 1, 13), date(2026, 7, 14), date(2026, 11, 10)):
        now = datetime.combine(day - timedelta(days=1), time(), UTC)

        [first, *_] = free_slots(GUADALUPE, MEXICO, day, day, busy=[], now=now)

        assert first.start == datetime.combine(day, time(15), UTC)


@pytest.mark.parametrize(
    "holiday",
    [
        date(2026, 2, 2),  # Constitution Day, the first Monday of February
        date(2026, 3, 16),  # Benito Juárez's birthday, the third Monday of March
        date(2026, 9, 16),  # Independence Day
        date(2026, 11, 16),  # Revolution Day, the third Monday of November
    ],
)
def test_mexicos_public_holidays_offer_nothing(holiday: date) -> None:
    now = datetime.combine(holiday - timedelta(days=7), time(), UTC)

    next_day = holiday + timedelta(days=1)

    days = {s[:10] for s in local_starts(holiday, next_day, now)}

    assert MEXICO.is_holiday(holiday)
    assert days == {next_day.isoformat()}


def test_a_day_that_is_a_holiday_elsewhere_is_a_working_day_in_mexico() -> None:
    peru_independence = date(2026, 7, 28)
    now = datetime(2026, 7, 20, tzinfo=UTC)

    assert get_country("PE").is_holiday(peru_independence)
    assert local_starts(peru_independence, peru_independence, now)[0] == "2026-07-28 09:00"


def test_slots_inside_mexicos_four_hour_lead_time_are_not_offered() -> None:
    now = datetime(2026, 5, 4, 9, 5, tzinfo=MEXICO.timezone)

    assert local_starts(date(2026, 5, 4), date(2026, 5, 4), now)[0] == "2026-05-04 14:00"


def test_slots_past_mexicos_forty_five_day_horizon_are_not_offered() -> None:
    now = datetime(2026, 5, 4, 8, 0, tzinfo=MEXICO.timezone)

    starts = local_starts(now.date(), now.date() + timedelta(days=60), now)

    # now + 45 days is Thursday 18 June 08:00, before that day's first slot
    assert starts[-1] == "2026-06-17 17:30"


def test_a_booking_in_mexico_plans_reminders_24_and_2_hours_before() -> None:
    result = plan(Change(visit(), AS_MARIA, MARIA, GUADALUPE, datetime(2026, 5, 1, tzinfo=UTC)))

    assert [(n.kind, n.due_at) for n in result.notifications] == [
        (Kind.REMINDER, TUESDAY_10 - timedelta(hours=24)),
        (Kind.REMINDER, TUESDAY_10 - timedelta(hours=2)),
    ]


def test_a_patient_in_mexico_may_cancel_until_six_hours_before() -> None:
    appointment = visit()

    check_movable(AS_MARIA, appointment, TUESDAY_10 - timedelta(hours=6))
    with pytest.raises(CancellationWindowClosed):
        check_movable(AS_MARIA, appointment, TUESDAY_10 - timedelta(hours=5, minutes=59))
