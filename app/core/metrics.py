"""Prometheus metrics: request counts and latency by route template and status."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["CONTENT_TYPE_LATEST", "Metrics"]

_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """One registry per application instance, so several apps can live in one process."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "tandem_http_requests_total",
            "HTTP requests by method, route template and status code.",
            ("method", "route", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "tandem_http_request_duration_seconds",
            "HTTP request latency by method and route template.",
            ("method", "route"),
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "tandem_http_requests_in_flight",
            "HTTP requests being handled now.",
            registry=self.registry,
        )
        self.jobs = Counter(
            "tandem_jobs_total",
            "Background jobs run, by kind and outcome.",
            ("kind", "outcome"),
            registry=self.registry,
        )

        self.read_audit_pending = Gauge(
            "tandem_read_audit_pending",
            "Read-audit entries queued in this process, not yet written.",
            registry=self.registry,
        )
        self.read_audit_dropped = Counter(
            "tandem_read_audit_dropped_total",
            "Read-audit entries dropped because the queue was full while writes failed.",
            registry=self.registry,
        )

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
