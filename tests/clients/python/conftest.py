"""The SDK is its own package (clients/python): the tests import it from the source tree, so
they need no install step and always test the code next to them."""

from __future__ import annotations

import sys
from pathlib import Path

SDK_ROOT = Path(__file__).resolve().parents[3] / "clients" / "python"
if str(SDK_ROOT) not in sys.path:
    sys.path.insert(0, str(SDK_ROOT))
