"""Adapters of the national business registries (NTA corporate numbers, qualified-invoice
registrations) and the EU VIES: each built from its published specification."""
