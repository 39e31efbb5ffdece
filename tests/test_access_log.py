"""The web app's access log keeps each request's path, not the secrets in its query."""

from __future__ import annotations

import logging

from starter.__main__ import HideTokens

ACCESS_LINE = '%s - "%s %s HTTP/%s" %d'


def access_record(path: str) -> logging.LogRecord:
    """An access log record as uvicorn makes one for a GET of `path`."""
    arguments = ("127.0.0.1:5000", "GET", path, "1.1", 200)
    return logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, ACCESS_LINE, arguments, None
    )


def test_status_link_signatures_are_hidden() -> None:
    """A status link's signature, which opens the status page, is dropped; the path stays."""
    record = access_record("/partner/requests/OB-1/status?sig=SIGNATURE123&lang=ja")
    assert HideTokens().filter(record)
    assert "SIGNATURE123" not in record.getMessage()
    assert "/partner/requests/OB-1/status?sig=…&lang=ja" in record.getMessage()


def test_a_signature_after_another_parameter_is_hidden() -> None:
    """The signature is dropped wherever it stands in the query."""
    record = access_record("/partner/requests/OB-1/submitted?lang=en&sig=SIGNATURE123")
    assert HideTokens().filter(record)
    assert "SIGNATURE123" not in record.getMessage()
