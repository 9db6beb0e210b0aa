from tests.registry.conftest import World, login, world  # noqa: F401 - shared fixtures
