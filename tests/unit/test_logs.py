"""What the logs may say: an error's traceback, never the values of local variables."""

import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from bot.logs import REDACTED, configure_logging


@pytest.fixture(autouse=True)
def logging_restored() -> Iterator[None]:
    """Each test configures logging for itself; the next test gets it back as it was."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = handlers, level


def test_a_logged_exception_shows_the_traceback_but_no_local_values(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("INFO", "console")

    def register(national_id: str) -> None:
        raise ValueError("checksum")

    national_id = str(4567_8912)  # built, so no source line shows it
    try:
        register(national_id)
    except ValueError:
        structlog.get_logger("test").exception("update_failed")
    logging.getLogger().handlers[0].flush()

    err = capsys.readouterr().err
    assert "update_failed" in err
    assert "ValueError: checksum" in err
    assert national_id not in err


def test_json_logs_keep_the_stack_trace_but_no_local_values(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("INFO", "json")

    def register(national_id: str) -> None:
        raise ValueError("checksum")

    national_id = str(4567_8912)
    try:
        register(national_id)
    except ValueError:
        structlog.get_logger("test").exception("update_failed")
    logging.getLogger().handlers[0].flush()

    [line] = capsys.readouterr().err.splitlines()
    logged = json.loads(line)
    assert logged["event"] == "update_failed"
    assert "Traceback (most recent call last)" in logged["exception"]
    assert 'in register\n    raise ValueError("checksum")' in logged["exception"]
    assert national_id not in line


def test_personal_values_given_to_our_own_events_are_redacted(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("DEBUG", "json")

    structlog.get_logger("bot.test").debug(
        "registered", patient=7, full_name="Rosa Flores", national_id="40123456", text="hola"
    )
    logging.getLogger().handlers[0].flush()

    logged = json.loads(capsys.readouterr().err)
    assert logged["patient"] == 7
    assert {logged[k] for k in ("full_name", "national_id", "text")} == {REDACTED}


def test_library_records_keep_their_wording_but_not_their_arguments_or_a_token(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("DEBUG", "console")
    token = "123456789:" + "AbCdEf_-" * 4

    logging.getLogger("telegram.ext.Application").debug("Processing update %s", {"text": "hola"})
    logging.getLogger("telegram.Bot").debug("Set Bot API URL: %s", f"https://x/bot{token}")
    logging.getLogger("aiohttp.access").info(f"GET /bot{token}/getMe 200")  # noqa: G004
    logging.getLogger("httpx").warning(
        "HTTP Request: %(method)s %(url)s", {"method": "POST", "url": token}
    )
    logging.getLogger().handlers[0].flush()

    err = capsys.readouterr().err
    assert "Processing update …" in err
    assert "Set Bot API URL: …" in err
    assert "GET /bot<token>/getMe 200" in err
    assert "HTTP Request: … …" in err
    assert "hola" not in err
    assert token not in err
