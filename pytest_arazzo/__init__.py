"""pytest-arazzo: run Arazzo workflow files as pytest tests.

Data flows one way: :mod:`loader` (parse files) → :mod:`sources` (resolve OpenAPI operations) →
:mod:`plan` (compile steps, expressions, criteria) → :mod:`execute` (run steps over a
:mod:`transport`) → :mod:`failures` (report). Runtime expressions are evaluated in
:mod:`expressions`; criteria in :mod:`criteria`. :mod:`plugin` is the thin pytest layer.

PYTEST_DONT_REWRITE: the plugin makes no assertions for pytest to rewrite; this marker keeps
pytest from warning that the already-imported package "cannot be rewritten" (e.g. in pytester runs).
"""

__version__ = "0.1.0"
