"""The Commerce store: the one place that knows its tables (prospects, customers and their
hierarchies, credit limits, site users, the email outbox, onboarding claims). Imports only
`domain` and `storage`."""
