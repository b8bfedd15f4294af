"""medbot's records as FHIR R4 resources (plain JSON, checked against ``fhir.resources``'
R4B models by the tests), and the one table of how a status maps (docs/fhir.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from domain.availability import Slot
from domain.entities import Appointment, Doctor, Location, Patient, Specialty
from domain.status import Status

SYSTEM = "https://medbot.invalid/fhir"
REFERENCE_SYSTEM = f"{SYSTEM}/appointment-reference"
SPECIALTY_SYSTEM = f"{SYSTEM}/CodeSystem/specialty"
LOCATION_SYSTEM = f"{SYSTEM}/location-code"
NATIONAL_ID_SYSTEM = f"{SYSTEM}/national-id"  # followed by /<country>, e.g. /PE
CANCELLATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason"
PARTICIPATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"

ACCEPTED, TENTATIVE, NEEDS_ACTION, DECLINED = "accepted", "tentative", "needs-action", "declined"


@dataclass(frozen=True, slots=True)
class Mapping:
    """One medbot status: FHIR's status, and each participant's while nobody declined."""

    status: str
    patient: str
    practitioner: str


#: The status table of docs/fhir.md. Who declined a cancelled or rejected visit is read
#: from its last history entry (:func:`_declined_by`).
STATUSES: dict[Status, Mapping] = {
    Status.REGISTERED: Mapping("proposed", ACCEPTED, NEEDS_ACTION),
    Status.PENDING: Mapping("pending", ACCEPTED, NEEDS_ACTION),
    Status.ASSIGNED: Mapping("booked", ACCEPTED, ACCEPTED),
    Status.COMPLETED: Mapping("fulfilled", ACCEPTED, ACCEPTED),
    Status.NO_SHOW: Mapping("noshow", ACCEPTED, ACCEPTED),
    Status.CANCELLED: Mapping("cancelled", ACCEPTED, ACCEPTED),
    Status.REJECTED: Mapping("cancelled", ACCEPTED, DECLINED),
}
#: Every Appointment.status FHIR R4 defines; medbot never gives the last four.
FHIR_STATUSES = frozenset(
    {m.status for m in STATUSES.values()}
    | {"arrived", "checked-in", "waitlist", "entered-in-error"}
)


@dataclass(frozen=True, slots=True)
class Directory:
    """The clinic's doctors, locations and specialties by id, to name them in resources."""

    doctors: dict[int, Doctor]
    locations: dict[int, Location]
    specialties: dict[int, Specialty]


def instant(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def appointment(a: Appointment, directory: Directory) -> dict[str, Any]:
    mapping = STATUSES[a.status]
    patient, practitioner = mapping.patient, mapping.practitioner
    resource: dict[str, Any] = {
        "resourceType": "Appointment",
        "id": str(a.id),
        "identifier": [{"system": REFERENCE_SYSTEM, "value": a.reference}],
        "status": mapping.status,
    }
    if a.status in (Status.CANCELLED, Status.REJECTED):
        declined, code, reason = _declined_by(a)
        patient = DECLINED if declined == "patient" else patient
        practitioner = DECLINED if declined == "practitioner" else practitioner
        resource["cancelationReason"] = {
            "coding": [{"system": CANCELLATION_SYSTEM, "code": code}],
            **({"text": reason} if reason else {}),
        }
    specialty = directory.specialties.get(a.specialty_id)
    if specialty is not None:
        resource["serviceType"] = resource["specialty"] = [concept(specialty)]
    resource |= {
        "start": instant(a.start),
        "end": instant(a.end),
        "minutesDuration": max(1, int((a.end - a.start).total_seconds() // 60)),
    }
    if a.history:
        resource["created"] = instant(a.history[0].at)
    resource["participant"] = _participants(a, directory, patient, practitioner)
    return resource


def _participants(
    a: Appointment, directory: Directory, patient: str, practitioner: str
) -> list[dict[str, Any]]:
    doctor = directory.doctors.get(a.doctor_id)
    found: list[dict[str, Any]] = [
        {"actor": {"reference": f"Patient/{a.patient_id}"}, "required": "required",
         "status": patient},
        {
            "type": [{"coding": [{"system": PARTICIPATION_SYSTEM, "code": "ATND"}]}],
            "actor": {"reference": f"Practitioner/{a.doctor_id}",
                      **({"display": doctor.full_name} if doctor else {})},
            "required": "required",
            "status": practitioner,
        },
    ]  # fmt: skip
    location = directory.locations.get(doctor.location_id or 0) if doctor else None
    if location is not None:  # the place never declines: it is the doctor's
        found.append(
            {"actor": {"reference": f"Location/{location.id}", "display": location.name},
             "required": "required", "status": ACCEPTED}
        )  # fmt: skip
    return found


def _declined_by(a: Appointment) -> tuple[str, str, str]:
    """Who ended the visit (``patient`` or ``practitioner``), the cancellation-reason code
    (``pat``, ``prov``, ``other``) and the recorded reason, from the last status change."""
    last = next((c for c in reversed(a.history) if c.to_status == a.status), None)
    role = (last.actor if last else "").partition(":")[0]
    reason = last.reason if last else ""
    if a.status is Status.REJECTED:
        return "practitioner", "prov", reason
    if role == "patient":
        return "patient", "pat", reason
    if role == "doctor":
        return "practitioner", "prov", reason
    return "practitioner", "other", reason  # the clinic: an admin, its system, medbot


def concept(specialty: Specialty) -> dict[str, Any]:
    return {
        "coding": [
            {"system": SPECIALTY_SYSTEM, "code": specialty.code, "display": specialty.name_en}
        ],
        "text": specialty.name_en,
    }


def practitioner(doctor: Doctor) -> dict[str, Any]:
    return {
        "resourceType": "Practitioner",
        "id": str(doctor.id),
        "active": doctor.active,
        "name": [{"text": doctor.full_name}],
    }


def schedule(doctor: Doctor, directory: Directory) -> dict[str, Any]:
    """One per doctor: its slots are the doctor's free times (``Slot?schedule=``)."""
    actors = [{"reference": f"Practitioner/{doctor.id}", "display": doctor.full_name}]
    location = directory.locations.get(doctor.location_id or 0)
    if location is not None:
        actors.append({"reference": f"Location/{location.id}", "display": location.name})
    specialties = [concept(s) for i in doctor.specialty_ids if (s := directory.specialties.get(i))]
    resource: dict[str, Any] = {"resourceType": "Schedule", "id": str(doctor.id),
                                "active": doctor.active}  # fmt: skip
    if specialties:
        resource["serviceType"] = resource["specialty"] = specialties
    resource["actor"] = actors
    resource["comment"] = f"{int(doctor.slot_length.total_seconds() // 60)}-minute slots"
    return resource


def slot_id(doctor_id: int, start: datetime) -> str:
    return f"{doctor_id}-{int(start.timestamp())}"


def slot(doctor: Doctor, free: Slot, directory: Directory) -> dict[str, Any]:
    specialties = [concept(s) for i in doctor.specialty_ids if (s := directory.specialties.get(i))]
    resource: dict[str, Any] = {"resourceType": "Slot", "id": slot_id(doctor.id or 0, free.start)}
    if specialties:
        resource["serviceType"] = resource["specialty"] = specialties
    return resource | {
        "schedule": {"reference": f"Schedule/{doctor.id}"},
        "status": "free",
        "start": instant(free.start),
        "end": instant(free.end),
    }


def location(loc: Location) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Location",
        "id": str(loc.id),
        "identifier": [{"system": LOCATION_SYSTEM, "value": loc.code}],
        "status": "active",
        "name": loc.name,
    }
    if loc.phone:
        resource["telecom"] = [{"system": "phone", "value": loc.phone}]
    resource["address"] = {"country": loc.country, **({"text": loc.address} if loc.address else {})}
    return resource


def patient(p: Patient) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(p.id),
        "identifier": [{"system": f"{NATIONAL_ID_SYSTEM}/{p.country}", "value": p.national_id}],
        "active": True,
        "name": [{"text": p.full_name}],
    }
    if p.phone:
        resource["telecom"] = [{"system": "phone", "value": p.phone, "use": "mobile"}]
    resource["communication"] = [
        {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": p.language}]}}
    ]
    return resource
