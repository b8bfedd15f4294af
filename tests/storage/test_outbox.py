import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from domain.notifications import Kind, Notification
from storage.notifications import SqlNotifications
from storage.outbox import OutboxStore

NOW = datetime(2026, 5, 4, 13, 0, tzinfo=UTC)
APPOINTMENT = uuid.UUID(int=7)


def notice(i: int, due: datetime = NOW) -> Notification:
    return Notification(
        chat_id=1000 + i,
        kind=Kind.STATUS,
        template="notify.status.cancelled",
        due_at=due,
        dedupe_key=f"k{i}",
        params={"reference": f"R{i}"},
    )


async def test_a_dedupe_key_seen_before_is_not_queued_again(engine) -> None:
    store = OutboxStore(engine)

    await store.queue([notice(1), notice(2)])
    await store.queue([notice(1), notice(3)])

    assert await store.counts() == {"queued": 3}


async def test_only_due_rows_are_claimed_oldest_first(engine) -> None:
    store = OutboxStore(engine)
    await store.queue([notice(1, NOW + timedelta(minutes=1)), notice(2), notice(3)])

    claimed = await store.claim(NOW, 10, NOW + timedelta(seconds=60))

    assert [c.params["reference"] for c in claimed] == ["R2", "R3"]
    assert all(c.attempts == 1 for c in claimed)
    assert await store.counts() == {"queued": 1, "sending": 2}


async def test_concurrent_claims_never_share_a_row(engine) -> None:
    store = OutboxStore(engine)
    await store.queue([notice(i) for i in range(300)])

    batches = await asyncio.gather(
        *(store.claim(NOW, 50, NOW + timedelta(seconds=60)) for _ in range(8))
    )

    ids = [c.id for batch in batches for c in batch]
    assert len(ids) == len(set(ids)) == 300


async def test_a_crashed_senders_rows_go_back_to_the_queue_after_the_lease(engine) -> None:
    store = OutboxStore(engine)
    await store.queue([notice(1)])
    [row] = await store.claim(NOW, 10, NOW + timedelta(seconds=60))

    assert await store.release_expired(NOW + timedelta(seconds=30)) == 0
    assert await store.release_expired(NOW + timedelta(seconds=61)) == 1
    [again] = await store.claim(NOW + timedelta(seconds=61), 10, NOW + timedelta(seconds=120))
    assert (again.id, again.attempts) == (row.id, 2)


async def test_sent_rows_keep_telegrams_message_id_and_are_not_claimed_again(engine) -> None:
    store = OutboxStore(engine)
    await store.queue([notice(1)])
    [row] = await store.claim(NOW, 10, NOW + timedelta(seconds=60))

    await store.mark_sent([(row.id, 4242)], NOW)

    assert await store.counts() == {"sent": 1}
    assert await store.claim(NOW + timedelta(days=1), 10, NOW + timedelta(days=2)) == []


async def test_holding_a_chat_keeps_its_messages_in_order(engine) -> None:
    store = OutboxStore(engine)
    first, second = notice(1), notice(2)
    second.chat_id = first.chat_id
    await store.queue([first, second])
    [head] = await store.claim(NOW, 1, NOW + timedelta(seconds=60))

    await store.retry([head.id], NOW + timedelta(seconds=5), "429")
    await store.hold_chat(first.chat_id, NOW + timedelta(seconds=5))

    assert await store.claim(NOW + timedelta(seconds=4), 10, NOW + timedelta(seconds=60)) == []
    later = await store.claim(NOW + timedelta(seconds=5), 10, NOW + timedelta(seconds=60))
    assert [c.params["reference"] for c in later] == ["R1", "R2"]


async def test_dead_rows_can_be_requeued(engine) -> None:
    store = OutboxStore(engine)
    await store.queue([notice(1)])
    [row] = await store.claim(NOW, 10, NOW + timedelta(seconds=60))
    await store.mark_dead([row.id], "BadRequest: chat not found")

    assert await store.requeue_dead(NOW) == 1

    assert await store.counts() == {"queued": 1}
    assert await store.oldest_due() == NOW


async def test_the_idle_check_sees_due_rows_and_expired_leases_only(engine) -> None:
    store = OutboxStore(engine)
    assert not await store.has_work(NOW)

    await store.queue([notice(1, NOW + timedelta(minutes=1))])
    assert not await store.has_work(NOW)
    assert await store.has_work(NOW + timedelta(minutes=1))

    await store.claim(NOW + timedelta(minutes=1), 10, NOW + timedelta(minutes=2))
    assert not await store.has_work(NOW + timedelta(minutes=1))
    assert await store.has_work(NOW + timedelta(minutes=2, seconds=1))


async def test_a_row_withdrawn_while_being_sent_stays_withdrawn_when_the_send_fails(
    engine,
) -> None:
    store = OutboxStore(engine)
    reminder = Notification(
        chat_id=1001,
        kind=Kind.REMINDER,
        template="notify.reminder",
        due_at=NOW,
        dedupe_key="r1",
        params={},
        appointment_id=APPOINTMENT,
    )
    await store.queue([reminder])
    [row] = await store.claim(NOW, 10, NOW + timedelta(seconds=60))
    async with engine.begin() as conn:  # the appointment is cancelled meanwhile
        await SqlNotifications(conn).withdraw(APPOINTMENT, Kind.REMINDER)

    await store.retry([row.id], NOW + timedelta(seconds=5), "timed out")

    assert await store.counts() == {"withdrawn": 1}


async def test_rows_handed_back_unsent_are_queued_again_unattempted(engine) -> None:
    store = OutboxStore(engine)
    await store.queue([notice(1), notice(2)])
    claimed = await store.claim(NOW, 10, NOW + timedelta(seconds=60))

    await store.release([claimed[1].id])

    assert await store.counts() == {"queued": 1, "sending": 1}
    [again] = await store.claim(NOW, 10, NOW + timedelta(seconds=60))
    assert (again.id, again.attempts) == (claimed[1].id, 1)


async def test_queued_notifications_of_a_moved_appointment_name_its_new_time(engine) -> None:
    store = OutboxStore(engine)
    waiting = Notification(
        chat_id=1001,
        kind=Kind.STATUS,
        template="notify.status.assigned",
        due_at=NOW + timedelta(hours=10),
        dedupe_key="s1",
        params={"reference": "R1", "start": 1778000000, "country": "PE"},
        appointment_id=APPOINTMENT,
    )
    await store.queue([waiting])
    moved_to = datetime(2026, 5, 6, 16, 0, tzinfo=UTC)

    async with engine.begin() as conn:
        await SqlNotifications(conn).retime(APPOINTMENT, moved_to)

    [row] = await store.claim(NOW + timedelta(hours=11), 10, NOW + timedelta(hours=12))
    assert row.params == {"reference": "R1", "start": int(moved_to.timestamp()), "country": "PE"}
