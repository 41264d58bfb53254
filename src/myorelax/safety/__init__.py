"""Safety check of a regimen against a patient: rules, alerts, report."""
