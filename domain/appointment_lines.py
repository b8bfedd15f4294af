"""What an admin sees of an appointment in a list or opened: the visit with the names
of its patient and doctor, and how a typed reference is read."""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.actors import Actor, Role
from domain.entities import Appointment, Patient
from domain.errors import NotAllowed

_REFERENCE = re.compile(r"([2-9A-HJKMNP-Z]{4})-?([2-9A-HJKMNP-Z]{4})")


@dataclass(frozen=True, slots=True)
class AppointmentLine:
    appointment: Appointment
    patient_name: str
    doctor_name: str


@dataclass(frozen=True, slots=True)
class Found:
    """What an admin's search found: a patient's appointments (``patient`` set) or the
    one appointment a reference names."""

    lines: list[AppointmentLine]
    patient: Patient | None = None


def parse_reference(raw: str) -> str | None:
    """``k7m2 9qx4``, ``K7M29QX4`` or ``K7M2-9QX4`` as stored (``K7M2-9QX4``); else None."""
    match = _REFERENCE.fullmatch("".join(raw.split()).upper())
    return f"{match[1]}-{match[2]}" if match else None


def check_clinic_admin(actor: Actor) -> None:
    """The clinic's appointments, statistics and audit are for admins only (and the
    clinic's own system through an API token)."""
    if actor.role not in (Role.ADMIN, Role.API):
        raise NotAllowed("only admins")
