"""The demo clinic: ``bot/clinics/demo.yaml``, a set-up file like any clinic's.

PE and CL, two doctors per specialty, then MX's two general doctors; the sandbox and
the tests rely on its doctors' order (their ids) and names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.clinic_file import read_clinic_file
from domain.actors import SYSTEM
from domain.clinic_setup import Action, Change
from domain.clock import SystemClock
from domain.ports import Deps, UnitOfWork
from domain.usecases.clinic_import import ImportCommand, import_clinic

DEMO_FILE = Path(__file__).parent / "clinics" / "demo.yaml"


@dataclass(frozen=True, slots=True)
class SeedReport:
    specialties_added: int
    doctors_added: int


async def seed_demo(make_uow: Callable[[], UnitOfWork]) -> SeedReport:
    """Import the demo clinic's file; running it twice adds nothing."""

    def uow(*, read_only: bool = False) -> UnitOfWork:  # noqa: ARG001 (one write, no reads)
        return make_uow()

    deps = Deps(uow=uow, clock=SystemClock())
    changes = await import_clinic(deps, SYSTEM, ImportCommand(read_clinic_file(DEMO_FILE)))
    return SeedReport(_created(changes, "specialty"), _created(changes, "doctor"))


def _created(changes: list[Change], kind: str) -> int:
    return sum(1 for c in changes if c.action is Action.CREATE and c.kind == kind)
