"""The staff's side: their pages (`pages.router`: their accounts, the Sales console and the
Commerce back office) and the operators' command lines (`add`, `access`). The package imports
neither, so a command line loads no page."""
