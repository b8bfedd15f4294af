"""The unit of work: one connection, one transaction, rolled back unless committed (a
read-only one reads outside a transaction and cannot commit)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import Self

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.errors import SlotTaken
from domain.ports import (
    ApiTokenRepository,
    AppointmentRepository,
    AuditLog,
    CalendarFeedRepository,
    ChatStateRepository,
    ClinicRepository,
    DoctorRepository,
    InvitationRepository,
    JobRepository,
    LanguageRepository,
    LocationRepository,
    NotificationRepository,
    PatientRepository,
    SpecialtyRepository,
    StaffRepository,
    StatisticsRepository,
    StoredResponseRepository,
)
from storage.api_tokens import SqlApiTokens, SqlStoredResponses
from storage.appointments import SqlAppointments, is_slot_conflict
from storage.audit import SqlAuditLog
from storage.calendar_feeds import SqlCalendarFeeds
from storage.clinic import SqlClinic, SqlDoctors, SqlLocations, SqlSpecialties
from storage.directory_cache import CachedDoctors, CachedSpecialties, DirectoryCache
from storage.engine import read_only, write_turn
from storage.jobs import SqlJobs
from storage.languages import SqlLanguages
from storage.notifications import SqlNotifications
from storage.patients import SqlPatients
from storage.staff import SqlInvitations, SqlStaff
from storage.statistics import SqlStatistics
from storage.telegram_state import SqlChatState


class SqlUnitOfWork:
    """Implements :class:`domain.ports.UnitOfWork`. Make one per use-case call.

    ``read_only`` reads outside a transaction (:func:`storage.engine.read_only`),
    so readers never queue behind writers; every write re-checks in its own.
    Callbacks given to :meth:`after_commit` run once the transaction is
    committed, and are dropped if it is not (the directory cache clears this way).
    """

    clinic: ClinicRepository
    locations: LocationRepository
    specialties: SpecialtyRepository
    doctors: DoctorRepository
    patients: PatientRepository
    appointments: AppointmentRepository
    notifications: NotificationRepository
    jobs: JobRepository
    languages: LanguageRepository
    chat_state: ChatStateRepository
    staff: StaffRepository
    invitations: InvitationRepository
    audit: AuditLog
    statistics: StatisticsRepository
    api_tokens: ApiTokenRepository
    stored_responses: StoredResponseRepository
    calendar_feeds: CalendarFeedRepository

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        read_only: bool = False,
        directory: DirectoryCache | None = None,
    ) -> None:
        self._engine = engine
        self._read_only = read_only
        self._directory = directory
        self._conn: AsyncConnection | None = None
        self._turn: AbstractAsyncContextManager[object] | None = None
        self._after_commit: list[Callable[[], None]] = []

    async def __aenter__(self) -> Self:
        if not self._read_only:
            self._turn = write_turn(self._engine)
            await self._turn.__aenter__()
        try:
            conn = await self._engine.connect()
        except BaseException:
            await self._leave_turn()
            raise
        try:
            if self._read_only:
                conn = await read_only(conn)
            await conn.begin()  # on SQLite, may give up waiting for another process's lock
        except BaseException:
            try:
                await conn.close()
            finally:
                await self._leave_turn()
            raise
        self._conn = conn
        self.clinic = SqlClinic(conn)
        self.locations = SqlLocations(conn)
        self.specialties = SqlSpecialties(conn)
        self.doctors = SqlDoctors(conn)
        if self._directory is not None:
            self.specialties = CachedSpecialties(
                SqlSpecialties(conn), self._directory, self.after_commit
            )
            self.doctors = CachedDoctors(SqlDoctors(conn), self._directory, self.after_commit)
        self.patients = SqlPatients(conn)
        self.appointments = SqlAppointments(conn)
        self.notifications = SqlNotifications(conn)
        self.jobs = SqlJobs(conn)
        self.languages = SqlLanguages(conn)
        self.chat_state = SqlChatState(conn)
        self.staff = SqlStaff(conn, self._doctors_changed)
        self.invitations = SqlInvitations(conn)
        self.audit = SqlAuditLog(conn)
        self.statistics = SqlStatistics(conn)
        self.api_tokens = SqlApiTokens(conn)
        self.stored_responses = SqlStoredResponses(conn)
        self.calendar_feeds = SqlCalendarFeeds(conn)
        return self

    def _doctors_changed(self) -> None:
        if self._directory is not None:
            self.after_commit(self._directory.clear)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, self._conn = self._conn, None
        self._after_commit.clear()
        try:
            if conn is not None:
                try:
                    if conn.in_transaction():
                        await conn.rollback()
                finally:
                    await conn.close()
        finally:
            await self._leave_turn()

    async def _leave_turn(self) -> None:
        turn, self._turn = self._turn, None
        if turn is not None:
            await turn.__aexit__(None, None, None)

    @property
    def connection(self) -> AsyncConnection:
        if self._conn is None:
            raise RuntimeError("the unit of work is not open")
        return self._conn

    async def commit(self) -> None:
        if self._read_only:  # its writes would have no transaction to undo them
            raise RuntimeError("a read-only unit of work cannot commit")
        try:
            await self.connection.commit()
        except IntegrityError as error:
            if is_slot_conflict(error):
                raise SlotTaken("slot") from None
            raise
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()

    async def rollback(self) -> None:
        self._after_commit.clear()
        await self.connection.rollback()

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once this transaction commits; a callback given twice runs once."""
        if callback not in self._after_commit:
            self._after_commit.append(callback)
