"""What every audience shares: the composition root and the dependencies that hand its
services to handlers, access checks, sessions, the account pages, rendering, languages,
limits and metrics."""
