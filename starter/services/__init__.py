"""The web app's services: each owns its store calls, its calls to Temporal and its errors.

Handlers parse their input, call a service and render what it returns; the composition
root (starter.common.bootstrap) builds the services once at start-up.
"""
