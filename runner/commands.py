"""What each command does: load the workflow, make the plan, hand it to a
reporter (or, for a run, to the executor). Called by `cli` with parsed args."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

from runner.cli import Invocation
from runner.errors import UsageError
from runner.ir import Document, Workflow
from runner.load import load_workflow
from runner.plan import Plan, make_plan, select

if TYPE_CHECKING:
    from runner.orchestrator import Orchestrator

T = TypeVar("T")


def carry_out(inv: Invocation, out: TextIO, err: TextIO) -> int | Callable[[], int]:
    """`dispatch`, a run's start-up on a thread of its own (see
    `on_a_thread_of_its_own`): the run itself is for the caller to start."""
    if inv.runs_jobs:
        return on_a_thread_of_its_own(lambda: dispatch(inv, out, err))
    return dispatch(inv, out, err)


def on_a_thread_of_its_own(work: Callable[[], T]) -> T:
    """`work()` (the start-up of a run: reading, checking and planning the
    workflow, setting the run up), run on a short-lived thread while this one
    waits; its result, or its exception raised here.

    This is for the run loop that follows on this thread. Linux starts a new
    process on the CPU with the least recent load (PELT, 32 ms half-life), and
    a start-up of ~100 ms of solid work would leave this thread's CPU looking
    busy: nearly every job would then be started on the other CPU, each start
    waiting for two cross-CPU wake-ups (~0.6 ms instead of ~0.25 ms on a
    2-core VM) for the whole run. A thread that has ended takes its load
    with it, so the loop starts on a quiet CPU and its jobs start beside it
    (see bench/spawn_cost.py)."""
    import threading

    result: list[tuple[bool, Any]] = []

    def target() -> None:
        try:
            result.append((True, work()))
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread as it is
            result.append((False, exc))

    thread = threading.Thread(target=target, name="jobrun-start-up", daemon=True)
    try:
        thread.start()
    except RuntimeError:  # no thread to be had (a pids limit): start-up runs here, only slower to spawn
        return work()
    thread.join()  # Ctrl-C meanwhile raises KeyboardInterrupt here (the daemon thread dies with the process)
    done, value = result[0]
    if not done:
        raise value
    return value  # type: ignore[no-any-return]


def dispatch(inv: Invocation, out: TextIO, err: TextIO) -> int | Callable[[], int]:
    """Carry out the command: its exit status; for a run, what starts it."""
    if inv.command == "create":
        return create(inv, out)
    if inv.command == "convert":
        return convert(inv, out)
    if inv.command == "analyze":
        return analyze(inv, out)
    args = inv.args
    with gc_paused():
        workflow = load(inv)
        if args.list:
            from runner.report.listing import render_list

            out.write(render_list(workflow))
            return 0
        plan = plan_for(workflow, inv)
        if args.graph:
            from runner.report.graph import render

            out.write(render(plan, args.graph))
            return 0
        if args.dry_run:
            from runner.orchestrator import check_resources
            from runner.report.listing import render_dry_run

            check_resources(workflow, plan)
            out.write(render_dry_run(plan))
            return 0
        orchestrator = prepare_run(inv, workflow, out, err)
    return lambda: orchestrator.run(plan=plan).exit_code


def load(inv: Invocation) -> Workflow:
    return load_workflow(inv.file, inv.variables)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Loading, planning and setting a run up allocate many objects that all
    live to the end; the cyclic GC would only rescan them (4x slower on
    100,000 jobs). Pause it, then freeze what was built so later collections
    (the run's own) skip it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def split_tags(values: list[str]) -> list[str]:
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def plan_for(workflow: Workflow, inv: Invocation) -> Plan:
    from runner.state import StateStore

    selected = select(workflow, inv.targets, split_tags(inv.args.tags), split_tags(inv.args.skip_tags))
    durations = StateStore(workflow.state_dir).estimates(workflow.jobs[i].id for i in selected)
    return make_plan(workflow, selected, durations)


def prepare_run(inv: Invocation, workflow: Workflow, out: TextIO, err: TextIO) -> Orchestrator:
    """The orchestrator for a run from the command line, its reporters set up."""
    from runner.cli import use_color
    from runner.orchestrator import Orchestrator
    from runner.report.console import Console

    args = inv.args
    reporters: list[Any] = []
    if args.output:
        results = Path(args.output)
        folder = results.parent if str(results.parent) else Path(".")
        if results.is_dir() or not folder.is_dir() or not os.access(results if results.exists() else folder, os.W_OK):
            raise UsageError(f"cannot write results to '{args.output}'",
                             hint="name a file in a directory that exists and is writable")
        from runner.report.results import ResultsFile

        reporters.append(ResultsFile(results))
    live = args.live if args.live is not None else out.isatty()
    console = Console(out, err, color=use_color(args.color, out), err_color=use_color(args.color, err),
                      verbose=args.verbose, quiet=args.quiet, stream=args.stream)
    if live and not args.quiet:
        from runner.report.live import LiveConsole

        console = LiveConsole(console)
    reporters.insert(0, console)
    return Orchestrator(workflow, max_concurrent=args.jobs, keep_going=args.keep_going,
                        reporters=reporters, err=err, exclusive=True)


def write_text(path: str, text: str, what: str) -> None:
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {what} to '{path}': {exc.strerror}") from None


def analyze(inv: Invocation, out: TextIO) -> int:
    from runner.report.analyze import analysis, render

    if inv.targets:
        raise UsageError(f"analyze takes one job file, not '{inv.targets[0]}'",
                         hint="analyze looks at the whole workflow; use --graph to see a selection")
    from runner.state import StateStore

    with gc_paused():
        workflow = load(inv)
        durations = StateStore(workflow.state_dir).estimates(job.id for job in workflow.jobs)
        data = analysis(make_plan(workflow, durations=durations))
    out.write(render(data, getattr(out, "encoding", None)))
    if inv.args.output:
        import json

        write_text(inv.args.output, json.dumps(data, indent=2, ensure_ascii=False) + "\n", "the analysis")
    return 0


def render_document(doc: Document, target: Path) -> str:
    from runner.load import file_format
    from runner.syntax import emit

    fmt = file_format(target)
    if fmt == "json":
        return emit.dump_json(emit.to_data(doc))
    if fmt == "yaml":
        return emit.dump_yaml(emit.to_data(doc))
    return emit.to_jobfile(doc)


def create(inv: Invocation, out: TextIO) -> int:
    from runner.sample import sample_workflow
    from runner.source import Source
    from runner.syntax import data, emit

    target = Path(inv.args.output)
    if target.exists():
        raise UsageError(f"'{target}' already exists; not overwriting it",
                         hint="pass another --output, or remove the file first")
    sample = sample_workflow(inv.args.name)
    doc = data.parse(Source(target.with_suffix(".yaml"), emit.dump_yaml(sample)))
    write_text(str(target), render_document(doc, target), "the sample workflow")
    out.write(f"Wrote {target} ({len(doc.jobs)} jobs). Run it with: jobrun run {target}\n")
    return 0


def convert(inv: Invocation, out: TextIO) -> int:
    """Translate one file; its imports stay imports. The input is validated
    first (imports included), so nothing invalid is written."""
    source, target = Path(inv.args.input), Path(inv.args.output)
    if source.resolve() == target.resolve():
        raise UsageError(f"convert would overwrite its input '{source}'")
    if source.resolve().parent != target.resolve().parent:
        raise UsageError(f"convert writes '{target}' beside '{source}' only",
                         hint="paths in a workflow are relative to its file's directory: "
                              "write the output in the same directory, then move both")
    with gc_paused():
        workflow = load_workflow(source, inv.variables)
    write_text(str(target), render_document(workflow.documents[0], target), "the converted workflow")
    out.write(f"Wrote {target} ({len(workflow.documents[0].jobs)} jobs)\n")
    return 0
