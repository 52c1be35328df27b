"""Mutated Jobfiles: the only outcomes are a valid workflow or a clean
located error, never another exception."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runner.diagnostics import render
from runner.errors import JobrunError
from runner.resolve import resolve
from runner.source import Source
from runner.syntax import dsl

ROOT = Path(__file__).resolve().parents[2]
KITCHEN_SINK = '''\
# every construct once
name = "kitchen ${KIND}"
KIND := sink
timeout = 5m
max_retries = 1
memory_budget = 1GB
env NODE_ENV = "production"
default: test

## Build it
build:
    $ make build
    $ """
        echo multi
        """
    timeout 30s
    retry 2 delay 1s backoff 2 max 10s
    memory 512MB
    cpu 50%
    tags build, compile
    inputs "src/**/*.c"
    outputs build/app
    env CC = gcc

test: build
    script ./run.sh --fast
    skip_if_failed build
    only_if_branch "main"

py:
    python """
        import sys
        print(sys.argv)
        """
    args a b

web: test
    http POST "http://127.0.0.1:8080/x" expect 200 201
    header Accept = "application/json"
    body '{"a": 1}'
    run_if always
'''
CORPUS = [KITCHEN_SINK] + [p.read_text() for p in sorted(ROOT.glob("examples/*/Jobfile"))]
LOCATED = re.compile(r"^Jobfile:\d+:\d+: error: ")
PLAIN = re.compile(r"^Error: .+\n --> Jobfile:\d+:\d+")
NOISE = list(':$"\'{}=,#\t \n\\') + ['"""', "${", "##", "    "]


@st.composite
def mutated(draw):
    text = draw(st.sampled_from(CORPUS))
    for _ in range(draw(st.integers(1, 4))):
        lines = text.split("\n")
        op = draw(st.sampled_from(["del_char", "dup_char", "swap_chars", "del_line", "dup_line",
                                   "swap_lines", "insert"]))
        if op.endswith("line") or op == "swap_lines":
            k = draw(st.integers(0, max(len(lines) - 2, 0)))
            if op == "del_line":
                del lines[k]
            elif op == "dup_line":
                lines.insert(k, lines[k])
            else:
                lines[k:k + 2] = lines[k:k + 2][::-1]
            text = "\n".join(lines)
        else:
            i = draw(st.integers(0, max(len(text) - 2, 0)))
            if op == "del_char":
                text = text[:i] + text[i + 1:]
            elif op == "dup_char":
                text = text[:i] + text[i:i + 1] + text[i:]
            elif op == "swap_chars":
                text = text[:i] + text[i + 1:i + 2] + text[i:i + 1] + text[i + 2:]
            else:
                text = text[:i] + draw(st.sampled_from(NOISE)) + text[i:]
    return text


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutations_give_a_workflow_or_a_located_error(text):
    source = Source(Path("Jobfile"), text)
    try:
        resolve([dsl.parse(source)])
    except JobrunError as exc:
        assert exc.diagnostic.span is not None, exc
        shown = render(exc.diagnostic)
        assert LOCATED.match(shown) or PLAIN.match(shown), shown
        assert "Traceback" not in shown
