"""What the logs may say: an error's traceback, never the values of local variables."""

import logging

import pytest
import structlog

from bot.logs import configure_logging


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
