"""Live-mode keys: the one place that says which credentials pytest-arazzo refuses to use or store.

Stripe's live secret, restricted and publishable keys (``sk_live_``, ``rk_live_``, ``pk_live_``)
are refused always; ini ``arazzo_refuse_keys`` adds patterns.
"""

from __future__ import annotations

DEFAULT_REFUSED = (r"^sk_live_", r"^rk_live_", r"^pk_live_")
