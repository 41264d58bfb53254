"""FHIR R4 adapter (resources validated with fhir.resources' R4B models, which share R4's
CarePlan, Goal, Observation and MedicationRequest structure)."""
