"""The web UI (served at `/`)."""
