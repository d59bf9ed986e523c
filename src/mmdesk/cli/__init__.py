"""The `mmdesk` command line (typer + rich)."""
