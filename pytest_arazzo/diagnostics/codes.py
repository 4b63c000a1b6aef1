"""The diagnostic codes: each one's usual severity, what it means and how to fix it.

``docs/diagnostics.md`` lists the same table (a test keeps the two in sync); a code keeps its
meaning across releases.
"""

from __future__ import annotations

from dataclasses import dataclass

ERROR, WARNING, INFO = "error", "warning", "info"


@dataclass(frozen=True)
class Code:
    """A documented diagnostic code: its usual severity, what it means and how to fix it."""

    code: str
    severity: str
    meaning: str
    fix: str


CODES: dict[str, Code] = {
    code.code: code
    for code in (
        # -- reading the file -------------------------------------------------------------
        Code("AZ001", ERROR, "invalid YAML or JSON syntax", "fix the text at the position shown"),
        Code(
            "AZ002",
            ERROR,
            "the file cannot be read (missing, unreadable, too big)",
            "point at a UTF-8 YAML/JSON file of at most 20 MiB",
        ),
        Code(
            "AZ003",
            ERROR,
            "the document nests deeper than 200 levels, or YAML aliases blow it up",
            "flatten the document; avoid YAML alias chains that multiply",
        ),
        Code("AZ004", ERROR, "the document is empty", "write an Arazzo Description"),
        Code(
            "AZ005",
            WARNING,
            "a mapping key appears twice (the later value wins)",
            "remove or rename one of the two keys",
        ),
        Code(
            "AZ006",
            ERROR,
            "not an Arazzo Description (top level is not a mapping, or nothing to run)",
            "start from 'arazzo: 1.0.1', info, sourceDescriptions and workflows",
        ),
        Code(
            "AZ007",
            ERROR,
            "a character that cannot start a YAML value (a tab in the indentation, '@', '`')",
            "YAML indents with spaces; a tab or '@'/'`' cannot start a value",
        ),
        Code(
            "AZ008",
            ERROR,
            "a value contains ': ' where YAML does not allow a mapping",
            "quote a value that contains ': ' (or fix indentation)",
        ),
        Code(
            "AZ009",
            ERROR,
            "YAML expected a ':' after a key",
            "a key is missing its ':' or a quote is not closed",
        ),
        Code(
            "AZ010",
            ERROR,
            "a line is indented where YAML expected the block above to end",
            "check the indentation of this line against the lines above",
        ),
        Code(
            "AZ011",
            ERROR,
            "a YAML alias (*name) without an anchor (&name) before it",
            "define the &anchor before using *alias",
        ),
        Code(
            "AZ012",
            ERROR,
            "more than one YAML document in the file",
            "keep one YAML document per file (remove the extra '---')",
        ),
        Code("AZ013", ERROR, "a binary file", "Arazzo files are YAML or JSON text"),
        Code("AZ014", ERROR, "the file is not UTF-8 text", "save the file as UTF-8"),
        Code(
            "AZ015",
            ERROR,
            "a YAML tag outside the JSON-compatible core schema (!!python/..., !!binary, !foo)",
            "remove the tag: write the value as plain YAML (a string, number, list or mapping)",
        ),
        Code(
            "AZ016",
            ERROR,
            "a file outside the rootdir (../, an absolute path, file://, a symlink)",
            "keep the file under the rootdir, or add its folder to the ini arazzo_allowed_paths",
        ),
        Code(
            "AZ017",
            ERROR,
            "files that reference each other in a cycle (sourceDescriptions or $ref)",
            "break the cycle: move what both files need into a third file",
        ),
        Code(
            "AZ018",
            ERROR,
            "a remote (http(s)) source or $ref has no stored copy under arazzo_sources_dir "
            "(replay, --live and --arazzo-check never fetch)",
            "fetch it once with pytest FILE --arazzo-check --arazzo-fetch-sources (or "
            "--record) and commit the sources folder",
        ),
        Code(
            "AZ019",
            ERROR,
            "a stored copy of a remote source no longer matches the sha256 of the lock file "
            "(edited after fetching)",
            "fetch it again with --arazzo-fetch-sources (or restore it); save an edited "
            "description as a local file",
        ),
        Code(
            "AZ020",
            ERROR,
            "the sources lock file cannot be read (not JSON, not the lock format, or a file "
            "name outside the folder)",
            "restore sources.lock.json from version control, or delete the folder and fetch again",
        ),
        Code(
            "AZ021",
            ERROR,
            "fetching a remote source failed (no connection, timeout, a status other than 2xx)",
            "check the url and that the server is up; credentials are never sent to source urls",
        ),
        Code(
            "AZ022",
            ERROR,
            "a fetch past a limit: more than 5 redirects, https redirected to http, a body "
            "over arazzo_max_response_bytes, out of time",
            "point the url at the document's final https location, or raise the limit named",
        ),
        Code(
            "AZ023",
            ERROR,
            "a fetched source is no YAML/JSON document (an HTML page, another media type, text "
            "that does not parse)",
            "point the url at the raw OpenAPI or Arazzo file",
        ),
        Code(
            "AZ024",
            ERROR,
            "a fetched source could not be written to the sources folder",
            "make arazzo_sources_dir writable",
        ),
        Code(
            "AZ025",
            ERROR,
            "a source credential refused: a user or password in a source url (or a redirect), "
            "or an arazzo_source_credentials variable that is unset, a live key or bound for "
            "plain http",
            "use a url without credentials; give arazzo_source_credentials an https host and a "
            "set, read-only token",
        ),
        # -- structure (Arazzo 1.0 JSON Schema) -----------------------------------------------
        Code("AZ100", ERROR, "other violation of the Arazzo JSON Schema", "follow the message"),
        Code("AZ101", ERROR, "a required field is missing", "add the field"),
        Code(
            "AZ102",
            ERROR,
            "a field that is not allowed in this object (often a typo)",
            "rename it to one of the allowed fields, or prefix extensions with 'x-'",
        ),
        Code("AZ103", ERROR, "a value has the wrong type", "give a value of the type named"),
        Code("AZ104", ERROR, "a value is not one of the allowed values", "use an allowed value"),
        Code(
            "AZ105",
            ERROR,
            "a value does not match the required pattern (version, component names)",
            "use a value that matches the pattern shown",
        ),
        Code(
            "AZ106",
            ERROR,
            "mutually exclusive fields: exactly one of them is required",
            "keep exactly one of the fields named",
        ),
        Code("AZ107", ERROR, "a list is empty or repeats an entry", "add an entry / drop the copy"),
        Code("AZ108", ERROR, "a number is out of range", "use a number in the range shown"),
        # -- sources, operations, parameters, bodies, ids ----------------------------------
        Code(
            "AZ201",
            ERROR,
            "a source description cannot be loaded or is not OpenAPI/Arazzo",
            "fix its url (relative to the Arazzo file) or the file it points at",
        ),
        Code("AZ202", ERROR, "two source descriptions have the same name", "rename one"),
        Code(
            "AZ205",
            ERROR,
            "an unqualified operationId while several OpenAPI sources exist (Arazzo § Step "
            "Object: it MUST name its source)",
            "write operationId: $sourceDescriptions.<name>.<operationId>",
        ),
        Code(
            "AZ210",
            ERROR,
            "operationId not found in the source description(s)",
            "use the operationId as spelled in the OpenAPI description (see did-you-mean)",
        ),
        Code("AZ211", ERROR, "unknown source description name", "use a declared source name"),
        Code("AZ212", ERROR, "a step calls a workflow that does not exist", "fix the workflowId"),
        Code(
            "AZ213",
            ERROR,
            "operationPath does not point at an operation",
            "use {$sourceDescriptions.<name>.url}#/paths/<escaped path>/<method>",
        ),
        Code(
            "AZ214",
            ERROR,
            "the operation's OpenAPI path cannot be sent as written (space, braces, no '/')",
            "fix the path in the OpenAPI description",
        ),
        Code(
            "AZ215",
            INFO,
            "operationPath names an operation that has an operationId",
            "prefer operationId (Arazzo 1.0.1 § Step Object)",
        ),
        Code(
            "AZ216",
            WARNING,
            "an operationId that contains whitespace",
            "rename it (in the OpenAPI description and the step) to an identifier",
        ),
        Code(
            "AZ217",
            INFO,
            "a field of a Reusable Object other than reference and value: it is ignored (a "
            "warning when it looks like a misspelled reference or value)",
            "drop the field; to change the parameter's value, use 'value'",
        ),
        Code(
            "AZ220",
            ERROR,
            "a parameter of an operation step has no 'in'",
            "add in: path, query, header or cookie",
        ),
        Code(
            "AZ221",
            WARNING,
            "a parameter the operation (or called workflow) does not declare",
            "fix its name or 'in', or drop it",
        ),
        Code(
            "AZ222",
            WARNING,
            "a required parameter (or workflow input) that the step does not give",
            "add the parameter to the step or the workflow",
        ),
        Code(
            "AZ223",
            ERROR,
            "a path template variable has no path parameter: the URL cannot be built",
            "add a parameter with in: path for it",
        ),
        Code("AZ224", ERROR, "the same parameter (name and in) is listed twice", "drop one"),
        Code(
            "AZ225",
            WARNING,
            "a request body for an operation that declares none (or for a workflow step)",
            "drop the requestBody, or check the operation",
        ),
        Code(
            "AZ226",
            WARNING,
            "a payload field that the operation's request body schema does not know",
            "fix the field name (see did-you-mean) or drop it",
        ),
        Code(
            "AZ227",
            WARNING,
            "a required request body (or required body field) that the step does not give",
            "add it to the payload",
        ),
        Code(
            "AZ228",
            WARNING,
            "a contentType that the operation does not declare",
            "use one of the content types listed",
        ),
        Code(
            "AZ230",
            ERROR,
            "a reusable reference ($components..., $ref) that does not resolve",
            "fix the name or add the component",
        ),
        Code("AZ240", ERROR, "a goto action names a step that does not exist", "fix the stepId"),
        Code(
            "AZ241",
            ERROR,
            "a goto action names a workflow that does not exist",
            "fix the workflowId",
        ),
        Code(
            "AZ242",
            INFO,
            "the last onSuccess action is a goto to the step that runs next anyway",
            "drop it; to repeat the step until something holds, use a retry action",
        ),
        Code("AZ250", ERROR, "two workflows have the same workflowId", "rename one"),
        Code("AZ251", ERROR, "two steps of a workflow have the same stepId", "rename one"),
        Code(
            "AZ252",
            WARNING,
            "an id or name that does not match [A-Za-z0-9_\\-]+",
            "use letters, digits, '_' and '-' only (runtime expressions cannot name it otherwise)",
        ),
        Code("AZ253", ERROR, "dependsOn names a workflow that does not exist", "fix the id"),
        Code(
            "AZ254",
            ERROR,
            "workflows call or depend on each other in a cycle",
            "break the cycle",
        ),
        Code(
            "AZ255",
            ERROR,
            "two success actions (or two failure actions) of one list have the same name",
            "rename one, or drop the copy (a list MUST NOT include duplicate actions)",
        ),
        Code(
            "AZ256",
            ERROR,
            "an output name that does not match ^[a-zA-Z0-9\\.\\-_]+$",
            "use letters, digits, '.', '-' and '_' only",
        ),
        Code(
            "AZ260",
            INFO,
            "an operation step without successCriteria (any status below 400 counts as success)",
            "add successCriteria such as $statusCode == 200",
        ),
        Code(
            "AZ261",
            ERROR,
            "(Arazzo 1.1) a step reads outputs of a later step, and the workflow uses no step "
            "dependsOn",
            "move the step it reads before it, or declare dependsOn on that step",
        ),
        Code(
            "AZ262",
            ERROR,
            "(Arazzo 1.1) a step dependsOn entry names a step or workflow that does not exist",
            "use a stepId of this workflow, $workflows.<workflowId>.steps.<stepId> or "
            "$sourceDescriptions.<name>.<workflowId>.steps.<stepId>",
        ),
        Code(
            "AZ263",
            ERROR,
            "(Arazzo 1.1) steps depend on each other in a cycle (dependsOn or output references)",
            "break the cycle",
        ),
        Code(
            "AZ264",
            INFO,
            "(Arazzo 1.1) steps run in another order than written, to satisfy dependsOn and "
            "output references",
            "write the steps in the order they run, or keep the dependsOn that reorders them",
        ),
        Code(
            "AZ265",
            ERROR,
            "(Arazzo 1.1) an in: querystring parameter next to in: query parameters, repeated, "
            "or with a value that is not a string",
            "give the whole query string as one string value (key1=value1&key2=value2)",
        ),
        Code(
            "AZ266",
            ERROR,
            "(Arazzo 1.1) an AsyncAPI source, channel or operation that does not resolve",
            "point channelPath at a channel ({$sourceDescriptions.<name>.url}#/channels/<name>) "
            "of an AsyncAPI 2.x/3.x document",
        ),
        Code(
            "AZ267",
            ERROR,
            "(Arazzo 1.1) an AsyncAPI field where it does not apply (action, correlationId, "
            "$message), or an AsyncAPI step without action",
            "use action/correlationId/$message in AsyncAPI steps only (correlationId: receive)",
        ),
        Code(
            "AZ268",
            ERROR,
            "(Arazzo 1.1) $sourceDescriptions.<name>.<reference> used as a value names an "
            "operation or workflow (they take precedence over fields), which has no value",
            "read a field such as url; rename an operationId/workflowId that hides a field",
        ),
        Code(
            "AZ269",
            ERROR,
            "(Arazzo 1.1) action parameters on an action that names no workflowId",
            "parameters are passed to the workflow a goto/retry action names: add workflowId, "
            "or drop them",
        ),
        # -- runtime expressions and criteria ---------------------------------------------
        Code("AZ301", ERROR, "an invalid runtime expression", "fix the expression syntax"),
        Code(
            "AZ302",
            ERROR,
            "an invalid criterion (condition syntax, regex, RFC 9535 JSONPath, XPath, type)",
            "fix the condition; see the hint",
        ),
        Code(
            "AZ303",
            ERROR,
            "$inputs.<name> that the workflow's inputs schema does not declare",
            "declare the input under inputs.properties, or fix the name",
        ),
        Code("AZ304", ERROR, "$steps.<id> names a step that does not exist", "fix the stepId"),
        Code(
            "AZ305",
            ERROR,
            "an output that the step or workflow does not declare",
            "declare the output, or fix its name",
        ),
        Code(
            "AZ306",
            WARNING,
            "a request reads outputs of a step that has not run yet",
            "reorder the steps, or read the output later",
        ),
        Code(
            "AZ307",
            ERROR,
            "$workflows.<id> names a workflow, input or output that does not exist",
            "fix the workflowId or name",
        ),
        Code("AZ308", ERROR, "$components.<kind>.<name> does not exist", "fix the component name"),
        Code(
            "AZ309",
            ERROR,
            "$sourceDescriptions.<name> names no source description",
            "fix the source name",
        ),
        Code(
            "AZ310",
            ERROR,
            "a workflow output reads $response, $request, $statusCode, $url or $method",
            "output the value from the step that made the request, then read $steps.<id>.outputs",
        ),
        Code(
            "AZ320",
            WARNING,
            "a $response.body JSON pointer to a property the documented 2XX schema does not have",
            "read a property the response has (see did-you-mean), or fix the OpenAPI description",
        ),
        Code(
            "AZ321",
            WARNING,
            "an RFC 9535 root filter ($[?@.x == ...]) on an object: it tests members, never the "
            "object",
            "write the simple condition shown ($response.body#/x == ...)",
        ),
        Code(
            "AZ322",
            ERROR,
            "(Arazzo 1.1) an invalid Selector Object: its context is no runtime expression, "
            "or its selector does not parse (a JSON Pointer must start with '/')",
            "fix the field the message names; the selector's syntax is that of its type",
        ),
        Code(
            "AZ323",
            ERROR,
            "(Arazzo 1.1) an unknown selector type or version (Selector Object type, "
            "targetSelectorType)",
            "use jsonpath (rfc9535, draft-goessner-dispatch-jsonpath-00), xpath "
            "(xpath-31/30/20/10) or jsonpointer (rfc6901)",
        ),
        Code(
            "AZ324",
            ERROR,
            "(Arazzo 1.1) a Payload Replacement target that is not valid for its "
            "targetSelectorType (or a JSONPath target on a JSON payload without one)",
            "fix the target, or give the targetSelectorType it is written in",
        ),
        Code(
            "AZ325",
            WARNING,
            "a Selector Object in an Arazzo 1.0 document: it is plain data there",
            "declare arazzo: 1.1.0, or use a runtime expression with a JSON Pointer",
        ),
        # -- the harness itself -------------------------------------------------------------
        Code(
            "AZ999",
            ERROR,
            "internal error in a check or while planning (a bug in pytest-arazzo)",
            "report it with the file; the other checks still ran",
        ),
    )
}
