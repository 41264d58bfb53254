"""Titration, taper and intrathecal pump plans built from real tablet strengths.

Domain core: no I/O. `calendar` renders plans as iCalendar bytes; writing files is the CLI's job.
"""
