"""Documents -> text: YAML, JSON and Jobfile, for `convert` and `create`.

Each writer is lossless: reading its output gives back a Document whose jobs,
settings, environment, imports and default are equal to the original's
(Jobfile variables are already interpolated in a Document, so a Jobfile
written from YAML has none, and YAML written from a Jobfile has the values).
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from runner.ir import Conditions, Document, Job, RetryConfig
from runner.units import fmt_duration, fmt_number, fmt_size

# ------------------------------------------------------------------ YAML / JSON


class _Dumper(yaml.SafeDumper):
    """Multi-line strings as `|` blocks, so code and scripts stay readable."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value.rstrip("\n") or value.endswith("\n") and "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def dump_yaml(data: dict[str, Any]) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def dump_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def to_data(doc: Document) -> dict[str, Any]:
    """The document as YAML/JSON data, in the schema's key order."""
    data: dict[str, Any] = {}
    for key in ("name", "version", "description"):
        if getattr(doc, key) is not None:
            data[key] = getattr(doc, key)
    config = {k: _number(v) for k, v in vars_of(doc.config).items() if v is not None}
    if config:
        data["global_config"] = config
    if doc.environment:
        data["environment"] = dict(doc.environment)
    if doc.default:
        data["default"] = list(doc.default)
    if doc.imports:
        data["imports"] = [imp.path for imp in doc.imports]
    data["jobs"] = [job_data(job) for job in doc.jobs]
    return data


def vars_of(obj: Any) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in obj.__dataclass_fields__}


def job_data(job: Job) -> dict[str, Any]:
    out: dict[str, Any] = {"id": job.id}
    if job.name is not None:
        out["name"] = job.name
    if job.description is not None:
        out["description"] = job.description
    if job.job_type != "command":
        out["job_type"] = job.job_type
    if job.commands:
        out["command"] = job.commands[0] if len(job.commands) == 1 else list(job.commands)
    if job.code is not None:
        out["command"] = job.code
    if job.url is not None:
        out["url"] = job.url
    for key in ("script_path",):
        if getattr(job, key) is not None:
            out[key] = getattr(job, key)
    if job.args:
        out["args"] = list(job.args)
    if job.working_directory is not None:
        out["working_directory"] = job.working_directory
    if job.dependencies:
        out["dependencies"] = list(job.dependencies)
    if job.timeout is not None:
        out["timeout"] = _number(job.timeout)
    if job.retry is not None:
        retry = {k: _number(v) if isinstance(v, float) else v for k, v in vars_of(job.retry).items()
                 if v is not None and v != getattr(RetryConfig(), k)}
        out["retry_config"] = retry
    limits = {k: _number(v) for k, v in vars_of(job.limits).items() if v is not None}
    if limits:
        out["resource_limits"] = limits
    if job.environment:
        out["environment"] = dict(job.environment)
    if job.tags:
        out["tags"] = list(job.tags)
    conditions: dict[str, Any] = {}
    if job.conditions.skip_if_failed:
        conditions["skip_if_failed"] = list(job.conditions.skip_if_failed)
    if job.conditions.only_if_branch is not None:
        conditions["only_if_branch"] = job.conditions.only_if_branch
    if job.conditions.run_if != Conditions().run_if:
        conditions["run_if"] = job.conditions.run_if
    if conditions:
        out["conditions"] = conditions
    if job.inputs:
        out["inputs"] = list(job.inputs)
    if job.outputs:
        out["outputs"] = list(job.outputs)
    if job.method is not None:
        out["method"] = job.method
    if job.headers:
        out["headers"] = dict(job.headers)
    if job.body is not None:
        out["body"] = job.body
    if job.expected_status is not None:
        statuses = list(job.expected_status)
        out["expected_status"] = statuses[0] if len(statuses) == 1 else statuses
    return out


# ------------------------------------------------------------------ Jobfile

_WORD_RE = re.compile(r"[^\s\"'=,#]+")
_BODY = "    "
_RESERVED_IDS = ("default", "env", "import")


def _escape(text: str) -> str:
    """Protect `${` from interpolation: the Jobfile reader turns `$${` into `${`."""
    return text.replace("${", "$${")


def _block(text: str, indent: str) -> str | None:
    """`text` as a \"\"\" text block indented by `indent`, when one reads back
    exactly: it ends with a newline and holds no quotes that would close it."""
    if not text.endswith("\n") or "\r" in text:
        return None
    for quotes in ('"""', "'''"):
        if quotes not in text and not text.endswith(quotes[0]):
            lines = [indent + line if line else "" for line in text[:-1].split("\n")]
            return quotes + "\n" + "\n".join(lines) + "\n" + indent + quotes
    return None


def quote(value: str, indent: str = _BODY, bare: bool = False) -> str:
    """A Jobfile value reading back as `value`: a bare word when allowed and
    safe, a text block for multi-line text, else a JSON-escaped string."""
    text = _escape(value)
    if bare and _WORD_RE.fullmatch(text) and not text.startswith(":"):
        return text
    if "\n" in text:
        block = _block(text, indent)
        if block is not None:
            return block
    return json.dumps(text, ensure_ascii=False)


def _command_line(command: str) -> str:
    text = _escape(command)
    simple = ("\n" not in text and "\r" not in text and text == text.strip() and text
              and not text.startswith(('"""', "'''")))
    if simple:
        return f"$ {text}"
    block = _block(text, _BODY * 2)
    if block is not None:
        return f"$ {block}"
    return f"command {json.dumps(text, ensure_ascii=False)}"


def to_jobfile(doc: Document) -> str:
    lines: list[str] = []
    for key in ("name", "version", "description"):
        if getattr(doc, key) is not None:
            lines.append(f"{key} = {quote(getattr(doc, key), '')}")
    config = doc.config
    if config.max_retries is not None:
        lines.append(f"max_retries = {config.max_retries}")
    if config.timeout is not None:
        lines.append(f"timeout = {fmt_duration(config.timeout)}")
    if config.max_concurrent_jobs is not None:
        lines.append(f"max_concurrent_jobs = {config.max_concurrent_jobs}")
    if config.memory_budget_mb is not None:
        lines.append(f"memory_budget = {fmt_size(config.memory_budget_mb)}")
    for name, value in doc.environment.items():
        lines.append(f"env {name} = {quote(value, '')}")
    for imp in doc.imports:
        lines.append(f"import {quote(imp.path, '')}")
    if doc.default:
        lines.append("default: " + " ".join(doc.default))
    for job in doc.jobs:
        if lines:
            lines.append("")
        lines.extend(_job_lines(job))
    return "\n".join(lines) + "\n"


def _job_lines(job: Job) -> list[str]:
    out: list[str] = []
    body: list[str] = []
    if job.description is not None:
        if "\r" in job.description:
            body.append(f"description {quote(job.description)}")
        else:
            out.extend(("## " + line if line else "##") for line in job.description.split("\n"))
    out.append(f"{_header_name(job.id)}: {' '.join(_header_name(d) for d in job.dependencies)}".rstrip())
    if job.name is not None:
        body.append(f"name {quote(job.name)}")
    if job.job_type not in ("command", "script", "python", "http"):
        body.append(f"type {quote(job.job_type, bare=True)}")
    body.extend(_command_line(c) for c in job.commands)
    if job.code is not None:
        body.append(f"python {quote(job.code, _BODY * 2)}")
    if job.script_path is not None:
        body.append(" ".join(["script", quote(job.script_path, bare=True), *(quote(a, bare=True) for a in job.args)]))
    elif job.args:
        body.append(" ".join(["args", *(quote(a, bare=True) for a in job.args)]))
    if job.job_type == "http":
        parts = ["http"] + ([job.method] if job.method is not None else []) + [quote(job.url or "")]
        if job.expected_status is not None:
            parts += ["expect", *(str(code) for code in job.expected_status)]
        body.append(" ".join(parts))
    for name, value in job.headers.items():
        body.append(f"header {quote(name, bare=True)} = {quote(value)}")
    if job.body is not None:
        body.append(f"body {quote(job.body, _BODY * 2)}")
    if job.working_directory is not None:
        body.append(f"workdir {quote(job.working_directory)}")
    if job.timeout is not None:
        body.append(f"timeout {fmt_duration(job.timeout)}")
    limits = job.limits
    if limits.max_execution_time is not None:
        body.append(f"time_limit {fmt_duration(limits.max_execution_time)}")
    if job.retry is not None:
        body.append(_retry_line(job.retry))
    if limits.max_memory_mb is not None:
        body.append(f"memory {fmt_size(limits.max_memory_mb)}")
    if limits.max_cpu_percent is not None:
        body.append(f"cpu {fmt_number(limits.max_cpu_percent)}%")
    for name, value in job.environment.items():
        body.append(f"env {name} = {quote(value)}")
    if job.tags:
        body.append("tags " + ", ".join(quote(t, bare=True) for t in job.tags))
    if job.inputs:
        body.append("inputs " + " ".join(quote(p) for p in job.inputs))
    if job.outputs:
        body.append("outputs " + " ".join(quote(p) for p in job.outputs))
    conditions = job.conditions
    if conditions.only_if_branch is not None:
        body.append(f"only_if_branch {quote(conditions.only_if_branch)}")
    if conditions.skip_if_failed:
        body.append("skip_if_failed " + " ".join(conditions.skip_if_failed))
    if conditions.run_if != Conditions().run_if:
        body.append(f"run_if {quote(conditions.run_if, bare=True)}")
    return out + [_BODY + line for line in body]


def _header_name(job_id: str) -> str:
    """Job names in headers are bare, but the reserved words are quoted."""
    return json.dumps(job_id) if job_id in _RESERVED_IDS else job_id


def _retry_line(retry: RetryConfig) -> str:
    parts = ["retry"]
    if retry.max_attempts is not None:
        parts.append(str(retry.max_attempts - 1))
    default = RetryConfig()
    if retry.initial_delay != default.initial_delay:
        parts += ["delay", fmt_duration(retry.initial_delay)]
    if retry.backoff_factor != default.backoff_factor:
        parts += ["backoff", fmt_number(retry.backoff_factor)]
    if retry.max_delay != default.max_delay:
        parts += ["max", fmt_duration(retry.max_delay)]
    return " ".join(parts)
