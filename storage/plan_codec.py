"""A doctor's working plan to and from the JSON stored in ``doctors.plan``."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from domain.schedule import DayHours, TimeOff, TimeRange, WorkingPlan


def plan_to_json(plan: WorkingPlan) -> dict[str, Any]:
    return {
        "weekly": {str(day): _day(hours) for day, hours in sorted(plan.weekly.items())},
        "exceptions": {
            day.isoformat(): (_day(hours) if hours else None)
            for day, hours in sorted(plan.exceptions.items())
        },
        "time_off": [_off(t) for t in plan.time_off],
    }


def _off(off: TimeOff) -> dict[str, Any]:
    found: dict[str, Any] = {
        "start": off.start.isoformat(),
        "end": off.end.isoformat(),
        "reason": off.reason,
    }
    if off.by_doctor:  # time off stored before doctors blocked time has no "by"
        found["by"] = "doctor"
    return found


def plan_from_json(data: dict[str, Any]) -> WorkingPlan:
    return WorkingPlan(
        weekly={int(day): _hours(raw) for day, raw in data.get("weekly", {}).items()},
        exceptions={
            date.fromisoformat(day): (_hours(raw) if raw else None)
            for day, raw in data.get("exceptions", {}).items()
        },
        time_off=tuple(
            TimeOff(
                datetime.fromisoformat(t["start"]),
                datetime.fromisoformat(t["end"]),
                t.get("reason", ""),
                by_doctor=t.get("by") == "doctor",
            )
            for t in data.get("time_off", [])
        ),
    )


def _range(r: TimeRange) -> list[str]:
    return [r.start.isoformat("minutes"), r.end.isoformat("minutes")]


def _day(hours: DayHours) -> dict[str, Any]:
    return {"hours": _range(hours.hours), "breaks": [_range(b) for b in hours.breaks]}


def _hours(raw: dict[str, Any]) -> DayHours:
    def parse(pair: list[str]) -> TimeRange:
        return TimeRange(time.fromisoformat(pair[0]), time.fromisoformat(pair[1]))

    return DayHours(parse(raw["hours"]), tuple(parse(b) for b in raw.get("breaks", [])))
