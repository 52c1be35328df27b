"""Jobfile -> `Document`.

The grammar (`grammar/jobfile.lark`, shipped inside the package) is LALR; the
parser is Lark's, loaded from a standalone module generated from that grammar
(`_jobfile_parser.py`, see `build_parser.py`) so that start-up does not build
parse tables or import Lark. The module carries the grammar it was built
from; if the shipped grammar differs, Lark builds the parser from it instead.

Lark exceptions are turned into our `ParseError` here, at the boundary, with
the expected tokens named in words and a hint for the usual mistakes.

The tree is walked by `_Builder` rather than a bottom-up `Transformer`: a
value may use a variable defined further down the file, so every variable
must be known before the first value is built.
"""

from __future__ import annotations

import _thread
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from runner.errors import ParseError, ValidationError
from runner.ir import Conditions, Document, GlobalConfig, Import, Job, ResourceLimits, RetryConfig
from runner.kinds.builtin import HTTP_METHODS
from runner.source import Source, Span, SpanTable
from runner.suggest import did_you_mean
from runner.units import parse_duration, parse_number, parse_size

# ------------------------------------------------------------------ the parser


def grammar_text() -> str:
    """The grammar shipped in the package (runner/grammar/jobfile.lark in a
    wheel), or in a source checkout the repository's grammar/jobfile.lark."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for path in (os.path.join(package, "grammar", "jobfile.lark"),
                 os.path.join(os.path.dirname(package), "grammar", "jobfile.lark")):
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as f:
                return f.read()
    raise FileNotFoundError("jobfile.lark is missing from the jobrun installation")


class Indenter:
    """Post-lexer: turns the indentation after each newline into _INDENT and
    _DEDENT tokens. Indentation is spaces or tabs, not both, in one file."""

    always_accept = ("_NL",)

    def __init__(self, source: Source | None = None) -> None:
        self.source = source or Source(Path("Jobfile"), "")

    def process(self, stream: Iterator[Any]) -> Iterator[Any]:
        levels = [0]
        style: tuple[str, int] | None = None  # (" " or "\t", line first seen)
        token = None
        previous = None
        for token in stream:
            if previous == "IMPORT" and str(token).startswith(":"):  # `import:`, a job header
                raise ParseError(f"expected the file to import, found {_describe_token(token)}",
                                 Span(self.source, token.line, token.column, len(str(token))),
                                 hint=_reserved_word_hint("import"))
            previous = token.type
            if token.column > 1 and levels == [0] and token.type != "_NL" and (style is None or token.line == 1):
                if self.source.line(token.line)[: token.column - 1].strip() == "":
                    raise ParseError("unexpected indentation", Span(self.source, token.line, 1, token.column - 1),
                                      hint="only a job's body is indented, under its `name:` header")
            yield token
            if token.type != "_NL":
                continue
            indent = token.value.rsplit("\n", 1)[1]
            line = token.end_line
            if indent:
                if " " in indent and "\t" in indent:
                    raise self.error(line, indent, "indentation mixes tabs and spaces")
                kind = indent[0]
                if style is None:
                    style = (kind, line)
                elif kind != style[0]:
                    first = "spaces" if style[0] == " " else "tabs"
                    raise self.error(line, indent, f"indented with {'tabs' if kind == chr(9) else 'spaces'}, "
                                     f"but line {style[1]} is indented with {first}")
            width = len(indent)
            if width > levels[-1]:
                levels.append(width)
                yield type(token).new_borrow_pos("_INDENT", indent, token)
                continue
            while width < levels[-1]:
                levels.pop()
                yield type(token).new_borrow_pos("_DEDENT", indent, token)
            if width != levels[-1]:
                raise ParseError("unindent does not match any outer indentation level",
                                 Span(self.source, line, 1, max(width, 1)),
                                 hint="a job's body lines all share one indentation")
        while len(levels) > 1 and token is not None:
            levels.pop()
            yield type(token).new_borrow_pos("_DEDENT", "", token)

    def error(self, line: int, indent: str, message: str) -> ParseError:
        return ParseError(message, Span(self.source, line, 1, len(indent)),
                          hint="indent with spaces only (or tabs only) throughout the file")


_PARSER: dict[str, Any] = {}
_PARSER_LOCK = _thread.allocate_lock()  # not `threading`: --list need not import it


def _runtime() -> tuple[Any, Indenter, Any]:
    """(parser, its indenter, the module with Lark's classes): the generated
    standalone parser when it matches the shipped grammar, else Lark itself.
    Built once per process."""
    if "parser" not in _PARSER:
        text = grammar_text()
        indenter = Indenter()
        try:
            from runner.syntax import _jobfile_parser as generated
        except ImportError:  # pragma: no cover - the module is committed
            generated = None
        if generated is not None and generated.GRAMMAR == text:
            _PARSER.update(parser=generated.Lark_StandAlone(postlex=indenter), module=generated)
        else:
            import lark

            parser = lark.Lark(text, parser="lalr", lexer="contextual", postlex=indenter, maybe_placeholders=False)
            _PARSER.update(parser=parser, module=lark)
        _PARSER["indenter"] = indenter
    return _PARSER["parser"], _PARSER["indenter"], _PARSER["module"]


def parse_tree(source: Source) -> Any:
    """The Lark parse tree of a Jobfile, or a ParseError."""
    parser, indenter, module = _runtime()
    text = source.text if source.text.endswith("\n") else source.text + "\n"
    with _PARSER_LOCK:
        indenter.source = source
        try:
            return parser.parse(text)
        except module.UnexpectedInput as exc:
            raise _syntax_error(source, text, exc, module) from None


def parse(source: Source, variables: Mapping[str, str] | None = None) -> Document:
    """Parse the Jobfile `source`; `variables` are `VAR=value` overrides."""
    if not source.columns:
        source = Source(source.path, source.text, columns=True)
    return _Builder(source, variables or {}).document(parse_tree(source))


# ------------------------------------------------------------------ syntax errors

_WORDS = {
    "NAME": "a name", "WORD": "a value", "STRING": "a string", "RAW_STRING": "a string",
    "TEXT_BLOCK": "a text block", "COLON": "':'", "WALRUS": "':='", "EQUALS": "'='", "COMMA": "','",
    "COMMAND": "a command line ('$ ...')", "COMMAND_BLOCK": "a command line ('$ ...')",
    "_NL": "the end of the line", "_INDENT": "an indented line", "_DEDENT": "the end of the indented block",
    "ENV": "'env'", "IMPORT": "'import'", "$END": "the end of the file",
}
_ORDER = list(_WORDS)


def _describe_expected(expected: set[str]) -> str:
    words: list[str] = []
    for name in sorted(expected, key=lambda n: _ORDER.index(n) if n in _ORDER else len(_ORDER)):
        word = _WORDS.get(name, f"'{name.lower()}'")
        if word not in words:
            words.append(word)
    if not words:
        return "something else"
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _describe_token(token: Any) -> str:
    kind = token.type
    if kind in ("_NL", "$END"):
        return "the end of the line" if kind == "_NL" else "the end of the file"
    if kind == "_INDENT":
        return "indentation"
    if kind == "_DEDENT":
        return "the end of the indented block"
    if kind in ("COMMAND", "COMMAND_BLOCK"):
        return "a command line"
    text = str(token).splitlines()[0] if str(token) else ""
    return f"'{text}'"


def _syntax_error(source: Source, text: str, exc: Any, module: Any) -> ParseError:
    line, col = exc.line, exc.column
    if isinstance(exc, module.UnexpectedCharacters):
        return _bad_character(source, text, exc)
    token = getattr(exc, "token", None)
    expected = set(getattr(exc, "expected", ()) or ())
    if token is None or token.type == "$END":
        last = text.rstrip("\n").count("\n") + 1
        return ParseError(f"expected {_describe_expected(expected)}, found the end of the file",
                          Span(source, last, len(source.line(last)) + 1))
    if token.type in ("_NL", "_INDENT", "_DEDENT"):
        line, col = token.end_line, (len(token.value.rsplit("\n", 1)[-1]) + 1 if "\n" in token.value else col)
        if token.type == "_NL":
            line, col = token.line, token.column
    message = f"expected {_describe_expected(expected)}, found {_describe_token(token)}"
    width = max(1, len(str(token).splitlines()[0])) if token.type not in ("_NL", "_INDENT", "_DEDENT") else 1
    return ParseError(message, Span(source, line, col, width),
                      hint=_hint(token, expected, source.line(line), col))


_RESERVED_SYNTAX = {"env": "`env NAME = value`", "import": '`import "file"`'}


def _reserved_word_hint(word: str) -> str:
    """For a line that starts with `env` or `import` but goes wrong at once:
    most likely a job of that name."""
    return (f"'{word}' starts an {word} line: {_RESERVED_SYNTAX[word]}; "
            f"to name a job env, import or default, quote it: \"{word}\":")


def _hint(token: Any, expected: set[str], line_text: str, col: int) -> str | None:
    kind = token.type
    before = line_text[:col - 1].split()
    if len(before) == 1 and before[0] in _RESERVED_SYNTAX and line_text.startswith(before[0]):
        return _reserved_word_hint(before[0])  # the keyword, then straight away something else
    if kind == "_NL" and {"COLON", "EQUALS"} <= expected:
        return "a job header is `name: dependencies`; a setting is `name = value`"
    if kind in ("COMMAND", "COMMAND_BLOCK") and "COMMAND" not in expected:
        return "command lines go in a job's body: indent them under its `name:` header"
    if kind == "_INDENT":
        return "only a job's body is indented, under its `name:` header, and all at one depth"
    if kind == "COLON" and "_NL" in expected:
        return "body lines are `key value`, without ':' (a job header is not indented)"
    if kind == "NAME" and expected <= {"COLON", "WALRUS", "EQUALS"}:
        return "a job header is `name: dependencies`; put dependencies after the ':'"
    if kind == "EQUALS" and "_NL" in expected:
        return "quote values that contain '=' or ','"
    if kind == "WORD" and "NAME" in expected:
        return "job names use letters, digits, '_', '.' and '-'"
    return None


def _bad_character(source: Source, text: str, exc: Any) -> ParseError:
    line, col, char = exc.line, exc.column, exc.char
    line_text = source.line(line)
    rest = line_text[col - 1:]
    span = Span(source, line, col, 1)
    opening = line_text[max(col - 3, 0):col]
    if rest.startswith(('"""', "'''")) or opening in ('"""', "'''"):
        quotes = rest[:3] if rest.startswith(('"""', "'''")) else opening
        start = col if rest.startswith(quotes) else col - 2
        return ParseError("unterminated text block: no closing " + quotes, Span(source, line, start, 3),
                           hint=f"close the block with {quotes} on a line of its own")
    if char in "\"'" and rest[1:].find(char) == -1:
        return ParseError("unterminated string", span,
                          hint=f"add the closing {char} on the same line, or use a \"\"\" text block")
    if char == "\t" or char == " ":
        return ParseError("unexpected whitespace", span)
    shown = repr(char)[1:-1]
    expected = _describe_expected(set(getattr(exc, "allowed", ()) or ()))
    return ParseError(f"expected {expected}, found '{shown}'", span)


# ------------------------------------------------------------------ values

_VARIABLE_RE = re.compile(r"\$\$\{|\$\{([^}]*)\}")
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

SETTINGS = ("name", "version", "description", "max_retries", "timeout", "max_concurrent_jobs", "memory_budget")
JOB_KEYS = (
    "name", "description", "type", "command", "python", "script", "args", "http", "header", "body", "workdir",
    "timeout", "time_limit", "retry", "memory", "cpu", "env", "tags", "inputs", "outputs",
    "only_if_branch", "skip_if_failed", "run_if",
)
_REPEATABLE = {"command", "args", "header", "env", "tags", "inputs", "outputs", "skip_if_failed"}


def text_block(raw: str) -> str:
    """The content of a \"\"\"...\"\"\" block. When the opening quotes end their
    line and the closing quotes start theirs, the block is the lines between,
    each with a newline, less the closing line's indentation; otherwise it is
    exactly what is between the quotes."""
    body = raw[3:-3]
    first_newline = body.find("\n")
    last_newline = body.rfind("\n")
    if first_newline == -1 or body[:first_newline].strip() or body[last_newline + 1:].strip():
        return body
    margin = body[last_newline + 1:]
    lines = body[first_newline + 1:last_newline + 1].split("\n")[:-1]
    out = []
    for line in lines:
        if line.startswith(margin):
            out.append(line[len(margin):])
        elif not line.strip():
            out.append("")
        else:
            return body  # a line left of the closing quotes: take the text as written
    return "".join(line + "\n" for line in out)


class _Builder:
    """Walks the parse tree into a Document, interpolating `${VAR}`."""

    def __init__(self, source: Source, overrides: Mapping[str, str]) -> None:
        self.source = source
        self.overrides = dict(overrides)
        self.definitions: dict[str, Any] = {}  # name -> value tree
        self.resolved: dict[str, str] = dict(overrides)
        self.env_names: set[str] = set()  # names this file's env lines set
        self.resolving: list[str] = []
        self.lines = source.text.split("\n")

    # -------------------------------------------------------------- positions

    def span(self, token: Any) -> Span:
        first = str(token).split("\n", 1)[0]
        return Span(self.source, token.line, token.column, max(1, len(first)))

    def fail(self, token: Any, message: str, hint: str | None = None) -> ValidationError:
        return ValidationError(message, self.span(token), hint=hint)

    def span_of(self, token: Any, needle: str) -> Span:
        """Where `needle` is written inside `token`, or the token itself."""
        raw = str(token)
        index = raw.find(needle)
        if index == -1:
            return self.span(token)
        before = raw[:index]
        line = token.line + before.count("\n")
        col = (token.column + index) if "\n" not in before else len(before) - before.rfind("\n")
        return Span(self.source, line, col, len(needle))

    @staticmethod
    def pos(token: Any) -> tuple[int, int, int]:
        return token.line, token.column, max(1, len(str(token).split("\n", 1)[0]))

    # -------------------------------------------------------------- values

    def value(self, tree: Any, runtime: bool = False) -> str:
        """A `value` tree's text: unquoted, unescaped, interpolated (see
        `interpolate` for `runtime`)."""
        token = tree.children[0] if hasattr(tree, "children") else tree
        raw = str(token)
        kind = token.type
        if kind == "STRING" and "\\" not in raw:
            text = raw[1:-1]  # nothing to unescape
        elif kind == "STRING":
            import json

            try:
                text = json.loads(raw, strict=False)
            except json.JSONDecodeError as exc:
                raise self.fail(token, f"invalid escape in string: {exc.msg}",
                                "strings use JSON escapes: \\\" \\\\ \\n \\t \\uXXXX") from None
        elif kind == "RAW_STRING":
            text = raw[1:-1]
        elif kind == "TEXT_BLOCK":
            text = text_block(raw)
        else:
            text = raw
        return self.interpolate(text, token, runtime)

    def interpolate(self, text: str, token: Any, runtime: bool = False) -> str:
        """Replace `${NAME}` by the Jobfile variable NAME. Elsewhere NAME is an
        environment variable: in `runtime` text (command lines, env values,
        workdir), which jobrun or the shell expand in the job's environment
        when it runs, `${NAME}` is kept for then; in other values it is
        replaced by jobrun's environment now. Unknown names are errors."""
        if "$" not in text:
            return text

        def replace(match: re.Match[str]) -> str:
            if match.group(0) == "$${":
                return "${"
            return self.variable(match.group(1), token, runtime)

        return _VARIABLE_RE.sub(replace, text)

    def variable(self, name: str, token: Any, runtime: bool = False) -> str:
        if name in self.resolved:
            return self.resolved[name]
        if not _NAME_RE.fullmatch(name):
            raise self.fail(token, f"'${{{name}}}' is not a variable reference",
                            "write $${ for a literal '${'")
        if name not in self.definitions and runtime and (name in self.env_names or name in os.environ):
            return "${" + name + "}"  # the job's environment decides, when it runs
        if name in self.definitions:
            if name in self.resolving:
                chain = " -> ".join(self.resolving[self.resolving.index(name):] + [name])
                raise self.fail(token, f"variable '{name}' refers to itself: {chain}")
            self.resolving.append(name)
            try:
                value = self.value(self.definitions[name])
            finally:
                self.resolving.pop()
        elif name in os.environ:
            return os.environ[name]
        else:
            hint = did_you_mean(name, self.definitions) or (
                f"'{name}' is set by an env line, which jobs see when they run; to use it here too, "
                f"define a variable: `{name} := value`" if name in self.env_names else
                f"define it in the file, e.g. `{name} := \"...\"`, or set it in the environment")
            raise ValidationError(f"undefined variable '{name}'", self.span_of(token, "${" + name + "}"), hint=hint)
        self.resolved[name] = value
        return value

    def values(self, args: list[Any], runtime: bool = False) -> list[tuple[Any, str]]:
        """(token, text) for the plain values among args (commas dropped)."""
        out = []
        for arg in args:
            if getattr(arg, "type", None) == "COMMA":
                continue
            if getattr(arg, "type", None) == "EQUALS":
                raise self.fail(arg, "unexpected '='", "quote values that contain '='")
            out.append((arg.children[0], self.value(arg, runtime)))
        return out

    # -------------------------------------------------------------- document

    def document(self, tree: Any) -> Document:
        items = tree.children
        self.env_names = _env_names(items)
        for item in items:
            if item.data == "variable":
                name_token, _, value = item.children
                name = str(name_token)
                if name in self.definitions:
                    raise self.fail(name_token, f"variable '{name}' is defined twice")
                self.definitions[name] = value
        for name, value in self.definitions.items():  # every definition must be valid, used or not
            self.variable(name, value.children[0])
        settings: dict[str, Any] = {}
        spans = SpanTable(self.source)
        environment: dict[str, str] = {}
        imports: list[Import] = []
        default: tuple[str, ...] = ()
        jobs: list[Job] = []
        for item in items:
            kind = item.data
            if kind == "setting":
                self.setting(item, settings, spans)
            elif kind == "env":
                name, _, value = item.children
                if str(name) in environment:
                    raise self.fail(name, f"environment variable '{name}' is set twice")
                environment[str(name)] = self.value(value, runtime=True)
                spans.raw.setdefault("environment", self.pos(name))
            elif kind == "import_":
                token = item.children[0].children[0]
                imports.append(Import(self.value(item.children[0]), self.span(token)))
            elif kind == "job":
                name = item.children[0]
                if name.type == "NAME" and str(name) == "default":
                    if default:
                        raise self.fail(name, "the default target is set twice")
                    default = self.default(item, spans)
                else:
                    jobs.append(self.job(item))
        config = GlobalConfig(**{k: v for k, v in settings.items() if k in GlobalConfig.__dataclass_fields__})
        return Document(
            self.source, name=settings.get("name"), version=settings.get("version"),
            description=settings.get("description"), config=config, environment=environment,
            imports=tuple(imports), default=default, jobs=tuple(jobs),
            variables=tuple(self.definitions), spans=spans,
        )

    def setting(self, item: Any, settings: dict[str, Any], spans: SpanTable) -> None:
        name_token, _, value_tree = item.children
        name = str(name_token)
        if name not in SETTINGS:
            hint = did_you_mean(name, SETTINGS)
            if hint is None and _NAME_RE.fullmatch(name):
                hint = f"settings are {', '.join(SETTINGS)}; define a variable with `{name} := value`"
            raise self.fail(name_token, f"unknown setting '{name}'", hint)
        key = "memory_budget_mb" if name == "memory_budget" else name
        if key in settings:
            raise self.fail(name_token, f"setting '{name}' is given twice")
        token = value_tree.children[0]
        text = self.value(value_tree)
        spans.raw[f"global_config.{key}"] = self.pos(token)
        if name in ("name", "version", "description"):
            settings[key] = text
        elif name in ("max_retries", "max_concurrent_jobs"):
            settings[key] = self.integer(token, text, name)
        elif name == "timeout":
            settings[key] = self.measure(token, text, name, parse_duration, "a duration like 90, 30s, 5m or 1h30m")
        else:
            settings[key] = self.measure(token, text, name, parse_size, "a size like 512MB or 2GB")

    def integer(self, token: Any, text: str, what: str) -> int:
        try:
            return int(text)
        except ValueError:
            raise self.fail(token, f"{what} must be a whole number, not '{text}'") from None

    def measure(self, token: Any, text: str, what: str, parse: Any, example: str) -> float:
        value = parse(text)
        if value is None:
            raise self.fail(token, f"{what} must be {example}, not '{text}'")
        return float(value)

    def default(self, item: Any, spans: SpanTable) -> tuple[str, ...]:
        name, _, *rest = item.children
        if rest and getattr(rest[-1], "data", None) == "body":
            raise self.fail(name, "'default' names the default targets and has no body",
                            'write `default: target...`; a job called default is written "default":')
        for i, token in enumerate(rest):
            spans.raw[f"default.{i}"] = self.pos(token)
        return tuple(self.name(t) for t in rest)

    def name(self, token: Any) -> str:
        """A job name in a header: a bare name, or a quoted one (any id)."""
        return str(token) if token.type == "NAME" else self.value(token)

    # -------------------------------------------------------------- jobs

    def job(self, item: Any) -> Job:
        name_token, _, *rest = item.children
        body = rest.pop() if rest and getattr(rest[-1], "data", None) == "body" else None
        job_id = self.name(name_token)
        spans = SpanTable(self.source)
        spans.raw["id"] = self.pos(name_token)
        for i, dep in enumerate(rest):
            spans.raw[f"dependencies.{i}"] = self.pos(dep)
        fields: dict[str, Any] = {"id": job_id, "dependencies": tuple(self.name(d) for d in rest)}
        doc = self.doc_comment(name_token.line)
        if doc is not None:
            fields["description"] = doc
        builder = _JobBody(self, job_id, fields, spans)
        for line in body.children if body is not None else ():
            if line.data == "command":
                builder.command(line.children[0])
            else:
                builder.entry(line.children[0], line.children[1:])
        return builder.finish(name_token)

    def doc_comment(self, header_line: int) -> str | None:
        """`## text` lines right above a job header (column 0), joined."""
        found: list[str] = []
        number = header_line - 1
        while number >= 1 and self.lines[number - 1].startswith("##"):
            text = self.lines[number - 1][2:].rstrip("\r")
            found.append(text[1:] if text.startswith(" ") else text)
            number -= 1
        return "\n".join(reversed(found)) if found else None


def _env_names(items: list[Any]) -> set[str]:
    """Names set by the file's env lines, workflow-wide or in any job."""
    names: set[str] = set()
    for item in items:
        if item.data == "env":
            names.add(str(item.children[0]))
        elif item.data == "job" and getattr(item.children[-1], "data", None) == "body":
            for line in item.children[-1].children:
                if line.data == "entry" and str(line.children[0]) == "env" and len(line.children) > 1:
                    first = line.children[1]
                    if getattr(first, "data", None) == "value":
                        names.add(str(first.children[0]).strip("\"'"))
    return names


class _JobBody:
    """Collects one job's body lines into Job fields."""

    def __init__(self, builder: _Builder, job_id: str, fields: dict[str, Any], spans: SpanTable) -> None:
        self.b = builder
        self.job_id = job_id
        self.fields = fields
        self.spans = spans
        self.commands: list[str] = []
        self.command_token: Any = None
        self.type_token: Any = None
        self.seen: dict[str, Any] = {}
        self.retry: dict[str, Any] = {}
        self.limits: dict[str, Any] = {}
        self.conditions: dict[str, Any] = {}
        self.environment: dict[str, str] = {}
        self.headers: dict[str, str] = {}

    def fail(self, token: Any, message: str, hint: str | None = None) -> ValidationError:
        return self.b.fail(token, message, hint)

    def set_type(self, token: Any, job_type: str) -> None:
        current = self.fields.get("job_type")
        if current is not None and current != job_type:
            raise self.fail(token, f"job '{self.job_id}' is both a {current} job and a {job_type} job",
                            "a job does one kind of thing: commands, a script, python code or an http request")
        self.fields["job_type"] = job_type
        self.type_token = self.type_token or token
        self.spans.raw.setdefault("job_type", self.b.pos(token))

    def command(self, token: Any, text: str | None = None) -> None:
        """A `$ ...` line, or (with `text`) a `command "..."` line."""
        if text is None:
            raw = str(token)[1:].strip()
            if raw.startswith(('"""', "'''")) and token.type == "COMMAND_BLOCK":
                text = self.b.interpolate(text_block(raw), token, runtime=True)
            else:
                text = self.b.interpolate(raw, token, runtime=True)
        if not text.strip():
            raise self.fail(token, f"job '{self.job_id}' has an empty command line")
        self.spans.raw[f"commands.{len(self.commands)}"] = self.b.pos(token)
        self.spans.raw.setdefault("command", self.b.pos(token))
        self.commands.append(text)
        self.command_token = self.command_token or token

    def entry(self, key_token: Any, args: list[Any]) -> None:
        key = str(key_token)
        first = args[0].children[0] if args and getattr(args[0], "data", None) == "value" else None
        if first is not None and first.type == "WORD" and str(first).startswith(":"):
            raise self.fail(first, f"unexpected ':' after '{key}'",
                            "body lines are `key value`, without ':' (a job header is not indented)")
        if key not in JOB_KEYS:
            hint = did_you_mean(key, JOB_KEYS)
            if key in ("run", "cmd", "sh", "shell"):
                hint = "write command lines as `$ command`"
            raise self.fail(key_token, f"unknown key '{key}' in job '{self.job_id}'", hint)
        if key in self.seen and key not in _REPEATABLE:
            raise self.fail(key_token, f"'{key}' is given twice in job '{self.job_id}' "
                            f"(first at line {self.seen[key].line})")
        self.seen.setdefault(key, key_token)
        getattr(self, "key_" + key)(key_token, args)

    # one method per key ---------------------------------------------------

    def one(self, key_token: Any, args: list[Any], what: str, runtime: bool = False) -> tuple[Any, str]:
        values = self.b.values(args, runtime)
        if len(values) != 1:
            shown = f"{len(values)} values" if values else "nothing"
            raise self.fail(values[1][0] if len(values) > 1 else key_token,
                            f"'{key_token}' takes one {what}, not {shown}")
        return values[0]

    def pairs(self, key_token: Any, args: list[Any]) -> tuple[Any, str, str]:
        """`key NAME = VALUE`."""
        if len(args) != 3 or getattr(args[1], "type", None) != "EQUALS" or getattr(args[0], "data", None) != "value":
            raise self.fail(key_token, f"write '{key_token} NAME = VALUE'")
        name_token = args[0].children[0]
        return name_token, self.b.value(args[0]), self.b.value(args[2], runtime=str(key_token) == "env")

    def key_name(self, key_token: Any, args: list[Any]) -> None:
        token, self.fields["name"] = self.one(key_token, args, "name")
        self.spans.raw["name"] = self.b.pos(token)

    def key_description(self, key_token: Any, args: list[Any]) -> None:
        if "description" in self.fields:
            raise self.fail(key_token, f"job '{self.job_id}' has both a ## doc comment and a description")
        token, self.fields["description"] = self.one(key_token, args, "description")

    def key_type(self, key_token: Any, args: list[Any]) -> None:
        token, value = self.one(key_token, args, "job type")
        self.set_type(token, value)

    def key_command(self, key_token: Any, args: list[Any]) -> None:
        token, text = self.one(key_token, args, "command (as a string)", runtime=True)
        self.command(token, text)

    def key_python(self, key_token: Any, args: list[Any]) -> None:
        token, self.fields["code"] = self.one(key_token, args, "block of code")
        self.set_type(key_token, "python")
        self.spans.raw["command"] = self.b.pos(token)

    def key_script(self, key_token: Any, args: list[Any]) -> None:
        values = self.b.values(args)
        if not values:
            raise self.fail(key_token, "'script' needs the script's path")
        self.set_type(key_token, "script")
        self.fields["script_path"] = values[0][1]
        self.spans.raw["script_path"] = self.b.pos(values[0][0])
        self.add_list("args", values[1:])

    def key_args(self, key_token: Any, args: list[Any]) -> None:
        self.spans.raw.setdefault("args", self.b.pos(key_token))
        self.add_list("args", self.b.values(args))

    def key_http(self, key_token: Any, args: list[Any]) -> None:
        values = self.b.values(args)
        self.set_type(key_token, "http")
        if values and values[0][1].upper() in HTTP_METHODS:
            token, method = values.pop(0)
            self.fields["method"] = method
            self.spans.raw["method"] = self.b.pos(token)
        if not values:
            raise self.fail(key_token, "'http' needs a URL", 'write `http [METHOD] "URL" [expect CODE...]`')
        token, self.fields["url"] = values.pop(0)
        self.spans.raw["url"] = self.b.pos(token)
        if values:
            token, word = values.pop(0)
            if word != "expect" or not values:
                raise self.fail(token, f"unexpected '{word}' in the http line",
                                'write `http [METHOD] "URL" [expect CODE...]`')
            self.spans.raw["expected_status"] = self.b.pos(values[0][0])
            self.fields["expected_status"] = tuple(self.b.integer(t, v, "an expected status") for t, v in values)

    def key_header(self, key_token: Any, args: list[Any]) -> None:
        name_token, name, value = self.pairs(key_token, args)
        if name in self.headers:
            raise self.fail(name_token, f"header '{name}' is set twice")
        self.headers[name] = value
        self.spans.raw.setdefault("headers", self.b.pos(name_token))

    def key_body(self, key_token: Any, args: list[Any]) -> None:
        token, self.fields["body"] = self.one(key_token, args, "body")
        self.spans.raw["body"] = self.b.pos(token)

    def key_workdir(self, key_token: Any, args: list[Any]) -> None:
        token, self.fields["working_directory"] = self.one(key_token, args, "directory", runtime=True)
        self.spans.raw["working_directory"] = self.b.pos(token)

    def measured(self, key_token: Any, args: list[Any], span_key: str, duration: bool) -> float:
        """A `key DURATION` or `key SIZE` line's value, its span recorded."""
        what, parse, example = (("duration", parse_duration, "a duration like 90, 30s or 5m") if duration
                                else ("size", parse_size, "a size like 512MB or 2GB"))
        token, text = self.one(key_token, args, what)
        self.spans.raw[span_key] = self.b.pos(token)
        return self.b.measure(token, text, str(key_token), parse, example)

    def key_timeout(self, key_token: Any, args: list[Any]) -> None:
        self.fields["timeout"] = self.measured(key_token, args, "timeout", duration=True)

    def key_time_limit(self, key_token: Any, args: list[Any]) -> None:
        self.limits["max_execution_time"] = self.measured(key_token, args, "resource_limits.max_execution_time",
                                                          duration=True)

    def key_memory(self, key_token: Any, args: list[Any]) -> None:
        self.limits["max_memory_mb"] = self.measured(key_token, args, "resource_limits.max_memory_mb", duration=False)

    def key_cpu(self, key_token: Any, args: list[Any]) -> None:
        token, text = self.one(key_token, args, "percentage")
        number = parse_number(text[:-1] if text.endswith("%") else text)
        if number is None:
            raise self.fail(token, f"cpu must be a percentage of one core like 50% or 200%, not '{text}'")
        self.limits["max_cpu_percent"] = number
        self.spans.raw["resource_limits.max_cpu_percent"] = self.b.pos(token)

    def key_retry(self, key_token: Any, args: list[Any]) -> None:
        values = self.b.values(args)
        usage = "write `retry [N] [delay 1s] [backoff 2] [max 60s]` (N retries after the first attempt)"
        if values and parse_number(values[0][1]) is not None:
            token, text = values.pop(0)
            self.retry["max_attempts"] = self.b.integer(token, text, "the retry count") + 1
            self.spans.raw["retry_config.max_attempts"] = self.b.pos(token)
        while values:
            token, word = values.pop(0)
            if word not in ("delay", "backoff", "max") or not values:
                raise self.fail(token, f"unexpected '{word}' in the retry line", usage)
            value_token, text = values.pop(0)
            if word == "backoff":
                number = parse_number(text)
                if number is None:
                    raise self.fail(value_token, f"backoff must be a number, not '{text}'")
                self.retry["backoff_factor"] = number
                self.spans.raw["retry_config.backoff_factor"] = self.b.pos(value_token)
            else:
                key = "initial_delay" if word == "delay" else "max_delay"
                self.retry[key] = self.b.measure(value_token, text, word, parse_duration, "a duration like 1s")
                self.spans.raw[f"retry_config.{key}"] = self.b.pos(value_token)
        self.fields["retry"] = None  # marks the key as given, even when bare

    def key_env(self, key_token: Any, args: list[Any]) -> None:
        name_token, name, value = self.pairs(key_token, args)
        if name in self.environment:
            raise self.fail(name_token, f"environment variable '{name}' is set twice in job '{self.job_id}'")
        self.environment[name] = value
        self.spans.raw.setdefault("environment", self.b.pos(name_token))

    def add_list(self, key: str, values: list[tuple[Any, str]]) -> None:
        current = list(self.fields.get(key, ()))
        for token, text in values:
            self.spans.raw[f"{key}.{len(current)}"] = self.b.pos(token)
            current.append(text)
        self.fields[key] = tuple(current)

    def key_tags(self, key_token: Any, args: list[Any]) -> None:
        self.add_list("tags", self.b.values(args))

    def key_inputs(self, key_token: Any, args: list[Any]) -> None:
        self.add_list("inputs", self.b.values(args))

    def key_outputs(self, key_token: Any, args: list[Any]) -> None:
        self.add_list("outputs", self.b.values(args))

    def key_only_if_branch(self, key_token: Any, args: list[Any]) -> None:
        token, self.conditions["only_if_branch"] = self.one(key_token, args, "branch pattern")
        self.spans.raw["conditions.only_if_branch"] = self.b.pos(token)

    def key_run_if(self, key_token: Any, args: list[Any]) -> None:
        token, self.conditions["run_if"] = self.one(key_token, args, "of success, failure or always")
        self.spans.raw["conditions.run_if"] = self.b.pos(token)

    def key_skip_if_failed(self, key_token: Any, args: list[Any]) -> None:
        values = self.b.values(args)
        current = list(self.conditions.get("skip_if_failed", ()))
        for token, text in values:
            self.spans.raw[f"conditions.skip_if_failed.{len(current)}"] = self.b.pos(token)
            current.append(text)
        self.conditions["skip_if_failed"] = tuple(current)

    # -----------------------------------------------------------------------

    def finish(self, name_token: Any) -> Job:
        fields = self.fields
        job_type = fields.get("job_type")
        if self.commands:
            if job_type in ("script", "python", "http"):
                raise self.fail(self.command_token, f"{job_type} job '{self.job_id}' also has command lines",
                                "a job does one kind of thing: commands, a script, python code or an http request")
            fields["commands"] = tuple(self.commands)
        fields["job_type"] = job_type or "command"
        if "retry" in fields:
            fields["retry"] = RetryConfig(**self.retry)
        if self.limits:
            fields["limits"] = ResourceLimits(**self.limits)
        if self.conditions:
            fields["conditions"] = Conditions(**self.conditions)
        if self.environment:
            fields["environment"] = self.environment
        if self.headers:
            fields["headers"] = self.headers
        return Job(source=self.b.source, spans=self.spans, **fields)
