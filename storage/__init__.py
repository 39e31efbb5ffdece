"""PostgreSQL plumbing shared by the stores: pools and migrations. Imports only asyncpg."""
