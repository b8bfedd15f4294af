"""Running a booking's processing job: its country's steps, and their compensation.

:func:`process` runs every step that can run now, in one unit of work together with
the job's progress, so the job, the appointment, its history, the audit and the
messages it queues are stored together or not at all. A worker that crashes midway
leaves the job as it was; its lease ends and another worker runs the same steps again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from domain.actors import SYSTEM, Actor, Role
from domain.audit import Action, status_action
from domain.availability import is_free
from domain.countries import Country, get_country
from domain.entities import Appointment, Doctor, Patient
from domain.notifications import Kind, Notification
from domain.ports import Deps, UnitOfWork
from domain.processing import ADMINS, Advance, Job, JobState, Reason, Reject, Wait
from domain.queries import SlotQuery, slots_in
from domain.staff import StaffRole
from domain.status import Status
from domain.usecases.shared import audit_appointment, calendar_files

#: How many next free times a rejected booking's patient is offered.
ALTERNATIVES = 3
#: How far ahead those are looked for.
ALTERNATIVES_WITHIN = timedelta(days=14)
#: The reason a doctor's decline is recorded with, before their own words.
DECLINED_BY = "declined by"
ALERT_WINDOW = timedelta(minutes=10)


@dataclass(slots=True)
class StepContext:
    """What a step reads and the changes it may make, all in one unit of work."""

    deps: Deps
    uow: UnitOfWork
    job: Job
    appointment: Appointment
    country: Country
    patient: Patient | None
    doctor: Doctor | None
    now: datetime
    actor: Actor = SYSTEM
    messages: list[Notification] = field(default_factory=list)

    @property
    def declined(self) -> bool:
        """Whether the last one asked declined, rather than let the offer lapse."""
        notes = [c.reason for c in self.appointment.history if c.from_status == c.to_status]
        return bool(notes) and notes[-1].startswith(DECLINED_BY)

    async def record(self, action: str, *, reason: str) -> None:
        """A history entry and an audit entry for a step that changed no status."""
        self.appointment.note(reason, at=self.now, actor=str(self.actor))
        await audit_appointment(self.uow, self.deps, self.actor, action, self.appointment)

    async def move(self, target: Status, reason: str = "") -> None:
        self.appointment.move_to(target, at=self.now, actor=str(self.actor), reason=reason)
        await audit_appointment(
            self.uow, self.deps, self.actor, status_action(target), self.appointment
        )

    async def fits(self, doctor: Doctor) -> bool:
        """Whether the visit's time is still within the doctor's hours, not a holiday
        and not time off. The lead time was met when the patient booked."""
        since = self.appointment.start - self.country.booking.min_lead
        return is_free(doctor, self.country, self.appointment.start, [], since) is not None

    async def free_colleague(self, passed: list[int]) -> Doctor | None:
        """Another active doctor of the specialty, free at the visit's time, not yet asked."""
        a = self.appointment
        doctors = await self.uow.doctors.list_for(a.country, a.specialty_id)
        candidates = [
            d
            for d in doctors
            if d.active and d.id not in passed and d.id != a.doctor_id and await self.fits(d)
        ]
        busy = await self.uow.appointments.busy_for_doctors(
            [d.id or 0 for d in candidates], a.start, a.end
        )
        return next((d for d in candidates if not busy[d.id or 0]), None)

    async def offer(self, to: int, deadline: datetime) -> None:
        """Ask a doctor (or the admins, ``to=ADMINS``) to answer by ``deadline``."""
        if self.appointment.status is Status.REGISTERED:
            await self.move(Status.PENDING)
        self.job.offered_to, self.job.deadline = to, deadline
        who = "admins" if to == ADMINS else f"doctor:{to}"
        await self.record(Action.OFFERED, reason=f"offered to {who}")
        params = {
            "patient": self.patient.full_name if self.patient else "",
            "deadline": int(deadline.timestamp()),
            **await self._specialty(),
        }
        template = "notify.offer.admin" if to == ADMINS else "notify.offer"
        for chat in await self.answerers(to):
            self.tell(chat, template, f"offer:{to}", params, urgent=True)

    async def answerers(self, to: int | None) -> list[int]:
        """The Telegram chats of whoever holds the offer."""
        if to is None:
            return []
        if to == ADMINS:
            return await admin_chats(self.uow, self.deps)
        doctor = self.doctor if self.doctor and self.doctor.id == to else None
        doctor = doctor or await self.uow.doctors.get(to)
        return [doctor.telegram_user_id] if doctor and doctor.telegram_user_id else []

    async def lapse(self) -> None:
        """Nobody answered in time: the offer passes on, and its holder is told so."""
        to = self.job.offered_to
        if to is None:
            return
        self.job.passed.append(to)
        who = "admins" if to == ADMINS else f"doctor:{to}"
        await self.record(Action.LAPSED, reason=f"no answer from {who}")
        for chat in await self.answerers(to):
            self.tell(chat, "notify.offer.lapsed", f"lapsed:{to}", urgent=True)
        if to != ADMINS:  # a doctor not answering is the clinic's business
            self.messages += await admin_alerts(self.uow, self.deps, "lapsed", self.now)

    async def reassign(self, colleague: Doctor) -> None:
        """The visit goes to ``colleague``; the patient is told of the new doctor."""
        self.appointment.hand_over(colleague.id or 0, at=self.now, actor=str(self.actor))
        await audit_appointment(
            self.uow, self.deps, self.actor, Action.REASSIGNED, self.appointment
        )
        self.doctor = colleague
        if self.patient is not None:
            self.tell(self.patient.telegram_user_id, "notify.doctor_changed", "moved", urgent=True)

    async def withdraw_offer(self) -> None:
        """Whoever still holds an offer is told it no longer needs their answer."""
        to = self.job.offered_to
        if to is None or to in self.job.passed:
            return
        for chat in await self.answerers(to):
            self.tell(chat, "notify.offer.withdrawn", f"withdrawn:{to}", urgent=True)

    async def assign(self) -> None:
        """Confirm the booking: the patient and a linked doctor are told."""
        await self.move(Status.ASSIGNED)
        if self.patient is not None:
            self.tell(self.patient.telegram_user_id, "notify.status.assigned", "assigned")
            self.messages += await calendar_files(
                self.uow, self.appointment, people=(self.patient, self.doctor), now=self.now
            )
        doctor = self.doctor
        if doctor and doctor.telegram_user_id and self.actor != Actor(Role.DOCTOR, doctor.id):
            params = {
                "patient": self.patient.full_name if self.patient else "",
                **await self._specialty(),
            }
            self.tell(doctor.telegram_user_id, "notify.doctor.assigned", "assigned", params)

    def tell(
        self,
        chat_id: int,
        template: str,
        key: str,
        params: dict[str, str | int] | None = None,
        *,
        urgent: bool = False,
    ) -> None:
        a = self.appointment
        self.messages.append(
            Notification(
                chat_id=chat_id,
                kind=Kind.STATUS,
                template=template,
                due_at=self.now,
                dedupe_key=f"{a.id}:{key}:{len(a.history)}:{chat_id}",
                appointment_id=a.id,
                params={
                    "reference": a.reference,
                    "start": int(a.start.timestamp()),
                    "country": a.country,
                    "doctor": self.doctor.full_name if self.doctor else "",
                    **(params or {}),
                },
                urgent=urgent,
            )
        )

    async def _specialty(self) -> dict[str, str | int]:
        found = {s.id: s for s in await self.uow.specialties.list_all()}
        specialty = found.get(self.appointment.specialty_id)
        if specialty is None:
            return {}
        return {"specialty_es": specialty.name_es, "specialty_en": specialty.name_en}


async def admin_chats(uow: UnitOfWork, deps: Deps) -> list[int]:
    """Every admin's Telegram chat: the operator's ``ADMIN_TELEGRAM_IDS`` and the granted."""
    granted = [g.telegram_user_id for g in await uow.staff.active(StaffRole.ADMIN)]
    return sorted(set(deps.admin_ids) | set(granted))


async def admin_alerts(uow: UnitOfWork, deps: Deps, what: str, now: datetime) -> list[Notification]:
    """An alert ``notify.alert.<what>`` to every admin, at most one per ``ALERT_WINDOW``:
    a second one in the same window meets the first's dedupe key and is not queued."""
    window = int(now.timestamp() // ALERT_WINDOW.total_seconds())
    return [
        Notification(
            chat_id=chat,
            kind=Kind.ALERT,
            template=f"notify.alert.{what}",
            due_at=now,
            dedupe_key=f"alert:{what}:{chat}:{window}",
            urgent=True,
        )
        for chat in await admin_chats(uow, deps)
    ]


def start_processing(appointment: Appointment, now: datetime) -> Job:
    """The job a new booking is stored with, due at once."""
    return Job(appointment.id, due=now)


async def process(deps: Deps, job_id: int) -> JobState | None:
    """Run the job's steps as far as they go now; its new state, or ``None`` if gone."""
    now = deps.clock.now()
    async with deps.uow() as uow:
        job = await uow.jobs.get(job_id)
        if job is None or job.finished:
            return None if job is None else job.state
        ctx = await _context(uow, deps, job, now)
        if ctx is None or not ctx.appointment.is_active:
            job.finish()  # cancelled meanwhile: nothing left to do
        else:
            await _run_steps(ctx)
            await uow.appointments.save(ctx.appointment)
            await uow.notifications.add(ctx.messages)
        await uow.jobs.save(job)
        await uow.commit()
    return job.state


async def give_up(deps: Deps, job_id: int) -> None:
    """A job that kept failing: its booking is rejected as if it had been (the patient
    told, with alternatives) unless it was already confirmed, and the admins alerted."""
    now = deps.clock.now()
    async with deps.uow() as uow:
        job = await uow.jobs.get(job_id)
        if job is None:
            return
        ctx = await _context(uow, deps, job, now)
        if ctx is not None and ctx.appointment.status in (Status.REGISTERED, Status.PENDING):
            await compensate(ctx, Reason.FAILED)
            await uow.appointments.save(ctx.appointment)
            await uow.notifications.add(ctx.messages)
        await uow.notifications.add(await admin_alerts(uow, deps, "processing", now))
        await uow.commit()


async def _context(uow: UnitOfWork, deps: Deps, job: Job, now: datetime) -> StepContext | None:
    appointment = await uow.appointments.get(job.appointment_id)
    if appointment is None:
        return None
    return await step_context(uow, deps, job, appointment, now)


async def step_context(
    uow: UnitOfWork,
    deps: Deps,
    job: Job,
    appointment: Appointment,
    now: datetime,
    *,
    actor: Actor = SYSTEM,
) -> StepContext:
    """The context a step, or someone's answer to an offer, acts in."""
    return StepContext(
        deps,
        uow,
        job,
        appointment,
        get_country(appointment.country),
        await uow.patients.get(appointment.patient_id),
        await uow.doctors.get(appointment.doctor_id),
        now,
        actor=actor,
    )


async def _run_steps(ctx: StepContext) -> None:
    steps = ctx.country.processing.steps
    job = ctx.job
    while job.step < len(steps):
        outcome = await steps[job.step].run(ctx)
        if isinstance(outcome, Advance):
            job.advance(ctx.now)
        elif isinstance(outcome, Wait):
            job.wait(outcome.until)
            return
        elif isinstance(outcome, Reject):
            await compensate(ctx, outcome.reason)
            return
    if ctx.appointment.status is not Status.ASSIGNED:  # a country with no confirming step
        await ctx.assign()
    job.finish()


async def compensate(ctx: StepContext, reason: Reason) -> None:
    """Undo every step taken, newest first, then the booking itself: the slot freed,
    reminders withdrawn, the patient told why with the next free times."""
    steps = ctx.country.processing.steps
    for step in reversed(steps[: ctx.job.step + 1]):
        await step.undo(ctx)
    await ctx.move(Status.REJECTED, reason=reason.value)
    await ctx.uow.notifications.withdraw(ctx.appointment.id, Kind.REMINDER)
    if ctx.patient is not None:
        times = await next_free_times(ctx)
        ctx.tell(
            ctx.patient.telegram_user_id,
            "notify.rejected",
            "rejected",
            {
                "reason": reason.value,
                "specialty_id": ctx.appointment.specialty_id,
                "alternatives": ";".join(f"{d}:{int(start.timestamp())}" for d, start in times),
            },
            urgent=True,
        )
    ctx.job.finish()


async def next_free_times(ctx: StepContext) -> list[tuple[int, datetime]]:
    """The specialty's next free times in the country (:func:`domain.queries.open_slots`,
    read in the step's own transaction), other than the rejected one's."""
    a = ctx.appointment
    first = ctx.now.astimezone(ctx.country.timezone).date()
    query = SlotQuery(a.country, a.specialty_id, None, first, first + ALTERNATIVES_WITHIN)
    found = [s for s in await slots_in(ctx.uow, ctx.now, query) if s.slot.start != a.start]
    return [(s.doctor_id, s.slot.start) for s in found[:ALTERNATIVES]]
