"""The web app's Prometheus metrics, served at /metrics.

Routes are labelled by their template (`/api/onboarding-requests/{reference}`), never by
the path a client sent, so a scan of random URLs cannot grow the series without bound.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UNMATCHED = "unmatched"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class WebMetrics:
    """One registry per app, so that several apps in one process do not share series."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "onboarding_web_requests",
            "HTTP requests answered, by route and status class.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "onboarding_web_request_duration_seconds",
            "Time to answer, by route.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.started = Counter(
            "onboarding_started",
            "Onboardings started, by where the request came from.",
            ["channel"],
            registry=self.registry,
        )
        self.authorizations = Counter(
            "onboarding_purchase_authorizations",
            "Purchase authorizations made, by their first answer and its reason.",
            ["answer", "reason"],
            registry=self.registry,
        )
        self.reads_waiting = Gauge(
            "onboarding_web_reads_waiting",
            "Reads of an onboarding held open until its next state (Prefer: wait).",
            registry=self.registry,
        )

    def onboarding_started(self, channel: str) -> None:
        self.started.labels(channel).inc()

    def authorization(self, answer: str, reason: str | None) -> None:
        self.authorizations.labels(answer, reason or "").inc()

    @contextlib.contextmanager
    def read_waiting(self) -> Iterator[None]:
        """Counts the read among those waiting while it waits."""
        self.reads_waiting.inc()
        try:
            yield
        finally:
            self.reads_waiting.dec()

    def page(self) -> Response:
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


def route_of(scope: Scope) -> str:
    """The template of the route that served this request, from the path and the values
    its route matched (nested routers do not keep their prefixes on the route)."""
    if "endpoint" not in scope:
        return UNMATCHED
    names = {str(value): name for name, value in scope.get("path_params", {}).items()}
    segments = str(scope["path"]).split("/")
    return "/".join(f"{{{names[s]}}}" if s in names else s for s in segments)


class MeasuredRequests:
    """Counts and times every HTTP request."""

    def __init__(self, app: ASGIApp, metrics: WebMetrics) -> None:
        self._app = app
        self._metrics = metrics
        # Each series' counter and histogram, looked up once: `labels()` checks and locks on
        # every call, on every request. As many as the series themselves (routes are
        # templates, and the HTTP parser knows a fixed set of methods).
        self._series: dict[tuple[str, str, str], tuple[Counter, Histogram]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self._app(scope, receive, sending)
        finally:
            key = (scope["method"], route_of(scope), f"{status // 100}xx")
            series = self._series.get(key)
            if series is None:
                series = self._series[key] = (
                    self._metrics.requests.labels(*key),
                    self._metrics.latency.labels(*key[:2]),
                )
            series[0].inc()
            series[1].observe(time.perf_counter() - started)


async def metrics_page(request: Request) -> Response:
    metrics: WebMetrics = request.app.state.metrics
    return metrics.page()
