"""Finding and reading job files, and following their imports.

    find_job_file -> parse_file (Jobfile | YAML | JSON) -> load_documents
    (imports, each file once, cycles refused) -> resolve -> Workflow
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from runner import log
from runner.errors import LoadError, UsageError
from runner.ir import Document, Import, Workflow, state_dir_of
from runner.resolve import resolve
from runner.source import Source
from runner.suggest import did_you_mean

JOB_FILE_NAMES = ("Jobfile", "jobrun.yaml", "jobrun.yml", "jobrun.json")


def find_job_file(start: Path | None = None) -> Path:
    """The first job file in `start` (default: the cwd) or its parents."""
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        for name in JOB_FILE_NAMES:
            candidate = directory / name
            if candidate.is_file():
                return candidate
    raise LoadError(f"no job file found in {here} or its parents (looked for {', '.join(JOB_FILE_NAMES)})")


def file_format(path: Path) -> str:
    """"yaml", "json" or "dsl", by extension."""
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix == ".json":
        return "json"
    return "dsl"


def read_source(path: Path, imported_by: Import | None = None) -> Source:
    span = imported_by.span if imported_by else None
    shown = imported_by.path if imported_by else str(path)
    try:
        return Source.read(path)
    except FileNotFoundError:
        verb = "import" if imported_by else "read"
        raise LoadError(f"cannot {verb} '{shown}': no such file", span) from None
    except IsADirectoryError:
        raise LoadError(f"cannot read '{shown}': it is a directory", span) from None
    except UnicodeDecodeError as exc:
        raise LoadError(f"cannot read '{shown}': not UTF-8 text (byte {exc.start})", span) from None
    except OSError as exc:
        raise LoadError(f"cannot read '{shown}': {exc.strerror}", span) from None


def parse_source(source: Source, variables: Mapping[str, str] | None = None,
                 state_dir: Path | None = None) -> Document:
    """The file's Document. A YAML or JSON file's comes from the parse cache
    in `state_dir` when the file has not changed since it was made (see
    `runner.syntax.cache`); None: no cache."""
    fmt = file_format(source.path)
    log.debug("reading %s as %s (%d bytes)", source.display, fmt, len(source.text))
    if fmt == "dsl":
        from runner.syntax import dsl

        return dsl.parse(source, variables or {})
    if state_dir is not None and not state_dir.is_dir():  # no cache before a run has made .jobrun/
        state_dir = None
    if state_dir is not None:
        from runner.syntax import cache

        document = cache.load(source, state_dir)
        if document is not None:
            return document
    from runner.syntax import data

    document = data.parse(source)
    if state_dir is not None:
        cache.store(source, document, state_dir)
    return document


def load_documents(path: Path, variables: Mapping[str, str] | None = None) -> list[Document]:
    """The file at `path` and every file it imports, transitively, in load
    order (depth first, each file once). An import cycle is an error."""
    source = read_source(path)  # first: a path that cannot be read (a symlink loop, say) is a LoadError
    state_dir = state_dir_of(path)
    root = parse_source(source, variables, state_dir)
    documents = [root]
    loaded = {path.resolve()}
    stack: list[tuple[Document, Iterator[Import]]] = [(root, iter(root.imports))]
    while stack:
        doc, pending = stack[-1]
        imp = next(pending, None)
        if imp is None:
            stack.pop()
            continue
        target = (doc.source.directory / imp.path).resolve()
        chain = [d.source.path.resolve() for d, _ in stack]
        if target in chain:
            names = [p.name for p in chain[chain.index(target):]] + [target.name]
            raise LoadError("import cycle: " + " -> ".join(names), imp.span)
        if target in loaded:
            continue
        child = parse_source(read_source(target, imp), variables, state_dir)
        documents.append(child)
        loaded.add(target)
        stack.append((child, iter(child.imports)))
    return documents


def check_overrides(documents: list[Document], variables: Mapping[str, str]) -> None:
    defined = {name for doc in documents for name in doc.variables}
    for name, value in variables.items():
        if name not in defined:
            hint = did_you_mean(name, defined)
            if not defined:
                hint = "variables are defined in a Jobfile with `NAME := value`"
            raise UsageError(f"'{name}={value}' sets unknown variable '{name}'", hint=hint)


def load_workflow(path: str | Path | None = None, variables: Mapping[str, str] | None = None) -> Workflow:
    """Load, follow imports and validate the workflow at `path` (default: the
    job file found from the current directory)."""
    file = Path(path) if path is not None else find_job_file()
    log.debug("job file: %s", file)
    documents = load_documents(file, variables)
    if variables:
        check_overrides(documents, variables)
    return resolve(documents)
