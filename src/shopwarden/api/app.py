"""Builds the FastAPI application around a container."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import PlainTextResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from sqlalchemy import text

import shopwarden
from shopwarden.api.edge import EdgeGuard, refuse_unstorable_path
from shopwarden.api.openapi import install_openapi
from shopwarden.api.problems import install_internal_error_handler, install_problem_handlers
from shopwarden.api.routers import (
    bnpl,
    catalog,
    deposits,
    governance,
    ledger,
    payments,
    reports,
    scoring,
    shipping,
    trust,
    violations,
)
from shopwarden.bootstrap import Container

ROUTERS = (
    catalog.router,
    ledger.router,
    governance.router,
    bnpl.router,
    deposits.router,
    scoring.router,
    payments.router,
    violations.router,
    shipping.router,
    trust.router,
    reports.router,
)


def create_app(container: Container) -> FastAPI:
    app = FastAPI(
        title="shopwarden",
        version=shopwarden.__version__,
        description=(
            "Merchant governance: deposits, scores, BNPL, penalties and badges. Errors are "
            'RFC 9457 problem documents; money amounts are text like "1000.00".'
        ),
        docs_url=None,  # /docs and /redoc are served offline by install_openapi
        redoc_url=None,
        dependencies=[Depends(refuse_unstorable_path)],  # a NUL in a path parameter: 422
    )
    app.state.container = container
    install_problem_handlers(app)
    install_openapi(app)
    install_internal_error_handler(app)
    app.add_middleware(EdgeGuard)  # inside the metrics middleware, so refusals are counted
    _install_metrics(app)
    for router in ROUTERS:
        app.include_router(router)

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        with container.db.transaction(read_only=True) as session:  # never queues behind writes
            session.execute(text("SELECT 1"))
        return {"status": "ok", "database": container.db.dialect}

    return app


def app_from_environment() -> FastAPI:
    """The app over a container built from the environment's settings (``SHOPWARDEN_*``): the
    factory each process of ``shopwarden serve --workers N`` calls. The parent migrated."""
    from shopwarden.bootstrap import bootstrap

    return create_app(bootstrap(migrate=False))


def _install_metrics(app: FastAPI) -> None:
    """Prometheus metrics on a registry of this app's own, so several apps can coexist."""
    registry = CollectorRegistry()
    requests = Counter(
        "shopwarden_http_requests",
        "HTTP requests",
        ["method", "route", "status"],
        registry=registry,
    )
    latency = Histogram(
        "shopwarden_http_request_seconds",
        "HTTP request latency",
        ["method", "route"],
        registry=registry,
    )

    @app.middleware("http")
    async def _measure(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = getattr(request.scope.get("route"), "path", "unmatched")
        requests.labels(request.method, route, str(response.status_code)).inc()
        latency.labels(request.method, route).observe(time.perf_counter() - started)
        return response

    @app.get("/metrics", tags=["ops"], response_class=PlainTextResponse)
    def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
