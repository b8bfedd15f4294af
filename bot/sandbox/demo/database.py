"""The sandbox's own database: refused if it holds real patients, else migrated and seeded.

A database becomes the sandbox's when the sandbox first finds it without patients and
writes its marker table into it.  From then on it may be reused; a database with
patients and no marker is someone's real data, and the sandbox will not touch it, not
even to migrate it.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import Column, Connection, DateTime, Integer, MetaData, Table, inspect, select
from sqlalchemy import func as sql
from sqlalchemy.engine import make_url

from bot.database import upgrade_database
from bot.demo_clinic import seed_demo
from bot.errors import StartupError
from bot.sandbox.demo.people import SANDBOX_DOCTOR_ID, SANDBOX_DOCTOR_NAME
from domain.clock import SystemClock
from storage.engine import create_engine
from storage.tables import doctors, patients
from storage.unit_of_work import SqlUnitOfWork

MARKER = Table(
    "medbot_sandbox",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("claimed_at", DateTime(timezone=True), nullable=False),
)


class RealPatients(StartupError):
    """The sandbox database holds patients that the sandbox did not create."""


def same_database(first: str, second: str) -> bool:
    a, b = make_url(first), make_url(second)
    if a.get_backend_name() == "sqlite" and b.get_backend_name() == "sqlite":
        return Path(a.database or "").resolve() == Path(b.database or "").resolve()
    return a.render_as_string(hide_password=False) == b.render_as_string(hide_password=False)


async def prepare_sandbox_database(
    url: str, production_url: str, data_key: SecretStr | None = None
) -> None:
    """Check, migrate, mark and seed the sandbox database; refuse a real one. Migrated
    with the key the sandbox's bot will use (``DATA_KEY``, else the sandbox's key file)."""
    if same_database(url, production_url):
        raise StartupError(
            "refusing sandbox mode: SANDBOX_DATABASE_URL is DATABASE_URL; "
            "the sandbox needs a database of its own"
        )
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            real = await conn.run_sync(_holds_real_patients)
        if real:
            raise RealPatients(
                "refusing sandbox mode: SANDBOX_DATABASE_URL holds patients the sandbox "
                "did not create; point it at a database of its own"
            )
        # Synthetic data: its key file needs no backing up, so no word about it.
        await upgrade_database(url, data_key, announce_key=False)
        async with engine.begin() as conn:
            await conn.run_sync(MARKER.create, checkfirst=True)
            if (await conn.execute(select(sql.count()).select_from(MARKER))).scalar() == 0:
                await conn.execute(MARKER.insert().values(claimed_at=SystemClock().now()))
        await seed_demo(lambda: SqlUnitOfWork(engine))
        async with engine.begin() as conn:  # the doctor persona is this doctor's account
            await conn.execute(
                doctors.update()
                .where(doctors.c.full_name == SANDBOX_DOCTOR_NAME, doctors.c.country == "PE")
                .where(doctors.c.telegram_user_id.is_(None))
                .values(telegram_user_id=SANDBOX_DOCTOR_ID)
            )
    finally:
        await engine.dispose()


def _holds_real_patients(conn: Connection) -> bool:
    tables = set(inspect(conn).get_table_names())
    if MARKER.name in tables or patients.name not in tables:
        return False
    return bool(conn.execute(select(sql.count()).select_from(patients)).scalar())
