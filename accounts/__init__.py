"""Accounts: password rules, password hashing and bearer tokens, with no project imports."""
