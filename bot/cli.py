"""The ``medbot`` command: ``db upgrade``, ``clinic import``, ``run``, ``dispatch``,
``sandbox``, ``invite`` and more."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.app import build_deps, run
from bot.clinic_file import ClinicFileError, dump_clinic, read_clinic_file
from bot.database import database, upgrade_database
from bot.demo_clinic import seed_demo
from bot.errors import StartupError
from bot.invitations import invite_link
from bot.sandbox.demo.launch import run_sandbox
from bot.settings import Settings, SettingsError, load_settings
from domain.actors import SYSTEM
from domain.api_access import parse_scopes
from domain.audit import Source
from domain.clinic_setup import Change
from domain.clock import SystemClock
from domain.errors import DomainError
from domain.processing import JobState
from domain.staff import StaffRole
from domain.usecases.api_tokens import CreateTokenCommand, create_token, list_tokens, revoke_token
from domain.usecases.clinic_import import ImportCommand, clinic_spec, import_clinic
from storage.crypto.keyring import DataKeyError, new_key
from storage.crypto.rotation import rotate
from storage.jobs import JobStore
from storage.outbox import OutboxStore
from storage.unit_of_work import SqlUnitOfWork


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        return int(asyncio.run(args.handler(settings, args)) or 0)
    except (SettingsError, StartupError) as error:
        print(f"medbot: {error}", file=sys.stderr)  # noqa: T201 (the CLI's own output)
        return 2
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="medbot", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="apply every migration").set_defaults(handler=_upgrade)
    commands.add_parser("seed-demo", help="create the demo clinic (idempotent)").set_defaults(
        handler=_seed_demo
    )
    clinic = commands.add_parser("clinic", help="set the clinic up from a file, or export it")
    clinic_commands = clinic.add_subparsers(required=True, metavar="ACTION")
    importing = clinic_commands.add_parser(
        "import", help="apply a clinic set-up file (idempotent; nothing is ever deleted)"
    )
    importing.add_argument("file", type=Path, metavar="FILE")
    importing.add_argument(
        "--dry-run", action="store_true", help="show what would change, change nothing"
    )
    importing.add_argument(
        "--prune", action="store_true", help="deactivate doctors the file does not name"
    )
    importing.set_defaults(handler=_clinic_import)
    exporting = clinic_commands.add_parser(
        "export", help="write the current clinic as a set-up file (to stdout without FILE)"
    )
    exporting.add_argument("file", type=Path, nargs="?", metavar="FILE")
    exporting.set_defaults(handler=_clinic_export)
    commands.add_parser("run", help="run the bot").set_defaults(handler=_run)
    for name in ("worker", "dispatch"):  # ``dispatch``: its name before processing came
        commands.add_parser(
            name,
            help="only process bookings and deliver notifications: a worker beside `medbot run`",
        ).set_defaults(handler=_worker)
    commands.add_parser(
        "sandbox", help="run the bot offline against a local Telegram stand-in, with a web chat"
    ).set_defaults(handler=_sandbox)
    outbox = commands.add_parser("notifications", help="the outbox: counts, oldest due row")
    outbox.add_argument(
        "--requeue-dead", action="store_true", help="queue dead notifications again"
    )
    outbox.set_defaults(handler=_notifications)
    commands.add_parser(
        "jobs", help="bookings' processing: jobs by state, the oldest due one"
    ).set_defaults(handler=_jobs)
    invite = commands.add_parser("invite", help="print a single-use invitation link (7 days)")
    roles = invite.add_subparsers(required=True, metavar="ROLE")
    doctor = roles.add_parser("doctor", help="link a doctor's Telegram account")
    doctor.add_argument("--doctor-id", type=int, required=True, help="the doctor's id")
    doctor.set_defaults(handler=_invite, role=StaffRole.DOCTOR)
    roles.add_parser("admin", help="make another admin").set_defaults(
        handler=_invite, role=StaffRole.ADMIN, doctor_id=None
    )
    _api_token_parser(commands)
    _keys_parser(commands)
    return parser


def _keys_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    keys = commands.add_parser("keys", help="the data key (docs/encryption.md)")
    actions = keys.add_subparsers(required=True, metavar="ACTION")
    actions.add_parser(
        "new", help="print a new data key, to put first in DATA_KEY or the key file"
    ).set_defaults(handler=_keys_new)
    rotate = actions.add_parser(
        "rotate", help="re-encrypt everything under the newest key (resumable)"
    )
    rotate.add_argument("--batch", type=int, default=500, help="rows per transaction")
    rotate.set_defaults(handler=_keys_rotate)


async def _keys_new(_settings: Settings, _args: argparse.Namespace) -> int:
    print(new_key())  # noqa: T201 (the operator stores it; never logged)
    return 0


async def _keys_rotate(settings: Settings, args: argparse.Namespace) -> int:
    async with database(settings) as engine:
        try:
            done = await rotate(engine, batch=args.batch)
        except DataKeyError as error:
            raise StartupError(f"rotation stopped: {error}; run it again with every key") from None
    print(f"medbot: {done.rows} rows re-encrypted under the newest key")  # noqa: T201
    return 0


def _api_token_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    tokens = commands.add_parser("api-token", help="the REST API's tokens (docs/api.md)")
    actions = tokens.add_subparsers(required=True, metavar="ACTION")
    create = actions.add_parser("create", help="make a token and print it (shown once)")
    create.add_argument("--name", required=True, help="who uses it, e.g. records-system")
    create.add_argument("--scopes", required=True, help="comma-separated: read,write,admin")
    create.set_defaults(handler=_api_token_create)
    revoke = actions.add_parser("revoke", help="revoke the active token with this name")
    revoke.add_argument("name", metavar="NAME")
    revoke.set_defaults(handler=_api_token_revoke)
    actions.add_parser("list", help="every token: name, scopes, last use").set_defaults(
        handler=_api_token_list
    )


async def _api_token_create(settings: Settings, args: argparse.Namespace) -> int:
    async with database(settings) as engine:
        try:
            deps = build_deps(engine, SystemClock(), source=Source.CLI)
            command = CreateTokenCommand(args.name, parse_scopes(args.scopes))
            made = await create_token(deps, SYSTEM, command)
        except DomainError as error:
            raise StartupError(str(error)) from None
    print(made.secret)  # noqa: T201 (shown once: only its hash is stored)
    return 0


async def _api_token_revoke(settings: Settings, args: argparse.Namespace) -> int:
    async with database(settings) as engine:
        try:
            await revoke_token(
                build_deps(engine, SystemClock(), source=Source.CLI), SYSTEM, args.name
            )
        except DomainError as error:
            raise StartupError(f"no active token is named {args.name!r}") from error
    print(f"medbot: token {args.name!r} revoked")  # noqa: T201
    return 0


async def _api_token_list(settings: Settings, _args: argparse.Namespace) -> int:
    async with database(settings) as engine:
        tokens = await list_tokens(build_deps(engine, SystemClock()), SYSTEM)
    for token in tokens:
        used = token.last_used_at.isoformat() if token.last_used_at else "never used"
        state = "revoked" if token.revoked_at else "active"
        scopes = ",".join(sorted(token.scopes))
        print(f"{token.id:>4}  {token.name:<24} {scopes:<18} {state:<8} {used}")  # noqa: T201
    return 0


async def _upgrade(settings: Settings, _args: argparse.Namespace) -> int:
    await upgrade_database(settings.database_url, settings.data_key)
    print("medbot: database is up to date")  # noqa: T201
    return 0


async def _seed_demo(settings: Settings, _args: argparse.Namespace) -> int:
    async with database(settings) as engine:
        report = await seed_demo(lambda: SqlUnitOfWork(engine))
    print(  # noqa: T201
        f"medbot: demo clinic ready ({report.specialties_added} specialties and "
        f"{report.doctors_added} doctors added)"
    )
    return 0


async def _clinic_import(settings: Settings, args: argparse.Namespace) -> int:
    try:
        spec = read_clinic_file(args.file)
    except OSError as error:
        raise StartupError(f"cannot read {args.file}: {error.strerror}") from None
    except ClinicFileError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)  # noqa: T201
        print(f"medbot: {args.file} is not valid; nothing was applied", file=sys.stderr)  # noqa: T201
        return 2
    async with database(settings) as engine:
        command = ImportCommand(spec, dry_run=args.dry_run, prune=args.prune)
        changes = await import_clinic(
            build_deps(engine, SystemClock(), source=Source.CLI), SYSTEM, command
        )
    for change in changes:
        print(_describe(change))  # noqa: T201
    if not changes:
        print(f"medbot: {args.file}: no change")  # noqa: T201
    elif args.dry_run:
        print(f"medbot: {args.file}: {len(changes)} changes; dry run, nothing applied")  # noqa: T201
    else:
        print(f"medbot: {args.file}: {len(changes)} changes applied")  # noqa: T201
    return 0


def _describe(change: Change) -> str:
    fields = f" ({', '.join(change.fields)})" if change.fields else ""
    return f"{change.action:<10} {change.kind} {change.key}{fields}"


async def _clinic_export(settings: Settings, args: argparse.Namespace) -> int:
    async with database(settings) as engine:
        text = dump_clinic(await clinic_spec(build_deps(engine, SystemClock())))
    if args.file is None:
        sys.stdout.write(text)
        return 0
    try:
        args.file.write_text(text, encoding="utf-8")
    except OSError as error:
        raise StartupError(f"cannot write {args.file}: {error.strerror}") from None
    print(f"medbot: clinic written to {args.file}")  # noqa: T201
    return 0


async def _notifications(settings: Settings, args: argparse.Namespace) -> int:
    async with database(settings) as engine:
        store = OutboxStore(engine)
        if args.requeue_dead:
            requeued = await store.requeue_dead(SystemClock().now())
            print(f"requeued {requeued} dead notifications")  # noqa: T201
        counts = await store.counts()
        oldest = await store.oldest_due()
    for state in ("queued", "sending", "sent", "dead", "withdrawn"):
        print(f"{state:>10}  {counts.get(state, 0)}")  # noqa: T201
    print(f"oldest due  {oldest.isoformat() if oldest else '-'}")  # noqa: T201
    return 0


async def _jobs(settings: Settings, _args: argparse.Namespace) -> int:
    async with database(settings) as engine:
        store = JobStore(engine)
        counts = await store.counts()
        oldest = await store.oldest_due()
    for state in JobState:
        print(f"{state.value:>10}  {counts.get(state.value, 0)}")  # noqa: T201
    print(f"oldest due  {oldest.isoformat() if oldest else '-'}")  # noqa: T201
    return 0


async def _invite(settings: Settings, args: argparse.Namespace) -> int:
    link = await invite_link(settings, args.role, args.doctor_id)
    print(link)  # noqa: T201 (shown once: only its hash is stored)
    return 0


async def _run(settings: Settings, _args: argparse.Namespace) -> int:
    await run(settings)
    return 0


async def _worker(settings: Settings, _args: argparse.Namespace) -> int:
    await run(settings, polling=False)
    return 0


async def _sandbox(settings: Settings, _args: argparse.Namespace) -> int:
    announce = "sandbox mode"
    if settings.telegram_bot_token is None:
        announce = "sandbox mode: no TELEGRAM_BOT_TOKEN set"
    await run_sandbox(settings, announce=announce)
    return 0
