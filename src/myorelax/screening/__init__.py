"""Population screening of OMOP CDM prescription data for the safety rules' risky patterns."""
