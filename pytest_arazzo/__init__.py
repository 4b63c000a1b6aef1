"""pytest-arazzo: run Arazzo workflow files as pytest tests.

Data flows one way: :mod:`loader` (parse files) → :mod:`sources` (resolve OpenAPI operations) →
:mod:`plan` (compile steps, expressions, criteria) → :mod:`execute` (run steps over a
:mod:`transport`) → :mod:`failures` (report). Runtime expressions are evaluated in
:mod:`expressions`; criteria in :mod:`criteria`. :mod:`plugin` is the thin pytest layer.
"""

__version__ = "0.1.0"
