"""The command line: parse arguments, call the pipeline, map outcomes to exit
codes. The only place that catches `JobrunError` and prints it.

    jobrun [OPTIONS] [TARGET ...] [VAR=value ...]
    jobrun run [FILE] [OPTIONS] [TARGET ...]
    jobrun analyze [FILE] [-o FILE]
    jobrun create [--name N] [--output F]
    jobrun convert IN OUT
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO

from runner import __version__
from runner.errors import JobrunError, UsageError

SUBCOMMANDS = ("run", "analyze", "create", "convert")
GRAPH_FORMATS = ("text", "dot", "mermaid", "json")

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2
_VARIABLE_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class _Formatter(argparse.HelpFormatter):
    """argparse's help layout. argparse makes one for every option it adds and
    imports shutil (and with it bz2 and lzma) for the terminal's width; the
    width is only needed to print help, and os knows it."""

    def __init__(self, prog: str) -> None:
        try:
            width = int(os.environ["COLUMNS"])
        except (KeyError, ValueError):
            try:
                width = os.get_terminal_size(sys.__stdout__.fileno()).columns if sys.__stdout__ else 80
            except (OSError, ValueError):
                width = 80
        super().__init__(prog, width=width - 2)


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad command line is a UsageError like any other, and
    every word after the first `--` is an operand (a target, VAR=value, a
    file), whatever it looks like, as in make and POSIX."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, formatter_class=_Formatter, **kwargs)
        self.operands: dict[str, str] = {}  # stand-in -> the word after `--` it stands for

    def error(self, message: str) -> NoReturn:
        for stand_in, word in self.operands.items():
            message = message.replace(stand_in, word)
        raise UsageError(message, hint=f"see '{self.prog} --help'")

    def parse_operands(self, argv: list[str]) -> argparse.Namespace:
        """`parse_intermixed_args`, with `--` handled here: argparse's intermixed
        parsing (before Python 3.13) reads options after `--` all the same. The
        words after it go in as stand-ins that cannot look like options, and
        come back out of the namespace as they were."""
        if "--" not in argv:
            return self.parse_intermixed_args(argv)
        cut = argv.index("--")
        self.operands = {f"\0{i}": word for i, word in enumerate(argv[cut + 1:])}
        args = self.parse_intermixed_args(argv[:cut] + list(self.operands))
        for name, value in vars(args).items():
            if isinstance(value, list):
                setattr(args, name, [self.operands.get(v, v) if isinstance(v, str) else v for v in value])
            elif isinstance(value, str):
                setattr(args, name, self.operands.get(value, value))
        return args


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"'{text}' is negative (0 means no limit)")
    return value


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-C", "--directory", metavar="DIR", help="change to DIR before doing anything")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help="colour output (default: auto; honours NO_COLOR and FORCE_COLOR)")


def _add_file(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-f", "--file", metavar="PATH",
                        help="the job file (default: Jobfile, jobrun.yaml, jobrun.yml or jobrun.json "
                             "in this directory or a parent)")


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    _add_file(parser)
    parser.add_argument("-t", "--tags", action="append", default=[], metavar="TAGS",
                        help="select jobs with any of these tags (comma-separated; repeatable)")
    parser.add_argument("--skip-tags", action="append", default=[], metavar="TAGS",
                        help="leave out jobs with any of these tags")
    parser.add_argument("-n", "--dry-run", action="store_true", help="print what would run, in order; run nothing")
    parser.add_argument("--graph", metavar="FORMAT", choices=GRAPH_FORMATS,
                        help="print the plan (--graph or --graph=text|dot|mermaid|json); run nothing")
    parser.add_argument("-l", "--list", action="store_true", help="list the jobs with descriptions and tags")
    parser.add_argument("-j", "--jobs", "-c", "--max-concurrent", dest="jobs", type=_non_negative_int, metavar="N",
                        help="run up to N jobs at once (default: max_concurrent_jobs, else 4; 0: no limit)")
    parser.add_argument("-k", "--keep-going", action="store_true",
                        help="after a failure, go on with jobs that do not depend on it")
    parser.add_argument("-o", "--output", metavar="FILE", help="write the run's results as JSON to FILE")
    parser.add_argument("--live", action=argparse.BooleanOptionalAction, default=None,
                        help="redraw a footer of running jobs (default: when stdout is a terminal)")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("-v", "--verbose", action="store_true", help="print every job's output when it ends")
    output.add_argument("-q", "--quiet", action="store_true", help="print only failures and the final line")
    output.add_argument("--stream", action="store_true", help="print jobs' output lines as they come, prefixed [job]")
    # default=[] on every "*" positional: without one, Python < 3.13 lists it as required.
    parser.add_argument("positionals", nargs="*", default=[], metavar="TARGET|VAR=value",
                        help="jobs to run (default: the default target, else all); VAR=value sets a variable")


def build_parser(command: str, prog: str = "jobrun") -> _Parser:
    """The parser for `command` ("" for plain `jobrun`); only that one is built."""
    if command in ("", "run"):
        if command == "":
            parser = _Parser(prog=prog, allow_abbrev=False,
                             description="Run the jobs of a workflow in parallel, in dependency order.",
                             epilog="Subcommands: run, analyze, create, convert (see 'jobrun SUBCOMMAND --help').")
            parser.add_argument("--version", action="version", version=f"jobrun {__version__}")
        else:
            parser = _Parser(prog=f"{prog} run", allow_abbrev=False,
                             description="Run a workflow: FILE (optional) is the job file, then targets.")
        _add_common(parser)
        _add_run_options(parser)
    elif command == "analyze":
        parser = _Parser(prog=f"{prog} analyze", allow_abbrev=False,
                         description="Analyze the workflow's DAG: levels, critical path, parallelism.")
        _add_common(parser)
        _add_file(parser)
        parser.add_argument("-o", "--output", metavar="FILE", help="also write the analysis as JSON to FILE")
        parser.add_argument("positionals", nargs="*", default=[], metavar="FILE|VAR=value")
    elif command == "create":
        parser = _Parser(prog=f"{prog} create", allow_abbrev=False,
                         description="Write a runnable sample workflow: YAML (.yaml, .yml), JSON (.json) "
                                     "or otherwise a Jobfile.")
        _add_common(parser)
        parser.add_argument("--name", default="Sample CI/CD Pipeline", help="the workflow's name")
        parser.add_argument("--output", "-o", default="jobrun.yaml", metavar="FILE",
                            help="where to write it (default: jobrun.yaml)")
    else:
        parser = _Parser(prog=f"{prog} convert", allow_abbrev=False,
                         description="Translate a workflow: Jobfile <-> YAML/JSON (by extension).")
        _add_common(parser)
        parser.add_argument("input", metavar="IN", help="a Jobfile, .yaml/.yml or .json workflow")
        parser.add_argument("output", metavar="OUT", help="where to write it; the format follows the extension")
        parser.add_argument("positionals", nargs="*", default=[], metavar="VAR=value",
                            help="Jobfile variable overrides")
    return parser


class Invocation:
    """What the command line asked for, after parsing."""

    def __init__(self, command: str, args: argparse.Namespace) -> None:
        self.command = command
        self.args = args
        self.file: str | None = getattr(args, "file", None)
        self.targets: list[str] = []
        self.variables: dict[str, str] = {}
        for word in getattr(args, "positionals", []):
            name, eq, value = word.partition("=")
            if eq and _VARIABLE_RE.fullmatch(name):
                self.variables[name] = value
            elif eq:
                raise UsageError(f"'{word}' is neither a job name nor a VAR=value override")
            else:
                self.targets.append(word)
        if command in ("run", "analyze") and self.targets and self.file is None and _looks_like_file(self.targets[0]):
            self.file = self.targets.pop(0)

    @property
    def runs_jobs(self) -> bool:
        """A run: not another command, nor --list, --graph or --dry-run."""
        args = self.args
        return self.command in ("", "run") and not (args.list or args.graph or args.dry_run)


def _looks_like_file(word: str) -> bool:
    return (Path(word).is_file() or "/" in word or word.endswith((".yaml", ".yml", ".json"))
            or Path(word).name == "Jobfile")


def parse_args(argv: Sequence[str]) -> Invocation:
    argv = list(argv)
    command = ""
    if argv and argv[0] in SUBCOMMANDS:
        command = argv.pop(0)
    parser = build_parser(command)
    # `--graph` alone means `--graph=text`; its value is only ever given with `=`.
    end = argv.index("--") if "--" in argv else len(argv)
    argv = ["--graph=text" if a == "--graph" else a for a in argv[:end]] + argv[end:]
    return Invocation(command, parser.parse_operands(argv))


def use_color(choice: str, stream: TextIO) -> bool:
    """--color, then FORCE_COLOR, then NO_COLOR, then whether it is a terminal."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("FORCE_COLOR", "") not in ("", "0"):
        return True
    if os.environ.get("NO_COLOR", ""):
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    return stream.isatty()


def main(argv: Sequence[str] | None = None) -> NoReturn:
    sys.exit(run_cli(sys.argv[1:] if argv is None else argv))


def run_cli(argv: Sequence[str], stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run the command line `argv`; return the exit status."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    color = "auto"
    try:
        from runner import log

        warning = log.configure(os.environ.get("LOG_LEVEL"), err)
        if warning:
            err.write(warning + "\n")
        invocation = parse_args(argv)
        color = invocation.args.color
        if invocation.args.directory:
            _change_directory(invocation.args.directory)
        from runner import commands

        outcome = commands.carry_out(invocation, out, err)
        return outcome() if callable(outcome) else outcome  # a run's loop runs here, on the calling thread
    except JobrunError as exc:
        from runner.diagnostics import render

        err.write(render(exc.diagnostic, color=use_color(color, err)) + "\n")
        return EXIT_INVALID
    except KeyboardInterrupt:
        err.write("Interrupted\n")
        return 130
    except BrokenPipeError:
        # `jobrun --graph=dot | head`: the reader left early; not our error. Point
        # stdout at /dev/null so the interpreter's final flush stays quiet.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def _change_directory(directory: str) -> None:
    try:
        os.chdir(directory)
    except FileNotFoundError:
        raise UsageError(f"-C {directory}: no such directory") from None
    except NotADirectoryError:
        raise UsageError(f"-C {directory}: not a directory") from None
    except PermissionError:
        raise UsageError(f"-C {directory}: permission denied") from None
