"""Runtime models are registered here by ``lowcode.storage.factory.runtime_model`` when used."""
