"""Run the web app: `python -m starter`; add a staff account: `python -m starter staff add
EMAIL "NAME"`; switch one off or on, list them, or reset a second factor: `python -m starter
staff disable|enable|reset-factor EMAIL`, `python -m starter staff list`."""

from __future__ import annotations

import gc
import logging
import re
import secrets
import sys

from plumbing.logs import configure_logging

log = logging.getLogger("starter")
# A query parameter named like a one-time link's token, or a status link's signature (it
# opens the request's status page).
TOKEN_IN_QUERY = re.compile(r"([?&]\w*(?:token|sig)=)[^&\s]+")


class HideTokens(logging.Filter):
    """Access log lines keep the path, not a one-time link's token (still valid if unused) nor
    a status link's signature."""

    def filter(self, record: logging.LogRecord) -> bool:
        # Most lines have no query at all: those are left as they are, without a search.
        if isinstance(record.args, tuple) and any(
            isinstance(a, str) and "?" in a for a in record.args
        ):
            record.args = tuple(
                TOKEN_IN_QUERY.sub(r"\1…", a) if isinstance(a, str) else a for a in record.args
            )
        return True


class HideClientAddress(logging.Filter):
    """Access log lines name no visitor: the client's address (uvicorn's first argument) is
    personal data, and the throttles that need it keep their own counts."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = ("-", *record.args[1:])
        return True


def main() -> None:
    if sys.argv[1:3] == ["staff", "add"]:
        from starter.staff.add import main as add_staff

        add_staff(sys.argv[3:])
        return
    if sys.argv[1:2] == ["staff"] and len(sys.argv) > 2:
        from starter.staff.access import COMMANDS
        from starter.staff.access import main as staff_access

        if sys.argv[2] not in COMMANDS:
            raise SystemExit(f"usage: python -m starter staff add|{'|'.join(COMMANDS)} ...")
        staff_access(sys.argv[2], sys.argv[3:])
        return
    serve()


def serve() -> None:
    # Imported here: an operator's command line above needs none of the web app, whose
    # import alone costs seconds of CPU.
    import uvicorn

    from plumbing.settings import WebAppSettings
    from plumbing.tracing import start_tracing
    from starter.app import IDLE_CONNECTION_SECONDS, create_app

    configure_logging()
    settings = WebAppSettings.from_environment()
    start_tracing("web")
    token = settings.onboarding_staff_token
    if not token:  # the dev environment alone starts without one
        token = secrets.token_urlsafe(24)
        log.warning("no ONBOARDING_STAFF_TOKEN set; this run's staff token is %s", token)
    logging.getLogger("uvicorn.access").addFilter(HideTokens())
    logging.getLogger("uvicorn.access").addFilter(HideClientAddress())
    app = create_app(settings, token)
    # What the start made (modules, routes, models, templates) lives as long as the process:
    # kept out of the collector's sweeps, a full collection stays short instead of pausing
    # every request in flight for tens of milliseconds.
    gc.collect()
    gc.freeze()
    uvicorn.run(
        app,
        host=settings.onboarding_http_host,
        port=settings.onboarding_http_port,
        log_level="info",
        # Its own loggers then write through ours: JSON lines like the rest.
        log_config=None,
        proxy_headers=True,
        timeout_keep_alive=IDLE_CONNECTION_SECONDS,
        forwarded_allow_ips=settings.onboarding_forwarded_allow_ips,
        # The C parser and loop: the web app's CPU per request is most of its cost.
        http="httptools",
        loop="uvloop",
    )


if __name__ == "__main__":
    main()
