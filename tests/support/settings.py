"""Settings for a test: only the values it names and the defaults, never the developer's ``.env``.

``Settings`` ignores unknown names (an operator's ``.env`` may hold other
programs' variables), so a misspelt setting in a test would be dropped
silently and the test would check the default instead; this refuses one.
"""

from __future__ import annotations

from typing import Any

from assistant.settings import Settings


def settings_for_test(**values: Any) -> Settings:
    """``Settings`` from ``values`` (validated and converted as from the environment) and the defaults.

    Variables in the process's environment still apply, as they do in production.
    """
    unknown = values.keys() - Settings.model_fields.keys()
    assert not unknown, f"not settings (Settings would ignore them): {sorted(unknown)}"
    return Settings(_env_file=None, **values)
