"""The ``medbot`` command as an operator runs it: a real process in an empty directory."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.sandbox.standin import BotApiStandIn


def medbot(workdir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "DATABASE_", "DATA_KEY"))
    }
    return subprocess.run(  # noqa: S603 (our own entry point)
        [sys.executable, "-m", "bot", *args],
        cwd=workdir,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_run_without_a_token_says_what_is_missing_in_one_line(tmp_path: Path) -> None:
    assert medbot(tmp_path, "db", "upgrade").returncode == 0

    result = medbot(tmp_path, "run")

    assert result.returncode == 2
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("medbot: TELEGRAM_BOT_TOKEN is not set")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATABASE_URL", "mysql://root@localhost/medbot"),
        ("TELEGRAM_BOT_TOKEN", "not-a-token"),
        ("ADMIN_TELEGRAM_IDS", "12,abc"),
        ("LOG_FORMAT", "xml"),
        ("SANDBOX_HOST_NAMES", "clinic.local,http://evil.example/"),
        ("SQLITE_DRIVER", "threads"),
    ],
)
def test_a_malformed_setting_stops_start_up_with_one_line_naming_it(
    tmp_path: Path, name: str, value: str
) -> None:
    result = medbot(tmp_path, "run", **{name: value})

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        line for line in result.stderr.strip().splitlines() if line.startswith("medbot:")
    ]
    assert f"setting {name} is invalid: expected" in result.stderr
    assert value not in result.stderr  # a bad token must not be echoed


def test_run_on_a_database_that_was_never_migrated_says_how_to_fix_it(tmp_path: Path) -> None:
    result = medbot(tmp_path, "run")

    assert result.returncode == 2
    assert "run `medbot db upgrade`" in result.stderr


def test_seeding_the_demo_clinic_twice_creates_it_once(tmp_path: Path) -> None:
    assert medbot(tmp_path, "db", "upgrade").returncode == 0

    first = medbot(tmp_path, "seed-demo")
    second = medbot(tmp_path, "seed-demo")

    assert first.returncode == second.returncode == 0
    assert "0 specialties and 0 doctors added" in second.stdout
    with sqlite3.connect(tmp_path / "data" / "medbot.db") as db:
        per_country = dict(db.execute("SELECT country, count(*) FROM doctors GROUP BY country"))
        per_specialty = db.execute(
            "SELECT d.country, ds.specialty_id, count(*) FROM doctors d "
            "JOIN doctor_specialties ds ON ds.doctor_id = d.id GROUP BY 1, 2"
        ).fetchall()
    assert per_country == {"CL": 6, "MX": 2, "PE": 6}
    assert len(per_specialty) == 7  # three in Peru, three in Chile, general in Mexico
    assert all(count >= 2 for _, _, count in per_specialty)


def test_the_notifications_command_shows_counts_and_requeues_dead_ones(tmp_path: Path) -> None:
    assert medbot(tmp_path, "db", "upgrade").returncode == 0
    with sqlite3.connect(tmp_path / "data" / "medbot.db") as db:
        db.execute(
            "INSERT INTO notifications (chat_id, kind, template, params, urgent, due_at,"
            " dedupe_key, state, attempts, next_attempt_at) VALUES"
            " (1, 'status', 'notify.status.cancelled', '{}', 1, '2026-05-04 13:00:00.000000',"
            " 'k1', 'dead', 8, '2026-05-04 13:00:00.000000')"
        )

    before = medbot(tmp_path, "notifications")
    after = medbot(tmp_path, "notifications", "--requeue-dead")

    assert before.returncode == after.returncode == 0
    assert "dead  1" in before.stdout
    assert "requeued 1 dead notifications" in after.stdout
    assert "queued  1" in after.stdout
    assert "oldest due  20" in after.stdout


def test_the_jobs_command_counts_bookings_processing_by_state(tmp_path: Path) -> None:
    assert medbot(tmp_path, "db", "upgrade").returncode == 0
    assert medbot(tmp_path, "seed-demo").returncode == 0
    with sqlite3.connect(tmp_path / "data" / "medbot.db") as db:
        db.execute(
            "INSERT INTO patients (telegram_user_id, full_name, national_id, phone, language,"
            " country) VALUES (7, 'Paciente Prueba', '10117410', '+51987654321', 'es', 'PE')"
        )
        db.execute(
            "INSERT INTO appointments (id, reference, patient_id, doctor_id, specialty_id,"
            " country, starts_at, ends_at, status) VALUES ('0123456789abcdef0123456789abcdef',"
            " 'AAAA-BBBB', 1, 1, 1, 'PE', '2026-05-05 15:00:00.000000',"
            " '2026-05-05 15:30:00.000000', 'rejected')"
        )
        db.execute(
            "INSERT INTO processing_jobs (appointment_id, step, state, version, attempts,"
            " next_attempt_at, passed, created_at) VALUES ('0123456789abcdef0123456789abcdef',"
            " 0, 'dead', 3, 6, '2026-05-04 13:00:00.000000', '[]', '2026-05-04 13:00:00.000000')"
        )

    shown = medbot(tmp_path, "jobs")

    assert shown.returncode == 0, shown.stderr
    assert "dead  1" in shown.stdout
    assert "queued  0" in shown.stdout
    assert "oldest due  -" in shown.stdout


def test_a_clinic_file_imports_once_and_its_export_imports_back_as_no_change(
    tmp_path: Path,
) -> None:
    demo = Path(__file__).parents[2] / "bot" / "clinics" / "demo.yaml"
    assert medbot(tmp_path, "db", "upgrade").returncode == 0

    planned = medbot(tmp_path, "clinic", "import", str(demo), "--dry-run")
    with sqlite3.connect(tmp_path / "data" / "medbot.db") as db:
        after_dry_run = db.execute("SELECT count(*) FROM doctors").fetchone()[0]
    applied = medbot(tmp_path, "clinic", "import", str(demo))
    exported = medbot(tmp_path, "clinic", "export", "clinic.yaml")
    again = medbot(tmp_path, "clinic", "import", "clinic.yaml", "--dry-run", "--prune")

    assert [r.returncode for r in (planned, applied, exported, again)] == [0, 0, 0, 0]
    assert "create     doctor Dra. Javiera Soto (CL)" in planned.stdout
    assert "dry run, nothing applied" in planned.stdout
    assert after_dry_run == 0
    assert "22 changes applied" in applied.stdout  # clinic, 3 locations, 4 specialties, 14 doctors
    assert again.stdout.strip() == "medbot: clinic.yaml: no change"


def test_pruning_deactivates_the_doctors_a_file_leaves_out(tmp_path: Path) -> None:
    demo = Path(__file__).parents[2] / "bot" / "clinics" / "demo.yaml"
    assert medbot(tmp_path, "db", "upgrade").returncode == 0
    assert medbot(tmp_path, "clinic", "import", str(demo)).returncode == 0
    without_perez = re.sub(r"  - name: Dr\. Benjamín Pérez\n(    .*\n)*", "", demo.read_text())
    (tmp_path / "clinic.yaml").write_text(without_perez)

    kept = medbot(tmp_path, "clinic", "import", "clinic.yaml")
    pruned = medbot(tmp_path, "clinic", "import", "clinic.yaml", "--prune")

    assert kept.stdout.strip() == "medbot: clinic.yaml: no change"
    assert "deactivate doctor Dr. Benjamín Pérez (CL)" in pruned.stdout
    with sqlite3.connect(tmp_path / "data" / "medbot.db") as db:
        inactive = db.execute("SELECT id FROM doctors WHERE NOT active").fetchall()
    assert inactive == [(12,)]


def test_an_invalid_clinic_file_names_file_line_and_field_and_applies_nothing(
    tmp_path: Path,
) -> None:
    demo = Path(__file__).parents[2] / "bot" / "clinics" / "demo.yaml"
    assert medbot(tmp_path, "db", "upgrade").returncode == 0
    broken = demo.read_text().replace("specialties: [dermatology]", "specialties: [derma]", 1)
    (tmp_path / "clinic.yaml").write_text(broken.replace("country: CL", "country: Chile"))

    result = medbot(tmp_path, "clinic", "import", "clinic.yaml")

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        'clinic.yaml:18: locations[1].country: "Chile" is not a country medbot knows (CL, MX, PE)',
        "medbot: clinic.yaml is not valid; nothing was applied",
    ]
    with sqlite3.connect(tmp_path / "data" / "medbot.db") as db:
        assert db.execute("SELECT count(*) FROM specialties").fetchone()[0] == 0


def test_an_invitation_made_at_the_command_line_is_printed_as_a_link_stored_hashed_and_audited(
    tmp_path: Path,
) -> None:
    assert medbot(tmp_path, "db", "upgrade").returncode == 0

    result = medbot(tmp_path, "invite", "admin", TELEGRAM_BOT_USERNAME="clinic_bot")

    assert result.returncode == 0, result.stderr
    link = result.stdout.strip()
    token = link.removeprefix("https://t.me/clinic_bot?start=")
    assert len(token) == 32
    with sqlite3.connect(tmp_path / "data" / "medbot.db") as db:
        stored = db.execute("SELECT token_hash, role FROM invitations").fetchall()
        audit = db.execute("SELECT actor_role, action, source FROM audit_log").fetchall()
    assert stored == [(hashlib.sha256(token.encode()).hexdigest(), "admin")]
    assert audit == [("system", "invitation.created", "cli")]


def test_inviting_a_doctor_who_does_not_exist_says_so_in_one_line(tmp_path: Path) -> None:
    assert medbot(tmp_path, "db", "upgrade").returncode == 0

    result = medbot(
        tmp_path, "invite", "doctor", "--doctor-id", "99", TELEGRAM_BOT_USERNAME="clinic_bot"
    )

    assert result.returncode == 2
    assert result.stderr.strip() == "medbot: there is no doctor 99"


async def test_the_invitation_link_names_the_bot_telegram_reports(
    tmp_path: Path, api: BotApiStandIn
) -> None:
    assert medbot(tmp_path, "db", "upgrade").returncode == 0
    assert medbot(tmp_path, "seed-demo").returncode == 0
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "DATABASE_", "DATA_KEY"))
    }
    env = {**clean, "TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_API_BASE_URL": api.base_url}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "invite", "doctor", "--doctor-id", "1",
        cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 60)

    assert process.returncode == 0, err.decode()
    assert out.decode().startswith("https://t.me/medbot_sandbox_bot?start=")


def test_an_api_token_is_printed_once_listed_by_name_and_revoked(tmp_path: Path) -> None:
    assert medbot(tmp_path, "db", "upgrade").returncode == 0

    created = medbot(tmp_path, "api-token", "create", "--name", "records", "--scopes", "read,write")
    listed = medbot(tmp_path, "api-token", "list")
    revoked = medbot(tmp_path, "api-token", "revoke", "records")
    unknown = medbot(tmp_path, "api-token", "revoke", "records")
    bad = medbot(tmp_path, "api-token", "create", "--name", "x", "--scopes", "everything")

    secret = created.stdout.strip()
    assert created.returncode == 0
    assert secret.startswith("mbt_")
    assert "records" in listed.stdout
    assert "read,write" in listed.stdout
    assert secret not in listed.stdout
    assert revoked.returncode == 0
    assert (unknown.returncode, bad.returncode) == (2, 2)
    assert "Traceback" not in unknown.stderr + bad.stderr
