"""Every Prometheus metric of the process, in one registry served at ``/metrics``.

Labels never carry personal data: no chat ids, names or texts.
"""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    GCCollector,
    PlatformCollector,
    ProcessCollector,
)

REGISTRY = CollectorRegistry()
PlatformCollector(registry=REGISTRY)
ProcessCollector(registry=REGISTRY)
GCCollector(registry=REGISTRY)

NOTIFICATIONS_SENT = Counter(
    "medbot_notifications_sent_total", "Notifications delivered to Telegram", registry=REGISTRY
)
NOTIFICATIONS_DEAD = Counter(
    "medbot_notifications_dead_total",
    "Notifications given up on",
    ["reason"],
    registry=REGISTRY,
)
BOOKINGS_PROCESSED = Counter(
    "medbot_processing_jobs_total",
    "Runs of bookings' processing jobs, by the state each left its job in",
    ["outcome"],
    registry=REGISTRY,
)
WEBHOOK_REJECTED = Counter(
    "medbot_webhook_rejected_total",
    "Webhook requests refused: a missing or wrong secret, or a body that is no update",
    ["reason"],
    registry=REGISTRY,
)
