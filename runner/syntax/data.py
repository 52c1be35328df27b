"""YAML and JSON workflows -> `Document`.

The text is composed into YAML nodes (libyaml when present), never constructed
into Python objects, so no tag can build an object: every tag outside YAML's
plain types is refused. Walking the nodes ourselves gives each key its line,
catches duplicate keys, and lets one walker serve JSON too (JSON is checked by
the `json` module first, then composed the same way).

This module checks shape and types only. Values (ranges, job types, names)
are checked once for every format by `runner.resolve`.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from runner.errors import ParseError, ValidationError
from runner.ir import Conditions, Document, GlobalConfig, Import, Job, ResourceLimits, RetryConfig
from runner.source import Source, Span
from runner.suggest import did_you_mean
from runner.syntax.spans import Locator, PathSpans
from runner.units import parse_duration, parse_size

_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR = "tag:yaml.org,2002:str"


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """The safe loader, resolving plain scalars that cannot be anything but a
    string (most keys, ids and commands) without trying YAML's regexps."""

    _typed_starts = frozenset(k for k in _BaseLoader.yaml_implicit_resolvers if k)

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is ScalarNode and implicit[0] and value and value[0] not in self._typed_starts:
            return _STR
        return super().resolve(kind, value, implicit)

_TAG = "tag:yaml.org,2002:"
_PLAIN_TAGS = {_TAG + t for t in ("str", "int", "float", "bool", "null", "timestamp")}
_COLLECTION_TAGS = {_TAG + "map", _TAG + "seq", _TAG + "merge"}

TOP_KEYS = ("name", "version", "description", "global_config", "environment", "jobs", "imports", "default")
GLOBAL_KEYS = ("max_retries", "timeout", "max_concurrent_jobs", "memory_budget_mb")
JOB_KEYS = (
    "id", "name", "description", "job_type", "command", "url", "script_path", "args",
    "working_directory", "dependencies", "timeout", "retry_config", "resource_limits",
    "environment", "tags", "conditions", "inputs", "outputs", "method", "headers", "body",
    "expected_status",
)
_JOB_KEY_SET = frozenset(JOB_KEYS)
_ALLOWED_TAGS = _PLAIN_TAGS | {_TAG + "map", _TAG + "seq"}
RETRY_KEYS = ("max_attempts", "initial_delay", "max_delay", "backoff_factor")
LIMIT_KEYS = ("max_memory_mb", "max_cpu_percent", "max_execution_time")
CONDITION_KEYS = ("skip_if_failed", "only_if_branch", "run_if")

# Keys that users put in the wrong section, and where they belong.
_MISPLACED = {
    "max_concurrent_jobs": "global_config",
    "memory_budget_mb": "global_config",
    "max_retries": "global_config (or retry_config.max_attempts in a job)",
    "max_attempts": "retry_config",
    "initial_delay": "retry_config",
    "backoff_factor": "retry_config",
    "max_memory_mb": "resource_limits",
    "max_cpu_percent": "resource_limits",
    "skip_if_failed": "conditions",
    "only_if_branch": "conditions",
    "run_if": "conditions",
}


def parse(source: Source) -> Document:
    """Parse a YAML or JSON workflow file (by its extension)."""
    is_json = source.path.suffix.lower() == ".json"
    gc_was_enabled = gc.isenabled()
    gc.disable()  # composing a large file allocates millions of objects; GC passes cost 4x
    try:
        root = compose(source, is_json)
        return _Walker(source, is_json).document(root)
    finally:
        if gc_was_enabled:
            gc.enable()


def compose(source: Source, is_json: bool) -> Node | None:
    """The file's root node (None for an empty file); ParseError when it is
    not valid YAML or JSON."""
    return _compose_json(source) if is_json else _compose_yaml(source)


def flattener(source: Source) -> Callable[[MappingNode], list[tuple[Node, Node]]]:
    """What gives a mapping node's pairs with YAML merge keys applied."""
    return _Walker(source, False).flatten


def _compose_yaml(source: Source) -> Node | None:
    try:
        return yaml.compose(source.text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        span = Span(source, mark.line + 1, mark.column + 1) if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise ParseError(f"invalid YAML: {problem}", span) from None
    except yaml.YAMLError as exc:
        raise ParseError(f"invalid YAML: {exc}", Span(source, 1)) from None


def _compose_json(source: Source) -> Node | None:
    import json

    try:
        data = json.loads(source.text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"invalid JSON: {exc.msg}", Span(source, exc.lineno, exc.colno)) from None
    try:
        return yaml.compose(source.text, Loader=_Loader)
    except yaml.YAMLError:
        # Valid JSON that libyaml reads differently (rare): walk it without positions.
        return _node_from_data(data)


def _node_from_data(value: Any) -> Node:
    mark = yaml.Mark("", 0, 0, 0, None, None)
    if isinstance(value, dict):
        pairs = [(_node_from_data(k), _node_from_data(v)) for k, v in value.items()]
        return MappingNode(_TAG + "map", pairs, mark, mark)
    if isinstance(value, list):
        return SequenceNode(_TAG + "seq", [_node_from_data(v) for v in value], mark, mark)
    import json

    text = value if isinstance(value, str) else json.dumps(value)
    return ScalarNode(_TAG + "str", text, mark, mark, style='"' if isinstance(value, str) else None)


class _Walker:
    """Turns nodes into IR, raising at the first problem with the node's line."""

    def __init__(self, source: Source, is_json: bool) -> None:
        self.source = source
        self.is_json = is_json
        self._constructor = yaml.SafeLoader("")  # only for YAML's scalar formats (0x1f, 1_000)

    # ---------------------------------------------------------------- helpers

    def span(self, node: Node) -> Span:
        return node_span(self.source, node)

    def fail(self, node: Node, message: str, hint: str | None = None) -> ValidationError:
        return ValidationError(message, self.span(node), hint=hint)

    def check_tag(self, node: Node) -> None:
        tag = node.tag
        if tag in _PLAIN_TAGS or tag in _COLLECTION_TAGS:
            return
        shown = tag.replace(_TAG, "!!")
        raise self.fail(node, f"YAML tag '{shown}' is not allowed", "jobrun loads YAML safely: "
                        "only plain strings, numbers, booleans, lists and mappings")

    def pairs(self, node: Node, what: str, known: tuple[str, ...]) -> Iterator[tuple[str, Node, Node]]:
        """(key, key node, value node) for a mapping, checking keys as it goes."""
        if not isinstance(node, MappingNode):
            raise self.fail(node, f"{what} must be a mapping, not {self.kind(node)}")
        seen: dict[str, Node] = {}
        for key_node, value_node in self.flatten(node):
            self.check_tag(value_node)
            if not isinstance(key_node, ScalarNode):
                raise self.fail(key_node, f"keys in {what} must be strings")
            key = key_node.value
            if key in seen:
                first = seen[key].start_mark.line + 1
                raise self.fail(key_node, f"duplicate key '{key}' in {what} (first given at line {first})")
            seen[key] = key_node
            if key not in known:
                hint = did_you_mean(key, known)
                if hint is None and key in _MISPLACED:
                    hint = f"'{key}' belongs in {_MISPLACED[key]}"
                raise self.fail(key_node, f"unknown key '{key}' in {what}", hint)
            yield key, key_node, value_node

    def flatten(self, node: MappingNode) -> list[tuple[Node, Node]]:
        """The mapping's pairs with YAML merge keys (`<<: *defaults`) applied."""
        merged: list[tuple[Node, Node]] = []
        own: list[tuple[Node, Node]] = []
        for key_node, value_node in node.value:
            if key_node.tag == _TAG + "merge":
                self.check_tag(value_node)
                sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
                for src in sources:
                    self.check_tag(src)
                    if not isinstance(src, MappingNode):
                        raise self.fail(src, "a merge key ('<<') needs a mapping or a list of mappings")
                    merged.extend(self.flatten(src))
            else:
                own.append((key_node, value_node))
        if not merged:
            return own
        own_keys = {k.value for k, _ in own if isinstance(k, ScalarNode)}
        return [(k, v) for k, v in merged if k.value not in own_keys] + own

    @staticmethod
    def kind(node: Node) -> str:
        if isinstance(node, MappingNode):
            return "a mapping"
        if isinstance(node, SequenceNode):
            return "a list"
        if node.tag == _TAG + "null":
            return "empty"
        return f"'{node.value}'"

    def scalar(self, node: Node) -> Any:
        """The Python value of a scalar node, by YAML's or JSON's rules."""
        self.check_tag(node)
        if not isinstance(node, ScalarNode):
            return None
        if self.is_json:
            import json

            return node.value if node.style else json.loads(node.value)
        if node.tag == _TAG + "str":
            return node.value
        if node.tag == _TAG + "timestamp":
            return node.value
        return self._constructor.construct_object(node)

    # ---------------------------------------------------------------- typed values

    def text(self, node: Node, what: str, lenient: bool = False) -> str:
        """A string. Numbers, booleans and dates are refused (quote them), but
        `lenient` takes them as written (`DEBUG: false` is "false")."""
        if not isinstance(node, ScalarNode) or node.tag == _TAG + "null" and not node.style:
            raise self.fail(node, f"{what} must be a string, not {self.kind(node)}")
        self.check_tag(node)
        plain = not node.style
        if plain and (self.is_json or node.tag != _STR):
            if self.is_json and node.value in ("true", "false", "null"):
                raise self.fail(node, f"{what} must be a string, not {node.value}")
            if not lenient:
                raise self.fail(node, f"{what} must be a string, not {node.value}",
                                f"write it in quotes: \"{node.value}\"")
        return node.value

    def integer(self, node: Node, what: str) -> int:
        value = self.scalar(node)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(node, f"{what} must be a whole number, not {self.kind(node)}")
        return value

    def number(self, node: Node, what: str) -> float:
        value = self.scalar(node)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(node, f"{what} must be a number, not {self.kind(node)}")
        return float(value)

    def measure(self, node: Node, what: str, parse: Callable[[str], float | None], example: str) -> float:
        value = self.scalar(node)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str) and (parsed := parse(value)) is not None:
            return parsed
        raise self.fail(node, f"{what} must be {example}, not {self.kind(node)}")

    def duration(self, node: Node, what: str) -> float:
        return self.measure(node, what, parse_duration, "a duration (seconds, or e.g. 30s, 5m, 1h30m)")

    def size(self, node: Node, what: str) -> float:
        return self.measure(node, what, parse_size, "a size (megabytes, or e.g. 512MB, 2GB)")

    def texts(self, node: Node, what: str) -> tuple[str, ...]:
        """A list of strings; a single string counts as a list of one."""
        if isinstance(node, SequenceNode):
            items = node.value
            if all(type(item) is ScalarNode and item.tag == _STR and (item.style or not self.is_json)
                   for item in items):
                return tuple(item.value for item in items)  # the common case, fast
        elif isinstance(node, ScalarNode) and node.tag != _TAG + "null":
            items = [node]
        else:
            raise self.fail(node, f"{what} must be a list of strings, not {self.kind(node)}")
        return tuple(self.text(item, f"each item of {what}") for item in items)

    def mapping(self, node: Node, what: str) -> dict[str, str]:
        """A mapping of names to string values (numbers and booleans as written)."""
        if not isinstance(node, MappingNode):
            raise self.fail(node, f"{what} must be a mapping, not {self.kind(node)}")
        out: dict[str, str] = {}
        for key_node, value_node in self.flatten(node):
            key = self.text(key_node, f"a key in {what}")
            if key in out:
                raise self.fail(key_node, f"duplicate key '{key}' in {what}")
            out[key] = self.text(value_node, f"'{key}' in {what}", lenient=True)
        return out

    # ---------------------------------------------------------------- structure

    def document(self, root: Node | None) -> Document:
        locator = Locator(self.source, self.is_json)
        spans = PathSpans(locator, ())
        if root is None:
            return Document(self.source, spans=spans)
        self.check_tag(root)  # `--- !!python/object:...`: name the tag, not the node's shape
        fields: dict[str, Any] = {}
        jobs: tuple[Job, ...] = ()
        for key, _, value in self.pairs(root, "the workflow", TOP_KEYS):
            if key in ("name", "version", "description"):
                fields[key] = self.text(value, f"'{key}'")
            elif key == "global_config":
                fields["config"] = self.global_config(value)
            elif key == "environment":
                fields["environment"] = self.mapping(value, "environment")
            elif key == "imports":
                names = self.texts(value, "imports")
                items = value.value if isinstance(value, SequenceNode) else [value]
                fields["imports"] = tuple(Import(n, self.span(i)) for n, i in zip(names, items))
            elif key == "default":
                fields["default"] = self.texts(value, "default")
            elif key == "jobs":
                jobs = self.jobs(value, locator)
        return Document(self.source, jobs=jobs, spans=spans, **fields)

    def global_config(self, node: Node) -> GlobalConfig:
        values: dict[str, Any] = {}
        for key, _, value in self.pairs(node, "global_config", GLOBAL_KEYS):
            what = f"global_config.{key}"
            if key == "timeout":
                values[key] = self.duration(value, what)
            elif key == "memory_budget_mb":
                values[key] = self.size(value, what)
            else:
                values[key] = self.integer(value, what)
        return GlobalConfig(**values)

    def jobs(self, node: Node, locator: Locator) -> tuple[Job, ...]:
        if not isinstance(node, SequenceNode):
            hint = "write jobs as a list: `jobs:` then `- id: build`" if isinstance(node, MappingNode) else None
            raise self.fail(node, f"'jobs' must be a list, not {self.kind(node)}", hint)
        return tuple(self.job(item, number, PathSpans(locator, ("jobs", number - 1)))
                     for number, item in enumerate(node.value, 1))

    def job(self, node: Node, number: int, spans: PathSpans) -> Job:
        self.check_tag(node)
        if not isinstance(node, MappingNode):
            raise self.fail(node, f"job #{number} must be a mapping, not {self.kind(node)}")
        values = self._job_values(node)
        if values is None:  # something unusual: the careful walk finds and names it
            values = {k: v for k, _, v in self.pairs(node, self._job_name(node, number), JOB_KEYS)}
        if "id" not in values:
            raise self.fail(node, f"job #{number} has no 'id'", "every job needs a unique `id: name`")
        job_id = self.text(values["id"], "'id'")
        what = f"job '{job_id}'"
        fields: dict[str, Any] = {"id": job_id}

        job_type = "command"
        if "job_type" in values:
            job_type = self.text(values["job_type"], f"'job_type' in {what}")
        elif "script_path" in values:
            job_type = "script"
        elif "url" in values:
            job_type = "http"
        fields["job_type"] = job_type

        for key, value in values.items():
            where = f"'{key}' in {what}"
            if key in ("id", "job_type"):
                continue
            if key in ("name", "description", "script_path", "working_directory", "method", "body", "url"):
                fields[key] = self.text(value, where)
            elif key == "command":
                self.command(value, job_type, where, fields)
            elif key in ("args", "tags", "inputs", "outputs", "dependencies"):
                fields[key] = self.texts(value, where)
            elif key == "timeout":
                fields[key] = self.duration(value, where)
            elif key in ("environment", "headers"):
                fields[key] = self.mapping(value, where)
            elif key == "retry_config":
                fields["retry"] = self.retry(value, what)
            elif key == "resource_limits":
                fields["limits"] = self.limits(value, what)
            elif key == "conditions":
                fields["conditions"] = self.conditions(value, what)
            elif key == "expected_status":
                fields[key] = self.statuses(value, where)
        if "url" in values and "command" in values and job_type == "http":
            raise self.fail(values["url"], f"{what} gives its URL twice ('command' and 'url')")
        return Job(source=self.source, spans=spans, **fields)

    @staticmethod
    def _job_values(node: MappingNode) -> dict[str, Node] | None:
        """The job's values by key in one quick pass, or None when any key is
        unknown, repeated, not a plain string or a merge, or a tag is unusual."""
        values: dict[str, Node] = {}
        for key_node, value_node in node.value:
            if type(key_node) is not ScalarNode or value_node.tag not in _ALLOWED_TAGS:
                return None
            key = key_node.value
            if key not in _JOB_KEY_SET or key in values:
                return None
            values[key] = value_node
        return values

    @staticmethod
    def _job_name(node: MappingNode, number: int) -> str:
        for key_node, value_node in node.value:
            if key_node.value == "id" and isinstance(value_node, ScalarNode) and value_node.value:
                return f"job '{value_node.value}'"
        return f"job #{number}"

    def command(self, node: Node, job_type: str, where: str, fields: dict[str, Any]) -> None:
        if job_type == "python":
            fields["code"] = self.text(node, where)
        elif job_type == "http":
            fields["url"] = self.text(node, where)
        elif isinstance(node, SequenceNode):
            fields["commands"] = self.texts(node, where)
        else:
            fields["commands"] = (self.text(node, where),)

    def statuses(self, node: Node, where: str) -> tuple[int, ...]:
        items = node.value if isinstance(node, SequenceNode) else [node]
        return tuple(self.integer(item, where) for item in items)

    def retry(self, node: Node, what: str) -> RetryConfig:
        values: dict[str, Any] = {}
        for key, _, value in self.pairs(node, f"retry_config of {what}", RETRY_KEYS):
            where = f"retry_config.{key} in {what}"
            if key == "max_attempts":
                values[key] = self.integer(value, where)
            elif key == "backoff_factor":
                values[key] = self.number(value, where)
            else:
                values[key] = self.duration(value, where)
        return RetryConfig(**values)

    def limits(self, node: Node, what: str) -> ResourceLimits:
        values: dict[str, Any] = {}
        for key, _, value in self.pairs(node, f"resource_limits of {what}", LIMIT_KEYS):
            where = f"resource_limits.{key} in {what}"
            if key == "max_memory_mb":
                values[key] = self.size(value, where)
            elif key == "max_execution_time":
                values[key] = self.duration(value, where)
            else:
                values[key] = self.number(value, where)
        return ResourceLimits(**values)

    def conditions(self, node: Node, what: str) -> Conditions:
        values: dict[str, Any] = {}
        for key, _, value in self.pairs(node, f"conditions of {what}", CONDITION_KEYS):
            where = f"conditions.{key} in {what}"
            if key == "skip_if_failed":
                values[key] = self.texts(value, where)
            else:
                values[key] = self.text(value, where)
        return Conditions(**values)


def node_span(source: Source, node: Node) -> Span:
    start, end = node.start_mark, node.end_mark
    width = end.column - start.column if end.line == start.line else 1
    return Span(source, start.line + 1, start.column + 1, max(width, 1))
