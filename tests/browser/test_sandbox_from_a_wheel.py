"""``medbot sandbox`` works as installed from a wheel: the page, the spec and all.

The project is built into a wheel from a copy of its sources (pip's build isolation fetches
setuptools from the configured index) and installed into a fresh virtualenv without
dependencies.  Those come from the running interpreter's site-packages through a ``.pth``
line, which adds the folder but runs none of the ``.pth`` files in it, so the checkout's
editable install stays out.  ``medbot`` then runs from an empty folder with no
``PYTHONPATH``: only what the wheel carries can serve the page.  About 4 s.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
from pathlib import Path

import aiohttp
import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "bot", "domain", "storage")
BUILD_LEFTOVERS = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build")


def run(*command: str | Path) -> str:
    done = subprocess.run(  # noqa: S603 -- pip and python with arguments of our own
        [str(part) for part in command], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"{' '.join(map(str, command))} failed:\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv holding medbot as installed from its wheel; its ``bin`` folder."""
    tmp_path = tmp_path_factory.mktemp("wheel")
    source = tmp_path / "source"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=BUILD_LEFTOVERS)
        else:
            shutil.copy2(ROOT / name, source / name)
    run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", tmp_path / "dist", source)
    [wheel] = (tmp_path / "dist").glob("medbot-*.whl")
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    run(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", wheel)
    site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"))
    (Path(str(site).strip()) / "medbot-test-dependencies.pth").write_text(
        sysconfig.get_path("purelib") + "\n"
    )
    return venv / "bin"


def clean_environment(data: Path) -> dict[str, str]:
    """No token, no PYTHONPATH, no spec override: the databases in ``data``, a free port."""
    dropped = ("TELEGRAM_", "DATABASE_", "SANDBOX_", "PYTHON", "MEDBOT_")
    kept = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    return kept | {
        "DATABASE_URL": f"sqlite+aiosqlite:///{data}/medbot.db",
        "SANDBOX_DATABASE_URL": f"sqlite+aiosqlite:///{data}/sandbox.db",
        "SANDBOX_PORT": "0",
        "PTB_TIMEDELTA": "true",
    }


def test_the_installed_package_carries_the_bot_api_spec_and_the_page(installed: Path) -> None:
    shown = "import bot.sandbox.{0} as m, pathlib; print(pathlib.Path(m.__file__).parent)"
    standin = Path(run(installed / "python", "-I", "-c", shown.format("standin")).strip())
    demo = Path(run(installed / "python", "-I", "-c", shown.format("demo")).strip())

    assert standin.is_relative_to(installed.parent)
    assert json.loads((standin / "botapi" / "api.json").read_bytes())["methods"]
    assert (standin / "botapi" / "LICENSE").is_file()
    assert {p.name for p in (demo / "static").iterdir()} >= {"index.html", "sandbox.js"}


async def test_medbot_sandbox_from_a_wheel_serves_the_page_anywhere_and_stops_on_sigterm(
    installed: Path, tmp_path: Path
) -> None:
    elsewhere, data = tmp_path / "elsewhere", tmp_path / "data"
    elsewhere.mkdir()
    environment = clean_environment(data)
    process = await asyncio.create_subprocess_exec(
        installed / "medbot",
        "sandbox",
        cwd=elsewhere,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,  # so a start-up error is the line the test shows
    )
    assert process.stdout is not None
    try:
        async with asyncio.timeout(60):
            line = (await process.stdout.readline()).decode().strip()
        assert line.startswith("sandbox mode: no TELEGRAM_BOT_TOKEN set; open http://127.0.0.1:")
        url = line.rsplit(" ", 1)[1]
        async with aiohttp.ClientSession() as http:
            async with http.get(url) as page:
                assert page.status == 200
                html = await page.text()
            async with http.get(f"{url}static/sandbox.js") as script:
                assert script.status == 200
    finally:
        with contextlib.suppress(ProcessLookupError):  # it may have stopped on its own
            process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            rest, _ = await process.communicate()

    assert '<ol id="messages"' in html
    assert "medbot sandbox" in html
    assert process.returncode == 0
    assert rest == b""
    assert (data / "sandbox.db").exists()
    assert list(elsewhere.iterdir()) == []
