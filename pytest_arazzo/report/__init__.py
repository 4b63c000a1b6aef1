"""Report: how a run explains itself, after the engine ran it.

Step traces (:mod:`steps`), the failing exchange in full (:mod:`exchange`), ``curl`` lines
(:mod:`curl`), HAR 1.2 trace files (:mod:`har`), failure texts and one-liners (:mod:`failure`)
and the session's JSON report (:mod:`results`). Nothing here imports pytest.
"""
