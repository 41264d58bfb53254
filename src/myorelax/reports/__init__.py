"""Reports: plots and printable documents (adapters: they write files)."""
