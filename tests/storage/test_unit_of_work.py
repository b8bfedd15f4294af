"""The unit of work runs after-commit callbacks once, and only when it commits."""

from domain.entities import Specialty
from storage.unit_of_work import SqlUnitOfWork


async def test_after_commit_callbacks_run_once_when_the_transaction_commits(engine) -> None:
    ran: list[str] = []

    def clear() -> None:
        ran.append("clear")

    async with SqlUnitOfWork(engine) as uow:
        uow.after_commit(clear)
        uow.after_commit(clear)
        await uow.specialties.add(Specialty(None, "derma", "Dermatología", "Dermatology"))
        assert ran == []
        await uow.commit()

    assert ran == ["clear"]


async def test_after_commit_callbacks_are_dropped_when_the_transaction_rolls_back(engine) -> None:
    ran: list[str] = []

    async with SqlUnitOfWork(engine) as uow:
        uow.after_commit(lambda: ran.append("explicit rollback"))
        await uow.rollback()
    async with SqlUnitOfWork(engine) as uow:
        uow.after_commit(lambda: ran.append("left without commit"))

    assert ran == []
