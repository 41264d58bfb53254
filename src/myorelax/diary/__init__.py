"""Patient diary: entries (doses, pain, spasms, stiffness, stress, PSS-10, sleep, side effects,
notes) and their analysis for the clinician. Domain only: no I/O."""
