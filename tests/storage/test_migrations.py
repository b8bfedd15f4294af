from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from storage.engine import create_engine
from storage.migrate import downgrade, upgrade
from storage.tables import metadata


async def table_names(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


async def test_migrations_go_up_down_and_up_again(database_url: str) -> None:
    await upgrade(database_url)
    assert "appointments" in await table_names(database_url)

    await downgrade(database_url)
    assert await table_names(database_url) <= {"alembic_version"}

    await upgrade(database_url)
    assert {"appointments", "appointment_status_changes", "doctors"} <= await table_names(
        database_url
    )


async def test_the_migrated_schema_matches_the_tables_in_code(database_url: str) -> None:
    await upgrade(database_url)
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda c: compare_metadata(MigrationContext.configure(c), metadata)
            )
    finally:
        await engine.dispose()

    assert diff == []
