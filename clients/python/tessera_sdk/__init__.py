"""Tessera's Python SDK: ``Tessera(api_key, host).message(...) / .action(...) / .feedback(...) / .outcome(...)``."""

__version__ = "0.1.0"

from tessera_sdk._client import RejectedEvent, Stats, Tessera
from tessera_sdk._events import UserInfo

__all__ = ["RejectedEvent", "Stats", "Tessera", "UserInfo", "__version__"]
