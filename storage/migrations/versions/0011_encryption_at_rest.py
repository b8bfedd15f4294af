"""encryption at rest: patients' names, national IDs and phones, status reasons,
conversation state, the outbox's parameters and the API's stored answers encrypted; a
blind index for national IDs; a key check

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-09

Rows already stored are encrypted here, so the upgrade needs the data key when there
are any: ``medbot db upgrade`` reads ``DATA_KEY``, or the key file next to the SQLite
database, as ``medbot run`` does (``docs/encryption.md``). Without a key it stops and
says so. The unique index on (national_id, country) becomes one on (national_id_index,
country). The downgrade decrypts again, with the same key.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

import sqlalchemy as sa
from alembic import op

from storage.crypto.binding import keyring_of
from storage.crypto.keyring import DataKeyError, KeyRing
from storage.migrate import MigrationRefused

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

OLD_INDEX = "uq_patients_national_id_country"
NEW_INDEX = "uq_patients_national_id_index_country"
CHECK = "medbot data key check"
PATIENT_FIELDS = ("full_name", "national_id", "phone")

patients = sa.table(
    "patients",
    sa.column("id", sa.Integer),
    sa.column("full_name", sa.Text),
    sa.column("national_id", sa.Text),
    sa.column("phone", sa.Text),
    sa.column("national_id_index", sa.Text),
)
changes = sa.table(
    "appointment_status_changes", sa.column("id", sa.Integer), sa.column("reason", sa.Text)
)
outbox = sa.table("notifications", sa.column("id", sa.Integer), sa.column("params", sa.JSON))
answers = sa.table("api_stored_responses", sa.column("id", sa.Integer), sa.column("body", sa.Text))
#: (table, column, whether it is JSON) for the tables with an integer id.
BY_ID = (
    (changes, "reason", False),
    (outbox, "params", True),
    (answers, "body", False),
)
state = sa.table(
    "telegram_state",
    sa.column("kind", sa.String),
    sa.column("key", sa.String),
    sa.column("data", sa.JSON),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
data_keys = sa.table("data_keys", sa.column("id", sa.Integer), sa.column("check_value", sa.Text))


def _ring(bind: sa.Connection) -> KeyRing | None:
    tables = (patients, changes, state, outbox, answers)
    stored = any(
        bind.execute(sa.select(sa.literal(1)).select_from(t).limit(1)).first() for t in tables
    )
    try:
        return keyring_of(bind.dialect)
    except DataKeyError:
        if stored:
            raise MigrationRefused(
                "rows must be encrypted and no data key was given: set DATA_KEY, or keep "
                "the key file next to the database, and run `medbot db upgrade` again"
            ) from None
        return None


def upgrade() -> None:
    bind = op.get_bind()
    ring = _ring(bind)
    op.create_table(
        "data_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("check_value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_keys")),
    )
    op.add_column(
        "patients",
        sa.Column("national_id_index", sa.String(80), nullable=False, server_default=""),
    )
    op.add_column("telegram_state", sa.Column("updated_at", sa.DateTime(timezone=True)))
    if bind.dialect.name == "postgresql":
        for name in PATIENT_FIELDS:
            op.alter_column("patients", name, type_=sa.Text(), existing_nullable=False)
        op.alter_column("patients", "national_id_index", server_default=None)
    op.drop_index(OLD_INDEX, table_name="patients")
    if ring is not None:
        _encrypt(bind, ring)
    op.create_index(NEW_INDEX, "patients", ["national_id_index", "country"], unique=True)


def _encrypt(bind: sa.Connection, ring: KeyRing) -> None:
    bind.execute(sa.insert(data_keys).values(id=1, check_value=ring.encrypt(CHECK, "data_keys")))
    for row in bind.execute(sa.select(patients)).all():
        values = {f: ring.encrypt(getattr(row, f), f"patients.{f}") for f in PATIENT_FIELDS}
        values["national_id_index"] = ring.index(row.national_id)
        bind.execute(sa.update(patients).where(patients.c.id == row.id).values(**values))
    for table, name, is_json in BY_ID:
        purpose = f"{table.name}.{name}"
        _each(bind, table, name, partial(_sealed, ring, purpose, is_json))
    now = datetime.now(UTC)
    if bind.dialect.name == "sqlite":  # naive UTC, as storage.types.UTCDateTime stores it
        now = now.replace(tzinfo=None)
    for row in bind.execute(sa.select(state.c.kind, state.c.key, state.c.data)).all():
        sealed = ring.encrypt(json.dumps(row.data), "telegram_state.data")
        bind.execute(_state_row(row).values(data=sealed, updated_at=now))


def _sealed(ring: KeyRing, purpose: str, is_json: bool, value: object) -> str:
    return ring.encrypt(json.dumps(value) if is_json else str(value), purpose)


def _each(
    bind: sa.Connection, table: sa.TableClause, name: str, change: Callable[[Any], Any]
) -> None:
    for row in bind.execute(sa.select(table.c.id, table.c[name])).all():
        values = {name: change(getattr(row, name))}
        bind.execute(sa.update(table).where(table.c.id == row.id).values(**values))


def _state_row(row: sa.Row[tuple[str, str, object]]) -> sa.Update:
    return sa.update(state).where((state.c.kind == row.kind) & (state.c.key == row.key))


def _plain(ring: KeyRing, purpose: str, is_json: bool, value: str) -> object:
    text = ring.decrypt(value, purpose)
    return json.loads(text) if is_json else text


def downgrade() -> None:
    bind = op.get_bind()
    ring = _ring(bind)
    op.drop_index(NEW_INDEX, table_name="patients")
    if ring is not None:
        for row in bind.execute(sa.select(patients)).all():
            values = {f: ring.decrypt(getattr(row, f), f"patients.{f}") for f in PATIENT_FIELDS}
            bind.execute(sa.update(patients).where(patients.c.id == row.id).values(**values))
        for table, name, is_json in BY_ID:
            purpose = f"{table.name}.{name}"
            _each(bind, table, name, partial(_plain, ring, purpose, is_json))
        for row in bind.execute(sa.select(state.c.kind, state.c.key, state.c.data)).all():
            plain = json.loads(ring.decrypt(row.data, "telegram_state.data"))
            bind.execute(_state_row(row).values(data=plain))
    if bind.dialect.name == "postgresql":
        for name, length in zip(PATIENT_FIELDS, (200, 32, 32), strict=True):
            op.alter_column("patients", name, type_=sa.String(length), existing_nullable=False)
    with op.batch_alter_table("telegram_state") as batch:
        batch.drop_column("updated_at")
    with op.batch_alter_table("patients") as batch:
        batch.drop_column("national_id_index")
    op.create_index(OLD_INDEX, "patients", ["national_id", "country"], unique=True)
    op.drop_table("data_keys")
