"""The alert rules pass their promtool tests; the rules and the dashboard read only
metrics the bot exports."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from bot.metrics import REGISTRY

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SUFFIXES = ("", "_total", "_created", "_bucket", "_count", "_sum")


def exported() -> set[str]:
    """Every series name the registry can expose, labelled children or not."""
    names = set()
    for family in REGISTRY.collect():
        names |= {family.name + suffix for suffix in SUFFIXES}
        names |= {sample.name for sample in family.samples}
    return names


def medbot_metrics(expr: str) -> set[str]:
    return set(re.findall(r"\bmedbot_[a-z_]+\b", expr))


def dashboard_exprs() -> list[str]:
    dashboard = json.loads((DEPLOY / "grafana" / "medbot.json").read_text())
    return [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]


def test_the_alert_rules_pass_promtool_tests() -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        message = "promtool is not installed: `make promtool` installs Debian's prometheus"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " (CI=true requires it)")
        pytest.skip(message)

    result = subprocess.run(  # noqa: S603 (a fixed command on the repository's files)
        [promtool, "test", "rules", "alerts_test.yml"],
        cwd=DEPLOY / "prometheus",
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_alert_rules_read_only_metrics_the_bot_exports() -> None:
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())
    exprs = [rule["expr"] for group in rules["groups"] for rule in group["rules"]]

    assert set().union(*map(medbot_metrics, exprs)) <= exported()


def test_every_dashboard_panel_reads_only_metrics_the_bot_exports() -> None:
    exprs = dashboard_exprs()

    assert all(medbot_metrics(e) for e in exprs if "up{" not in e)
    assert set().union(*map(medbot_metrics, exprs)) <= exported()


def test_the_dashboard_shows_every_metric_of_the_bot() -> None:
    shown = set().union(*map(medbot_metrics, dashboard_exprs()))
    families = {f.name for f in REGISTRY.collect() if f.name.startswith("medbot_")}

    assert {f for f in families if not any(s.startswith(f) for s in shown)} == set()
