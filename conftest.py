"""Root conftest: enables pytest's ``pytester`` fixture for the plugin's own tests.

``pytest_plugins`` may only be declared in the rootdir conftest, so it lives here; the plugin
itself is loaded through its ``pytest11`` entry point, not from this file.
"""

pytest_plugins = ["pytester"]
