"""Clinical model: patient, regimen, SIG parser, kidney and liver function."""
