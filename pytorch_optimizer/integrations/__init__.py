"""Optional integrations (imported lazily)."""
