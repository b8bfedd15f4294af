"""The schema, as SQLAlchemy Core tables. Alembic migrations must match it;
``tests/storage/test_migrations.py`` checks that they do."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)

from domain.status import ACTIVE_STATUSES, Status
from storage.types import Encrypted, EncryptedJSON, UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

STATUS_VALUES = ", ".join(f"'{s.value}'" for s in Status)
ACTIVE_VALUES = sorted(s.value for s in ACTIVE_STATUSES)
#: Name of the partial unique index that forbids double booking.
SLOT_INDEX = "uq_appointments_doctor_slot_active"

#: The clinic itself: one row (id 1) with its name and the admins its set-up file names.
clinic = Table(
    "clinic",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("name", String(200), nullable=False),
    Column("admin_telegram_ids", JSON, nullable=False),
    CheckConstraint("id = 1", name="one_row"),
)

locations = Table(
    "locations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("country", String(2), nullable=False),
    Column("address", String(300), nullable=False),
    Column("phone", String(32), nullable=False),
    Column("timezone", String(64)),
)

specialties = Table(
    "specialties",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("name_es", String(128), nullable=False),
    Column("name_en", String(128), nullable=False),
)

doctors = Table(
    "doctors",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("full_name", String(200), nullable=False),
    Column("country", String(2), nullable=False, index=True),
    Column("slot_minutes", Integer, nullable=False),
    Column("plan", JSON, nullable=False),
    Column("telegram_user_id", BigInteger, unique=True),
    Column("active", Boolean, nullable=False),
    Column("location_id", ForeignKey("locations.id")),
)

doctor_specialties = Table(
    "doctor_specialties",
    metadata,
    Column("doctor_id", ForeignKey("doctors.id", ondelete="CASCADE"), primary_key=True),
    Column("specialty_id", ForeignKey("specialties.id", ondelete="CASCADE"), primary_key=True),
)

patients = Table(
    "patients",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("telegram_user_id", BigInteger, nullable=False, unique=True),
    Column("full_name", Encrypted("patients.full_name", 200), nullable=False),
    Column("national_id", Encrypted("patients.national_id", 32), nullable=False),
    #: The blind index of the national ID (``storage.crypto``): admins find by it.
    Column("national_id_index", String(80), nullable=False),
    Column("phone", Encrypted("patients.phone", 32), nullable=False),
    Column("language", String(8), nullable=False),
    Column("country", String(2), nullable=False),
    Column("privacy_accepted_at", UTCDateTime()),
    Column("unreachable_at", UTCDateTime()),  # the person blocked the bot
)

#: One patient per national ID per country, by the ID's blind index; the index first, so
#: that admins' look-ups by national ID alone use it too.
NATIONAL_ID_INDEX = "uq_patients_national_id_index_country"
Index(NATIONAL_ID_INDEX, patients.c.national_id_index, patients.c.country, unique=True)

appointments = Table(
    "appointments",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("reference", String(16), nullable=False, unique=True),
    Column("patient_id", ForeignKey("patients.id"), nullable=False),
    Column("doctor_id", ForeignKey("doctors.id"), nullable=False),
    Column("specialty_id", ForeignKey("specialties.id"), nullable=False),
    Column("country", String(2), nullable=False),
    Column("starts_at", UTCDateTime(), nullable=False),
    Column("ends_at", UTCDateTime(), nullable=False),
    Column("status", String(16), nullable=False),
    CheckConstraint(f"status IN ({STATUS_VALUES})", name="status"),
    CheckConstraint("ends_at > starts_at", name="ends_after_start"),
)

#: "The appointment holds its slot", as literal SQL: the partial index's predicate,
#: repeated verbatim in queries so that both databases match them to the index.
ACTIVE_FILTER = text("status IN (" + ", ".join(f"'{v}'" for v in ACTIVE_VALUES) + ")")
Index(
    SLOT_INDEX,
    appointments.c.doctor_id,
    appointments.c.starts_at,
    unique=True,
    sqlite_where=ACTIVE_FILTER,
    postgresql_where=ACTIVE_FILTER,
)
Index("ix_appointments_doctor_id_starts_at", appointments.c.doctor_id, appointments.c.starts_at)
Index("ix_appointments_patient_id_starts_at", appointments.c.patient_id, appointments.c.starts_at)

appointment_status_changes = Table(
    "appointment_status_changes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "appointment_id",
        ForeignKey("appointments.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("at", UTCDateTime(), nullable=False),
    Column("from_status", String(16)),
    Column("to_status", String(16), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("reason", Encrypted("appointment_status_changes.reason"), nullable=False),
)

#: python-telegram-bot's conversation states and user/chat data, as JSON.
telegram_state = Table(
    "telegram_state",
    metadata,
    Column("kind", String(64), primary_key=True),  # "user", "chat" or "conversation:<name>"
    Column("key", String(128), primary_key=True),
    Column("data", EncryptedJSON("telegram_state.data"), nullable=False),
    #: Set on every write; state untouched for a week is deleted (``STALE_AFTER``).
    Column("updated_at", UTCDateTime()),
)

#: The transactional outbox: every message to a person, written with the change
#: that causes it and delivered by the outbox sender.
notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("chat_id", BigInteger, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("appointment_id", Uuid),
    Column("template", String(64), nullable=False),
    #: What the message names: a patient's name, a doctor's reason, so encrypted.
    Column("params", EncryptedJSON("notifications.params"), nullable=False),
    Column("urgent", Boolean, nullable=False),
    Column("due_at", UTCDateTime(), nullable=False),
    Column("dedupe_key", String(160), nullable=False, unique=True),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_error", String(200)),
    Column("next_attempt_at", UTCDateTime(), nullable=False),
    Column("lease_until", UTCDateTime()),
    Column("telegram_message_id", BigInteger),
    Column("sent_at", UTCDateTime()),
)
Index(
    "ix_notifications_state_next_attempt_at", notifications.c.state, notifications.c.next_attempt_at
)
Index("ix_notifications_appointment_id", notifications.c.appointment_id)
Index("ix_notifications_chat_id_state", notifications.c.chat_id, notifications.c.state)

#: Bookings' processing (``domain.processing``): one job per appointment, a queue
#: (``storage.queue``) whose waiting rows sleep until a response deadline.
processing_jobs = Table(
    "processing_jobs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("appointment_id", ForeignKey("appointments.id"), nullable=False, unique=True),
    Column("step", Integer, nullable=False),
    Column("state", String(16), nullable=False),
    Column("version", Integer, nullable=False),  # every save adds one: optimistic writes
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime(), nullable=False),
    Column("lease_until", UTCDateTime()),
    Column("last_error", String(200)),
    Column("offered_to", Integer),
    Column("deadline", UTCDateTime()),
    Column("passed", JSON, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)
#: Only jobs still to run are indexed, one index per state a round asks about: an idle
#: round reads these alone however many finished jobs the table keeps (a full index let
#: PostgreSQL's planner prefer a scan of them all). Each predicate is the very term the
#: queue writes (``storage.queue``), which is what SQLite needs to use a partial index.
QUEUED_JOBS = text("state = 'queued'")
WORKING_JOBS = text("state = 'working'")
Index(
    "ix_processing_jobs_queued_next_attempt_at",
    processing_jobs.c.next_attempt_at,
    sqlite_where=QUEUED_JOBS,
    postgresql_where=QUEUED_JOBS,
)
Index(
    "ix_processing_jobs_working_lease_until",
    processing_jobs.c.lease_until,
    sqlite_where=WORKING_JOBS,
    postgresql_where=WORKING_JOBS,
)

#: The language each person chose (patients, doctors, admins), by Telegram id.
languages = Table(
    "languages",
    metadata,
    Column("telegram_user_id", BigInteger, primary_key=True, autoincrement=False),
    Column("language", String(8), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

STAFF_ROLES = "'admin', 'doctor'"

#: Staff roles granted to Telegram accounts. A grant in force has no ``revoked_at``;
#: revoked ones stay. A doctor's link itself is ``doctors.telegram_user_id``, written
#: with its grant.
staff_roles = Table(
    "staff_roles",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("telegram_user_id", BigInteger, nullable=False),
    Column("role", String(16), nullable=False),
    Column("doctor_id", ForeignKey("doctors.id")),
    Column("granted_at", UTCDateTime(), nullable=False),
    Column("granted_by", String(64), nullable=False),
    Column("revoked_at", UTCDateTime()),
    Column("revoked_by", String(64)),
    CheckConstraint(f"role IN ({STAFF_ROLES})", name="role"),
    CheckConstraint("(role = 'doctor') = (doctor_id IS NOT NULL)", name="doctor_names_doctor"),
)
#: One grant in force per account and role.
Index(
    "uq_staff_roles_active",
    staff_roles.c.telegram_user_id,
    staff_roles.c.role,
    unique=True,
    sqlite_where=text("revoked_at IS NULL"),
    postgresql_where=text("revoked_at IS NULL"),
)

#: Invitations to a staff role; only the token's SHA-256 hash is stored.
invitations = Table(
    "invitations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("role", String(16), nullable=False),
    Column("doctor_id", ForeignKey("doctors.id")),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("used_at", UTCDateTime()),
    Column("used_by", BigInteger),
    CheckConstraint(f"role IN ({STAFF_ROLES})", name="role"),
)

#: The audit trail: appended in the transaction of each change, never updated or
#: deleted by the application. Ids only; no names, national IDs, phones or free text.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("actor_role", String(16), nullable=False),
    Column("actor_id", BigInteger),
    Column("action", String(48), nullable=False),
    Column("record_type", String(16), nullable=False),
    Column("record_id", String(64), nullable=False),
    Column("patient_id", Integer),
    Column("source", String(8), nullable=False),
)
Index("ix_audit_log_record_type_record_id", audit_log.c.record_type, audit_log.c.record_id)
Index("ix_audit_log_patient_id", audit_log.c.patient_id)
Index("ix_audit_log_actor_role_actor_id", audit_log.c.actor_role, audit_log.c.actor_id)

#: The REST API's tokens (``domain.api_access``): only the SHA-256 of each is stored.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("scopes", String(32), nullable=False),  # comma-separated: read,write,admin
    Column("created_at", UTCDateTime(), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("last_used_at", UTCDateTime()),
    Column("revoked_at", UTCDateTime()),
)

#: One active token per name, whoever makes it at the same moment.
Index(
    "uq_api_tokens_active_name",
    api_tokens.c.name,
    unique=True,
    sqlite_where=text("revoked_at IS NULL"),
    postgresql_where=text("revoked_at IS NULL"),
)

#: The API's answers to POSTs sent with an ``Idempotency-Key``, one row per token and key;
#: ``status`` is NULL while the request runs.
api_stored_responses = Table(
    "api_stored_responses",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_id", ForeignKey("api_tokens.id"), nullable=False),
    Column("key", String(200), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("status", Integer),
    Column("body", Encrypted("api_stored_responses.body"), nullable=False),  # may name a patient
    Column("content_type", String(64), nullable=False),
    UniqueConstraint("token_id", "key"),
)

#: Doctors' calendar feeds (``domain.calendar_feeds``): only the token's SHA-256 is stored.
calendar_feeds = Table(
    "calendar_feeds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("doctor_id", ForeignKey("doctors.id"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("last_used_at", UTCDateTime()),
    Column("revoked_at", UTCDateTime()),
)
#: One active feed per doctor.
Index(
    "uq_calendar_feeds_active",
    calendar_feeds.c.doctor_id,
    unique=True,
    sqlite_where=text("revoked_at IS NULL"),
    postgresql_where=text("revoked_at IS NULL"),
)

#: One row: a known text encrypted under the current data key, so that a wrong or
#: missing key is found at start-up rather than at the first patient read.
data_keys = Table(
    "data_keys",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("check_value", Text, nullable=False),
)
