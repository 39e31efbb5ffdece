"""What both processes (the worker and the web app) are built from: settings, the Temporal
client with its encrypting converter, and the stores' pools with their migrations applied."""
