"""The admin's statistics, counted by the database (``domain.statistics``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, bindparam, case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.statistics import Counts, GroupCounts
from domain.status import Status
from storage.engine import off_the_loop
from storage.tables import appointment_status_changes, appointments
from storage.types import UTCDateTime

_cancel = appointment_status_changes.alias("cancel")
_status = appointments.c.status


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _cancelled_by(role: str) -> ColumnElement[int]:
    """Cancellations whose history row names ``role`` as the actor (``patient:12``…)."""
    return _count_if(and_(_status == Status.CANCELLED.value, _cancel.c.actor.like(f"{role}%")))


#: One row per doctor and specialty. The doctors' ids and the start bounds use the
#: (doctor_id, starts_at) index; each appointment meets at most one cancellation row
#: (cancelled is final), found by the history's appointment_id index.
_COUNTS = (
    select(
        appointments.c.doctor_id,
        appointments.c.specialty_id,
        func.count().label("booked"),
        _count_if(_status.not_in([Status.CANCELLED.value, Status.REJECTED.value])).label("held"),
        _count_if(_status == Status.CANCELLED.value).label("cancelled"),
        _cancelled_by("patient").label("by_patient"),
        _cancelled_by("admin").label("by_admin"),
        _cancelled_by("doctor").label("by_doctor"),
        _count_if(_status == Status.NO_SHOW.value).label("no_shows"),
        _count_if(_status == Status.COMPLETED.value).label("completed"),
    )
    .select_from(
        appointments.outerjoin(
            _cancel,
            and_(
                _cancel.c.appointment_id == appointments.c.id,
                _cancel.c.to_status == Status.CANCELLED.value,
            ),
        )
    )
    .where(
        appointments.c.doctor_id.in_(bindparam("doctors", expanding=True)),
        appointments.c.starts_at >= bindparam("start", type_=UTCDateTime()),
        appointments.c.starts_at < bindparam("end", type_=UTCDateTime()),
    )
    .group_by(appointments.c.doctor_id, appointments.c.specialty_id)
)


class SqlStatistics:
    """Implements :class:`domain.ports.StatisticsRepository`. Its query scans a whole
    period, so with the inline SQLite driver it runs off the event loop."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def counts(
        self, doctor_ids: list[int], start: datetime, end: datetime
    ) -> list[GroupCounts]:
        if not doctor_ids:
            return []
        params = {"doctors": doctor_ids, "start": start, "end": end}
        async with off_the_loop(self._conn) as conn:
            rows = (await conn.execute(_COUNTS, params)).all()
        return [
            GroupCounts(
                r.doctor_id,
                r.specialty_id,
                Counts(
                    booked=r.booked,
                    held=r.held,
                    cancelled_by_patient=r.by_patient,
                    cancelled_by_admin=r.by_admin,
                    cancelled_by_doctor=r.by_doctor,
                    cancelled_by_system=r.cancelled - r.by_patient - r.by_admin - r.by_doctor,
                    no_shows=r.no_shows,
                    completed=r.completed,
                ),
            )
            for r in rows
        ]
