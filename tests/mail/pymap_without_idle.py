"""pymap without the IDLE capability: a server like the many that make the fetcher poll.

pymap's ``disable_idle`` setting is documented but not applied (0.36), and its command line has
no such option, so the dict backend's capabilities are given here without IDLE; everything
else is the real server.

Run as ``python tests/mail/pymap_without_idle.py <pymap arguments>``.
"""

from __future__ import annotations

import sys

from pymap.backend.dict import Config
from pymap.config import BackendCapability
from pymap.main import main

Config.backend_capability = property(  # type: ignore[method-assign, assignment]
    lambda self: BackendCapability(idle=False, object_id=True, multi_append=True)
)

if __name__ == "__main__":
    sys.exit(main())
