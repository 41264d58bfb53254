"""The checks. Each module exposes `check(ctx) -> list[Alert]`; rule codes are in their docstrings."""
