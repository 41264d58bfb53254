"""The `myorelax` command line (Typer + Rich)."""
