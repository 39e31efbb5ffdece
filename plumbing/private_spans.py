"""Spans leave the process without personal data: what an instrumentation records about a
visitor (address, browser, query string) or an error's text is left out when the spans are
encoded for export (plumbing/otlp_spans.py)."""

from __future__ import annotations

# Who sent a request, from where and with what, and SQL parameters if ever switched on.
DROPPED = frozenset(
    {
        "client.address",
        "client.port",
        "net.peer.ip",
        "net.peer.port",
        "net.sock.peer.addr",
        "net.sock.peer.port",
        "network.peer.address",
        "network.peer.port",
        "http.client_ip",
        "http.user_agent",
        "user_agent.original",
        "user_agent.synthetic.type",
        "url.query",
        "db.statement.parameters",
        # A database error quotes the row it refused (an email in a unique key, say).
        "exception.message",
        "exception.stacktrace",
    }
)
# A one-time link carries its token in the query; the path is enough to follow a request.
WITHOUT_QUERY = frozenset({"http.url", "http.target", "url.full"})
