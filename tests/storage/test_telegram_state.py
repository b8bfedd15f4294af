from storage.telegram_state import TelegramStateStore
from tests.storage.conftest import NOW
from tests.unit.fakes import FakeClock


async def test_conversation_state_is_written_read_back_and_deleted(engine) -> None:
    store = TelegramStateStore(engine, FakeClock(NOW))

    await store.write({("user", "7"): {"lang": "en"}, ("conversation:booking", "[7, 7]"): 3})
    await store.write({("user", "7"): {"lang": "es", "step": "day"}, ("user", "8"): {"x": 1}})
    await store.write({("user", "8"): None})

    assert await store.load("user") == {"7": {"lang": "es", "step": "day"}}
    assert await store.load("conversation:booking") == {"[7, 7]": 3}
