from tests.audit.conftest import changes  # noqa: F401 - the audit log page tests share it
from tests.registry.conftest import World, login, world  # noqa: F401 - shared fixtures
