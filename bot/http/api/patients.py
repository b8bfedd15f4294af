"""Patients: the clinic registers one, finds one by national ID, changes contacts."""

from __future__ import annotations

from bot.http.api.operations import Call, Operation
from bot.http.api.schemas import (
    ContactIn,
    IdPath,
    PatientIn,
    PatientList,
    PatientOut,
    PatientSearch,
)
from domain.api_access import Scope
from domain.usecases.lookup import find_patients, open_patient
from domain.usecases.patients import (
    ClinicRegisterCommand,
    ContactCommand,
    register_patient,
    update_contact,
)


async def register(call: Call) -> PatientOut:
    body = call.body_as(PatientIn)
    command = ClinicRegisterCommand(
        body.telegram_user_id, body.full_name, body.country, body.national_id, body.phone,
        body.language,
    )  # fmt: skip
    return PatientOut.of(await register_patient(call.deps, call.caller.actor, command))


async def find(call: Call) -> PatientList:
    typed = call.query_as(PatientSearch).national_id
    return PatientList(
        items=[PatientOut.of(p) for p in await find_patients(call.deps, call.caller.actor, typed)]
    )


async def get(call: Call) -> PatientOut:
    return PatientOut.of(await open_patient(call.deps, call.caller.actor, call.path_as(IdPath).id))


async def change_contact(call: Call) -> PatientOut:
    body = call.body_as(ContactIn)
    command = ContactCommand(call.path_as(IdPath).id, body.phone, body.language)
    return PatientOut.of(await update_contact(call.deps, call.caller.actor, command))


OPERATIONS = [
    Operation(
        "registerPatient", "POST", "/patients",
        "Register a patient for their Telegram account", Scope.WRITE, register, PatientOut,
        status=201, body=PatientIn, tag="patients",
    ),
    Operation(
        "findPatients", "GET", "/patients", "Patients with a national ID (audited)",
        Scope.ADMIN, find, PatientList, query=PatientSearch, tag="patients",
    ),
    Operation(
        "getPatient", "GET", "/patients/{id}", "One patient's record (audited)",
        Scope.ADMIN, get, PatientOut, path_model=IdPath, tag="patients",
    ),
    Operation(
        "updatePatientContact", "PATCH", "/patients/{id}",
        "Change a patient's phone or language", Scope.WRITE, change_contact, PatientOut,
        path_model=IdPath, body=ContactIn, tag="patients",
    ),
]  # fmt: skip
