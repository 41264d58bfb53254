"""The cited knowledge base: schema, loader and terminology."""
