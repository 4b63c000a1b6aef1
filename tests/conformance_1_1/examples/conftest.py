"""The examples are data for ``tests/conformance_1_1/test_spec_examples.py``, which runs copies of
them against a loopback server; they are not collected from here. The tests do not copy this
file."""

collect_ignore_glob = ["*.arazzo.yaml"]
