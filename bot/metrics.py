"""Every Prometheus metric of the process, in one registry served at ``/metrics``.

Labels never carry personal data: no chat ids, names, texts or references. Each label
takes values from a small fixed set (an update's kind, a country code, a route's
pattern, a queue state), so no label can grow with the number of people.
``docs/operations.md`` lists every metric with what it is for.
"""

from __future__ import annotations

import time

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
)

REGISTRY = CollectorRegistry()
PlatformCollector(registry=REGISTRY)
ProcessCollector(registry=REGISTRY)
GCCollector(registry=REGISTRY)

#: Seconds: from a few milliseconds (a cached screen) to a slow database.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

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

# Telegram updates: see bot/telegram/updates.py
UPDATES = Counter(
    "medbot_updates_total",
    "Telegram updates handled, by kind (message, callback_query, ...) and outcome (ok, error)",
    ["kind", "outcome"],
    registry=REGISTRY,
)
UPDATE_SECONDS = Histogram(
    "medbot_update_duration_seconds",
    "Time from an update's arrival to the end of its handling, waits for its chat included",
    ["kind"],
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
LAST_UPDATE = Gauge(
    "medbot_last_update_timestamp_seconds",
    "Unix time the last Telegram update was handled (0: none since start)",
    registry=REGISTRY,
)
CONVERSATIONS = Gauge(
    "medbot_conversations_active",
    "Conversations in progress (a state held between two updates), by conversation",
    ["conversation"],
    registry=REGISTRY,
)

# Bookings: see bot/handlers/patient/booking.py
BOOKINGS = Counter(
    "medbot_bookings_total",
    "Booking attempts, by country and outcome: booked, or the refusal's error code",
    ["country", "outcome"],
    registry=REGISTRY,
)

# The durable queues: see bot/workers/queue_metrics.py
QUEUE_ROWS = Gauge(
    "medbot_queue_rows",
    "Rows of a durable queue (outbox, processing) by state, refreshed every few seconds",
    ["queue", "state"],
    registry=REGISTRY,
)
QUEUE_OLDEST_DUE_AGE = Gauge(
    "medbot_queue_oldest_due_age_seconds",
    "How long the oldest due row of a queue has waited (0: nothing overdue)",
    ["queue"],
    registry=REGISTRY,
)

# HTTP: see bot/http/request_metrics.py
HTTP_REQUESTS = Counter(
    "medbot_http_requests_total",
    "HTTP requests served, by route pattern, method and status",
    ["route", "method", "status"],
    registry=REGISTRY,
)
HTTP_SECONDS = Histogram(
    "medbot_http_request_duration_seconds",
    "HTTP request latency, by route pattern and method",
    ["route", "method"],
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
WEBHOOK_REJECTED = Counter(
    "medbot_webhook_rejected_total",
    "Webhook calls refused, by reason (bad secret, bad body, ...)",
    ["reason"],
    registry=REGISTRY,
)

# Readiness: see bot/http/readiness.py
TELEGRAM_LAST_SUCCESS = Gauge(
    "medbot_telegram_last_success_timestamp_seconds",
    "Unix time Telegram last answered getUpdates or last called the webhook",
    registry=REGISTRY,
)
READY = Gauge(
    "medbot_ready",
    "1 when /readyz would answer 200, else 0; checked at each scrape",
    registry=REGISTRY,
)
READY_CHECKS = Gauge(
    "medbot_ready_check",
    "Each readiness check: 1 passing, 0 failing",
    ["check"],
    registry=REGISTRY,
)

_telegram_seen_at: float | None = None


def telegram_seen() -> None:
    """Record that Telegram was just reached: a getUpdates answered, a webhook call taken."""
    global _telegram_seen_at  # noqa: PLW0603 (one process-wide moment)
    _telegram_seen_at = time.monotonic()
    TELEGRAM_LAST_SUCCESS.set_to_current_time()


POLLING_STANDBY = Gauge(
    "medbot_polling_standby",
    "1 while this instance stands by for another's polling (PostgreSQL advisory lock)",
    registry=REGISTRY,
)


_standing_by = False


def standing_by(flag: bool) -> None:
    """Whether this process waits for another instance's polling turn."""
    global _standing_by  # noqa: PLW0603 -- one process-wide flag, like _telegram_seen_at
    _standing_by = flag
    POLLING_STANDBY.set(1 if flag else 0)


def is_standing_by() -> bool:
    return _standing_by


def telegram_seen_ago() -> float | None:
    """Seconds since :func:`telegram_seen` was last called; ``None`` if never."""
    if _telegram_seen_at is None:
        return None
    return time.monotonic() - _telegram_seen_at
