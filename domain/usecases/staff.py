"""Taking staff roles away: unlinking a doctor's Telegram account, revoking an admin.

The grant stays in the database with its revocation; nothing is deleted.
"""

from __future__ import annotations

from dataclasses import replace

from domain.actors import Actor
from domain.audit import Action
from domain.errors import NotAllowed, NotFound
from domain.ports import Deps
from domain.staff import StaffRole
from domain.usecases.invitations import check_admin
from domain.usecases.shared import audit


async def unlink_doctor(deps: Deps, actor: Actor, doctor_id: int) -> None:
    """The doctor's record is no longer any Telegram account's; ``NotFound`` if it was not."""
    check_admin(actor)
    async with deps.uow() as uow:
        account = await uow.staff.doctor_account(doctor_id)
        if account is None:
            raise NotFound("linked doctor")
        await uow.staff.revoke(account, StaffRole.DOCTOR, deps.clock.now(), str(actor))
        await audit(uow, deps, actor, Action.DOCTOR_UNLINKED, ("doctor", doctor_id))
        await uow.commit()


async def revoke_admin(deps: Deps, actor: Actor, telegram_user_id: int) -> None:
    """The account is no longer an admin; ``NotFound`` if it was not one in the database.

    An account in ``ADMIN_TELEGRAM_IDS`` is an admin by the operator's setting, which
    only the operator can change: revoking it is ``NotAllowed``.
    """
    check_admin(actor)
    if telegram_user_id in deps.admin_ids:
        raise NotAllowed("an ADMIN_TELEGRAM_IDS admin is removed from the setting")
    async with deps.uow() as uow:
        revoked = await uow.staff.revoke(
            telegram_user_id, StaffRole.ADMIN, deps.clock.now(), str(actor)
        )
        if revoked is None:
            raise NotFound("admin")
        profile = await uow.clinic.get()
        if profile is not None and telegram_user_id in profile.admin_telegram_ids:
            # Or the next import of the exported file would make them an admin again.
            kept = tuple(a for a in profile.admin_telegram_ids if a != telegram_user_id)
            await uow.clinic.save(replace(profile, admin_telegram_ids=kept))
        await audit(uow, deps, actor, Action.ADMIN_REVOKED, ("admin", telegram_user_id))
        await uow.commit()
