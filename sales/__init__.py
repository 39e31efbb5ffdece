"""The Sales port: what the onboarding needs of a Sales CRM (`port.py`), and the built-in
PostgreSQL implementation (`builtin/`). Imports only `domain` and `storage`."""
