"""The data key as an operator meets it: generated once, checked at start, rotated."""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path

from domain.entities import Patient
from storage.crypto.keyring import KeyRing
from storage.engine import create_engine
from storage.unit_of_work import SqlUnitOfWork
from tests.e2e.test_cli import medbot


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_first_start_generates_a_private_key_file_and_says_once_to_back_it_up(
    tmp_path: Path,
) -> None:
    first = medbot(tmp_path, "db", "upgrade")
    again = medbot(tmp_path, "api-token", "list")

    key_file = tmp_path / "data" / "medbot.key"
    key = key_file.read_text().strip()
    assert first.returncode == 0, first.stderr
    assert again.returncode == 0, again.stderr
    assert mode(key_file) == 0o600
    assert mode(tmp_path / "data" / "medbot.db") == 0o600
    assert (first.stdout + first.stderr).count("data_key_generated") == 1
    assert "back this file up" in first.stdout + first.stderr
    assert "data_key_generated" not in again.stdout + again.stderr
    assert key not in first.stdout + first.stderr + again.stdout + again.stderr


def test_a_wrong_or_missing_key_stops_start_up_with_one_line(tmp_path: Path) -> None:
    assert medbot(tmp_path, "db", "upgrade").returncode == 0
    other = medbot(tmp_path, "keys", "new").stdout.strip()

    wrong = medbot(tmp_path, "run", DATA_KEY=other, TELEGRAM_BOT_TOKEN="1234:" + "a" * 30)
    (tmp_path / "data" / "medbot.key").unlink()
    missing = medbot(tmp_path, "api-token", "list")

    assert wrong.returncode == 2
    assert wrong.stderr.strip().splitlines()[-1] == (
        "medbot: the data key does not open this database's encrypted data: "
        "check DATA_KEY or data/medbot.key"
    )
    assert "Traceback" not in wrong.stderr
    assert other not in wrong.stdout + wrong.stderr
    assert missing.returncode == 2
    assert missing.stderr.strip().splitlines() == [
        (
            "medbot: no data key for this database's encrypted data: "
            "set DATA_KEY or restore data/medbot.key"
        )
    ]
    assert not (tmp_path / "data" / "medbot.key").exists()  # not replaced by a new one


async def add_patient(url: str, ring: KeyRing) -> None:
    engine = create_engine(url, keyring=ring)
    try:
        async with SqlUnitOfWork(engine) as uow:
            patient = Patient(None, 7, "Ana Quispe", "10117410", "+51987654321", "es", "PE")
            await uow.patients.add(patient)
            await uow.commit()
    finally:
        await engine.dispose()


async def find_patient(url: str, ring: KeyRing) -> Patient | None:
    engine = create_engine(url, keyring=ring)
    try:
        async with SqlUnitOfWork(engine, read_only=True) as uow:
            return await uow.patients.get_by_national_id("PE", "10117410")
    finally:
        await engine.dispose()


async def test_keys_rotate_moves_the_data_to_the_newest_key_after_which_the_old_one_goes(
    tmp_path: Path,
) -> None:
    assert medbot(tmp_path, "db", "upgrade").returncode == 0
    old = (tmp_path / "data" / "medbot.key").read_text().strip()
    url = f"sqlite+aiosqlite:///{tmp_path}/data/medbot.db"
    await add_patient(url, KeyRing.parse(old))
    new = medbot(tmp_path, "keys", "new").stdout.strip()

    rotated = await asyncio.to_thread(medbot, tmp_path, "keys", "rotate", DATA_KEY=f"{new},{old}")
    after = medbot(tmp_path, "api-token", "list", DATA_KEY=new)

    assert rotated.returncode == 0, rotated.stderr
    assert "1 rows re-encrypted" in rotated.stdout
    assert after.returncode == 0, after.stderr
    found = await find_patient(url, KeyRing.parse(new))
    assert found is not None
    assert found.full_name == "Ana Quispe"
