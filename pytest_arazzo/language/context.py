"""What a runtime expression can see while a workflow runs (Arazzo "Runtime Expressions").

The executor fills an :class:`EvalContext`; :mod:`.evaluate` reads it. Nothing here
does I/O or evaluation: it is plain data that flows one way, executor → expressions/criteria.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from requests.structures import CaseInsensitiveDict


@dataclass
class Message:
    """An HTTP request or response as runtime expressions see it.

    ``body`` is the parsed body: JSON as Python values, form bodies as a dict, anything else as
    ``str`` (XML stays text; XPath criteria parse it). ``None`` means no body.
    """

    headers: CaseInsensitiveDict[Any] = field(default_factory=CaseInsensitiveDict)
    body: Any = None
    query: Mapping[str, Any] = field(default_factory=dict)
    path: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class EvalContext:
    """Everything `$...` expressions may read at one point of a run.

    - ``inputs``: the current workflow's inputs (``$inputs.x``);
    - ``outputs``: the current workflow's outputs resolved so far (``$outputs.x``);
    - ``steps``: stepId → that step's outputs (``$steps.id.outputs.x``);
    - ``workflows``: workflowId → ``{"inputs": {...}, "outputs": {...}}`` (``$workflows.id...``);
    - ``source_descriptions``: name → the Source Description Object
      (``$sourceDescriptions.name.url``);
    - ``components``: the document's Components Object (``$components.parameters.x``);
    - ``url``/``method``/``status_code``/``request``/``response``: the current step's HTTP exchange,
      ``None`` before the request is sent;
    - ``message``: the current AsyncAPI step's message (``$message...``, Arazzo 1.1);
    - ``self_uri``: the document's ``$self``, resolved against its location (Arazzo 1.1).
    """

    inputs: Mapping[str, Any] = field(default_factory=dict)
    outputs: Mapping[str, Any] = field(default_factory=dict)
    steps: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    workflows: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    source_descriptions: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    components: Mapping[str, Any] = field(default_factory=dict)
    url: str | None = None
    method: str | None = None
    status_code: int | None = None
    request: Message | None = None
    response: Message | None = None
    message: Message | None = None
    self_uri: str | None = None
