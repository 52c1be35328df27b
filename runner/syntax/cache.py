"""Parsed YAML and JSON workflows, kept between runs in `.jobrun/cache/`.

Importing PyYAML, composing a 1,000-job file and walking its nodes costs
~45 ms on every run, a tenth of what make needs to run those 1,000 jobs; the
`Document` they produce loads from a pickle in ~10 ms. An entry is used only
when the file's text is exactly the text it was made from, by the same
jobrun code on the same Python, so the cache never changes what a file
means: a file edited, reverted or moved is simply parsed again.

Jobfiles are not cached: what they mean depends on the environment
(`$VAR` outside commands) and the `VAR=value` overrides, not on the text alone.

The cache lives in the state directory only once one exists (a first run
makes it), so reading a workflow (`--list`, the API) never litters a
directory. Entries are pickles read with only the IR's own classes allowed
(`_CLASSES`): an entry planted in a repository cannot make reading its
workflow run code.
"""

from __future__ import annotations

import io
import os
import pickle
import sys
import zlib
from pathlib import Path
from typing import Any

from runner import __version__, log
from runner.ir import Document
from runner.source import Source

_SOURCE = "source"  # the persistent id of the file's Source: a cached Document refers to the fresh one


def _code() -> tuple[object, ...]:
    """What a Document's shape depends on besides the text: this jobrun, the
    modules that build the Document, the Python that pickled it."""
    here = Path(__file__).resolve().parent
    stamps = []
    for path in (here / "data.py", here / "spans.py", here.parent / "ir.py", here.parent / "source.py",
                 here.parent / "units.py"):
        try:
            info = os.stat(path)
            stamps.append((info.st_mtime_ns, info.st_size))
        except OSError:
            stamps.append(None)
    return (__version__, sys.hexversion, *stamps)


def _key(source: Source, file: Path) -> tuple[object, ...]:
    """What an entry must have been made from: this code, this file (resolved),
    read as this format (by the name given: a link `ci.yaml -> ci.json` is
    YAML under one name and JSON under the other), this exact text."""
    return _code(), str(file), source.path.suffix.lower() == ".json", source.text


def entry_path(state_dir: Path, file: Path) -> Path:
    """Where the entry for the job file `file` (a resolved path) is kept."""
    return state_dir / "cache" / f"{file.name}-{zlib.crc32(os.fsencode(file)):08x}.pickle"


class _Pickler(pickle.Pickler):
    def __init__(self, out: io.BytesIO, source: Source) -> None:
        super().__init__(out, protocol=pickle.HIGHEST_PROTOCOL)
        self.source = source

    def persistent_id(self, obj: object) -> str | None:
        return _SOURCE if obj is self.source else None


# The only classes an entry may name: what a Document is made of. Anything
# else (a planted entry naming os.system, say) is refused before it is
# called, so reading a workflow never runs code from the cache.
_CLASSES = {
    ("runner.ir", name) for name in
    ("Document", "Job", "Import", "GlobalConfig", "RetryConfig", "ResourceLimits", "Conditions")
} | {("runner.source", "Span"), ("runner.syntax.spans", "Locator"), ("runner.syntax.spans", "PathSpans")}


class _Unpickler(pickle.Unpickler):
    def __init__(self, data: io.BytesIO, source: Source) -> None:
        super().__init__(data)
        self.source = source

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _CLASSES:
            raise pickle.UnpicklingError(f"{module}.{name} has no place in a parse cache entry")
        return super().find_class(module, name)

    def persistent_load(self, pid: object) -> Source:
        if pid != _SOURCE:
            raise pickle.UnpicklingError(f"unknown persistent id {pid!r}")
        return self.source


def load(source: Source, state_dir: Path) -> Document | None:
    """The cached Document of `source`, or None when there is none that was
    made from this exact text by this code (a broken entry counts as none)."""
    file = source.path.resolve()
    path = entry_path(state_dir, file)
    try:
        with open(path, "rb") as f:
            data = io.BytesIO(f.read())
    except OSError:
        return None
    try:
        unpickler = _Unpickler(data, source)
        if unpickler.load() != _key(source, file):
            log.debug("parse cache: %s is stale", path)
            return None
        document = unpickler.load()
    except Exception as exc:  # noqa: BLE001 - a damaged cache file must never stop a run
        log.debug("parse cache: cannot read %s: %r", path, exc)
        return None
    if not isinstance(document, Document) or document.source is not source:
        return None
    log.debug("parse cache: %s from %s", source.display, path)
    return document


def store(source: Source, document: Document, state_dir: Path) -> None:
    """Keep `document` as the parse of `source` in the state directory (which
    exists); failing to is not an error (a read-only checkout, a full disk)."""
    if not os.access(state_dir, os.W_OK):  # a read-only checkout: not worth pickling for
        return
    file = source.path.resolve()
    path = entry_path(state_dir, file)
    partial = path.with_name(f"{path.name}.{os.urandom(6).hex()}.tmp")  # one per writer, whoever it is
    out = io.BytesIO()
    written = False
    try:
        pickler = _Pickler(out, source)
        pickler.dump(_key(source, file))
        pickler.dump(document)
        path.parent.mkdir(exist_ok=True)
        partial.write_bytes(out.getvalue())
        os.replace(partial, path)  # another jobrun reading it sees the old entry or the new, whole
        written = True
    except Exception as exc:  # noqa: BLE001 - the run goes on without a cache
        log.debug("parse cache: cannot write %s: %r", path, exc)
    finally:  # (on Ctrl-C too: no half-written file is left behind)
        if not written:
            try:
                partial.unlink()
            except OSError:
                pass
