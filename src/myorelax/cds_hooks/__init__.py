"""HL7 CDS Hooks 2.0: service definitions, request reading, alert-to-card mapping."""
