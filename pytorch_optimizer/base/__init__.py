"""Base classes, validation, exceptions and shared tensor-list math."""
