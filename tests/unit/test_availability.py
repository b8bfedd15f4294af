from datetime import UTC, date, datetime, time, timedelta

from domain.availability import Busy, Slot, free_slots
from domain.countries import Country, get_country
from domain.entities import Doctor
from domain.schedule import DayHours, TimeOff, TimeRange, WorkingPlan, weekdays_plan

LUNCH = TimeRange(time(13), time(14))
CHILE = get_country("CL")
PERU = get_country("PE")


def doctor(country: str = "CL", plan: WorkingPlan | None = None) -> Doctor:
    return Doctor(
        id=1,
        full_name="Dra. Prueba",
        country=country,
        specialty_ids=(1,),
        plan=plan or weekdays_plan(time(9), time(18), LUNCH),
    )


def offered(doc: Doctor, country: Country, first: date, last: date, busy=()) -> list[Slot]:
    """Free slots seen from the day before ``first``, clear of lead time and horizon."""
    now = datetime.combine(first - timedelta(days=1), time(), UTC)
    return free_slots(doc, country, first, last, busy=busy, now=now)


def starts(slots: list, zone=UTC) -> list[str]:
    return [s.start.astimezone(zone).strftime("%Y-%m-%d %H:%M") for s in slots]


def test_a_weekday_offers_half_hour_slots_around_lunch() -> None:
    slots = offered(doctor(), CHILE, date(2026, 5, 4), date(2026, 5, 4))

    local = starts(slots, CHILE.timezone)
    assert len(local) == 16
    assert local[0] == "2026-05-04 09:00"
    assert local[-1] == "2026-05-04 17:30"
    assert "2026-05-04 13:00" not in local
    assert "2026-05-04 13:30" not in local


def test_weekends_offer_nothing() -> None:
    slots = offered(doctor(), CHILE, date(2026, 5, 9), date(2026, 5, 10))

    assert slots == []


def test_nine_in_santiago_moves_in_utc_when_dst_ends_in_april() -> None:
    thursday = offered(doctor(), CHILE, date(2026, 4, 2), date(2026, 4, 2))
    monday = offered(doctor(), CHILE, date(2026, 4, 6), date(2026, 4, 6))

    assert thursday[0].start == datetime(2026, 4, 2, 12, 0, tzinfo=UTC)  # UTC-3
    assert monday[0].start == datetime(2026, 4, 6, 13, 0, tzinfo=UTC)  # UTC-4
    assert starts(monday, CHILE.timezone)[0] == "2026-04-06 09:00"


def test_nine_in_santiago_moves_in_utc_when_dst_starts_in_september() -> None:
    friday = offered(doctor(), CHILE, date(2026, 9, 4), date(2026, 9, 4))
    monday = offered(doctor(), CHILE, date(2026, 9, 7), date(2026, 9, 7))

    assert friday[0].start == datetime(2026, 9, 4, 13, 0, tzinfo=UTC)  # UTC-4
    assert monday[0].start == datetime(2026, 9, 7, 12, 0, tzinfo=UTC)  # UTC-3


def test_wall_times_skipped_by_the_september_change_are_not_offered() -> None:
    night = DayHours(TimeRange(time(0), time(2)))
    plan = WorkingPlan(exceptions={date(2026, 9, 6): night})

    slots = offered(doctor(plan=plan), CHILE, date(2026, 9, 6), date(2026, 9, 6))

    assert starts(slots, CHILE.timezone) == ["2026-09-06 01:00", "2026-09-06 01:30"]
    assert all(s.end - s.start == timedelta(minutes=30) for s in slots)


def test_wall_times_repeated_by_the_april_change_are_offered_once() -> None:
    late = DayHours(TimeRange(time(22, 30), time(23, 59)))
    plan = WorkingPlan(exceptions={date(2027, 4, 3): late})  # 23:00-24:00 happens twice

    slots = offered(doctor(plan=plan), CHILE, date(2027, 4, 3), date(2027, 4, 3))

    assert starts(slots) == ["2027-04-04 01:30", "2027-04-04 02:00"]
    assert len({s.start for s in slots}) == len(slots)


def test_public_holidays_offer_nothing() -> None:
    # 28 July is Peru's Independence Day; 29 July is a holiday too.
    slots = offered(doctor("PE"), PERU, date(2026, 7, 27), date(2026, 7, 30))

    days = {s[:10] for s in starts(slots, PERU.timezone)}
    assert days == {"2026-07-27", "2026-07-30"}


def test_slots_inside_the_lead_time_are_not_offered() -> None:
    now = datetime(2026, 5, 4, 10, 5, tzinfo=PERU.timezone)  # lead time is 2 h in Peru

    slots = free_slots(doctor("PE"), PERU, date(2026, 5, 4), date(2026, 5, 4), busy=[], now=now)

    assert starts(slots, PERU.timezone)[0] == "2026-05-04 12:30"


def test_slots_past_the_horizon_are_not_offered() -> None:
    now = datetime(2026, 5, 4, 8, 0, tzinfo=PERU.timezone)  # horizon is 60 days in Peru
    last = now.date() + timedelta(days=70)

    slots = free_slots(doctor("PE"), PERU, now.date(), last, busy=[], now=now)

    assert slots
    assert max(s.start for s in slots) <= now + timedelta(days=60)
    # now + 60 days is 3 July 08:00, before that day's first slot
    assert starts([slots[-1]], PERU.timezone)[0] == "2026-07-02 17:30"


def test_a_day_off_exception_removes_the_whole_day() -> None:
    plan = weekdays_plan(time(9), time(18), LUNCH)
    plan = WorkingPlan(weekly=plan.weekly, exceptions={date(2026, 5, 5): None})

    slots = offered(doctor(plan=plan), CHILE, date(2026, 5, 4), date(2026, 5, 6))

    assert {s[:10] for s in starts(slots, CHILE.timezone)} == {"2026-05-04", "2026-05-06"}


def test_an_exception_that_overlaps_the_plan_replaces_that_days_hours() -> None:
    plan = weekdays_plan(time(9), time(18), LUNCH)
    short_day = DayHours(TimeRange(time(8), time(10)))
    plan = WorkingPlan(weekly=plan.weekly, exceptions={date(2026, 5, 4): short_day})

    slots = offered(doctor(plan=plan), CHILE, date(2026, 5, 4), date(2026, 5, 4))

    assert starts(slots, CHILE.timezone) == [
        "2026-05-04 08:00",
        "2026-05-04 08:30",
        "2026-05-04 09:00",
        "2026-05-04 09:30",
    ]


def test_time_off_across_days_removes_every_slot_it_touches() -> None:
    zone = CHILE.timezone
    off = TimeOff(
        datetime(2026, 5, 4, 16, 45, tzinfo=zone), datetime(2026, 5, 5, 10, 0, tzinfo=zone)
    )
    base = weekdays_plan(time(9), time(18), LUNCH)
    plan = WorkingPlan(weekly=base.weekly, time_off=(off,))

    slots = offered(doctor(plan=plan), CHILE, date(2026, 5, 4), date(2026, 5, 5))

    local = starts(slots, zone)
    assert "2026-05-04 16:00" in local
    assert "2026-05-04 16:30" not in local  # ends at 17:00, after the time off begins
    assert "2026-05-04 17:30" not in local
    assert "2026-05-05 09:30" not in local
    assert "2026-05-05 10:00" in local


def test_active_appointments_are_not_offered_again() -> None:
    first = offered(doctor(), CHILE, date(2026, 5, 4), date(2026, 5, 4))
    busy = [Busy(first[0].start, first[0].end), Busy(first[3].start, first[3].end)]

    slots = offered(doctor(), CHILE, date(2026, 5, 4), date(2026, 5, 4), busy)

    assert slots == [s for i, s in enumerate(first) if i not in (0, 3)]
