"""Writers are lossless: random documents survive Jobfile, YAML and JSON."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runner.ir import Conditions, Document, GlobalConfig, Import, Job, ResourceLimits, RetryConfig
from runner.source import Source
from runner.syntax import data, dsl, emit

ids = st.from_regex(r"[a-z][a-z0-9_.-]{0,8}", fullmatch=True) | st.sampled_from(["default", "env", "import"])
env_names = st.from_regex(r"[A-Z_][A-Z0-9_]{0,6}", fullmatch=True)
# Awkward text: quotes of every kind, interpolation look-alikes, comments, tabs, newlines, unicode.
pieces = st.sampled_from(['"', "'", '"""', "'''", "${", "$${", "$", "}", "#", "##", "=", ",", "\\", "\t",
                          "\n", " ", "  ", "a", "b c", "é", "✓", ":", "\r", "\\n", "x\n", "\n\n"])
texts = st.lists(pieces, max_size=8).map("".join)
clean = texts.filter(lambda t: t.strip() != "")
seconds = st.sampled_from([0.25, 1.0, 1.5, 30.0, 90.0, 300.0, 5400.0, 86400.0])
sizes = st.sampled_from([0.5, 1.0, 512.0, 1024.0, 1536.0, 2048.0])


@st.composite
def jobs(draw, job_id):
    kind = draw(st.sampled_from(["command", "script", "python", "http", "custom"]))
    fields = {
        "id": job_id,
        "name": draw(st.none() | texts),
        "description": draw(st.none() | texts),
        "working_directory": draw(st.none() | clean),
        "timeout": draw(st.none() | seconds),
        "retry": draw(st.none() | st.builds(RetryConfig, st.none() | st.integers(1, 5), seconds, seconds,
                                            st.sampled_from([1.0, 1.5, 2.0, 3.0]))),
        "limits": draw(st.builds(ResourceLimits, st.none() | sizes, st.none() | st.sampled_from([50.0, 100.0, 250.0]),
                                 st.none() | seconds)),
        "environment": draw(st.dictionaries(env_names, texts, max_size=3)),
        "tags": tuple(draw(st.lists(clean, max_size=3))),
        "conditions": draw(st.builds(Conditions, st.lists(ids, max_size=2).map(tuple), st.none() | clean,
                                     st.sampled_from(["success", "failure", "always"]))),
        "inputs": tuple(draw(st.lists(texts, max_size=2))),
        "outputs": tuple(draw(st.lists(texts, max_size=2))),
    }
    if kind in ("command", "custom"):
        fields["commands"] = tuple(draw(st.lists(clean, max_size=3)))
        if kind == "custom":
            fields["job_type"] = draw(st.from_regex(r"[a-z]{3,8}", fullmatch=True).filter(
                lambda t: t not in ("command", "script", "python", "http")))
    elif kind == "script":
        fields.update(job_type="script", script_path=draw(clean), args=tuple(draw(st.lists(texts, max_size=3))))
    elif kind == "python":
        fields.update(job_type="python", code=draw(texts), args=tuple(draw(st.lists(texts, max_size=2))))
    else:
        fields.update(job_type="http", url=draw(clean), method=draw(st.none() | st.sampled_from(["GET", "post"])),
                      headers=draw(st.dictionaries(clean, texts, max_size=2)), body=draw(st.none() | texts),
                      expected_status=draw(st.none() | st.lists(st.integers(100, 599), min_size=1, max_size=3).map(tuple)))
    return Job(**fields)


@st.composite
def documents(draw):
    names = draw(st.lists(ids, min_size=1, max_size=4, unique=True))
    job_list = []
    for i, name in enumerate(names):
        job = draw(jobs(name))
        deps = tuple(draw(st.lists(st.sampled_from(names[:i]), max_size=2, unique=True))) if i else ()
        job_list.append(Job(**{**{f: getattr(job, f) for f in job.__dataclass_fields__}, "dependencies": deps}))
    return Document(
        Source(Path("x"), ""),
        name=draw(st.none() | texts), version=draw(st.none() | texts), description=draw(st.none() | texts),
        config=draw(st.builds(GlobalConfig, st.none() | st.integers(0, 5), st.none() | seconds,
                              st.none() | st.integers(0, 16), st.none() | sizes)),
        environment=draw(st.dictionaries(env_names, texts, max_size=3)),
        imports=tuple(Import(p) for p in draw(st.lists(clean, max_size=2))),
        default=tuple(draw(st.lists(st.sampled_from(names), max_size=2))),
        jobs=tuple(job_list),
    )


def same(a: Document, b: Document) -> None:
    assert a.jobs == b.jobs
    assert (a.name, a.version, a.description, a.config) == (b.name, b.version, b.description, b.config)
    assert dict(a.environment) == dict(b.environment)
    assert [i.path for i in a.imports] == [i.path for i in b.imports] and a.default == b.default


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_jobfile_round_trip(doc):
    text = emit.to_jobfile(doc)
    same(doc, dsl.parse(Source(Path("Jobfile"), text)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_yaml_and_json_round_trip(doc):
    same(doc, data.parse(Source(Path("w.yaml"), emit.dump_yaml(emit.to_data(doc)))))
    same(doc, data.parse(Source(Path("w.json"), emit.dump_json(emit.to_data(doc)))))
