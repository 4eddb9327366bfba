"""Serialisation formats of the engine (registered in settings.SERIALIZATION_MODULES)."""
