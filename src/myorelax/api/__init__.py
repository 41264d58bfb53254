"""The service: REST API, CDS Hooks 2.0 and the web UI, built by `create_app(settings)`."""
