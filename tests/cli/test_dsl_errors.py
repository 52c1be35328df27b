"""Broken Jobfiles: the whole error output, pinned. Each is exit 2, with
FILE:LINE:COL, the line, a caret, what was expected in words, and a hint
where a common mistake is likely."""

from __future__ import annotations

import pytest

from tests.conftest import write

BROKEN = {
    "missing-colon": "build\n    $ make\n",
    "body-not-indented": "build:\n$ make\n",
    "unterminated-string": 'name = "CI Pipeline\n',
    "unterminated-block": 'check:\n    python """\n        print(1)\n',
    "tabs-after-spaces": "build:\n    $ make\n\t$ make install\n",
    "mixed-tab-space-line": "build:\n \t$ make\n",
    "bad-dedent": "build:\n    $ make\n  $ make install\n",
    "over-indented": "build:\n    $ make\n        $ deeper\n",
    "colon-in-body": "build:\n    timeout: 5m\n",
    "unknown-key": "build:\n    timout 5m\n",
    "unknown-setting": "jobz = 4\n",
    "undefined-variable": "build:\n    $ docker push ${REGISTRY}/app\n",
    "variable-cycle": "A := ${B}\nB := ${A}\n",
    "bad-duration": "build:\n    timeout soon\n",
    "bad-size": "build:\n    memory lots\n",
    "mixed-kinds": 'build:\n    python "print(1)"\n    $ make\n',
    "retry-typo": "build:\n    retry 3 delai 1s\n",
    "default-with-body": "default:\n    $ make\n",
    "env-as-job": "env:\n    $ printenv\n",
    "env-without-name": "env\n",
    "import-as-job": "import:\n    $ make install\n",
    "import-as-job-with-dependency": "import: build\nbuild:\n    $ make\n",
    "import-as-job-without-body": "import:\n",
    "import-equals": 'import = "ci.yaml"\n',
    "equals-in-word": "health:\n    http GET https://example.com/?a=1\n",
    "leading-indent": "    name = \"x\"\nbuild:\n",
    "bad-character-in-deps": "deploy: @build\n",
    "given-twice": "build:\n    timeout 1m\n    timeout 2m\n",
    "import-without-path": "import\n",
    "missing-dependency": "deploy: biuld\nbuild:\n    $ make\n",
    "cycle": "a: b\nb: c\nc: a\n",
}


@pytest.mark.parametrize("name", BROKEN)
def test_broken_jobfile(project, cli, snapshot, name):
    write(project, "Jobfile", BROKEN[name])
    result = cli("--list")
    assert result.exit == 2 and result.stdout == ""
    assert "Traceback" not in result.stderr
    first = result.stderr.splitlines()[0]
    assert first.startswith(("Jobfile:", "Error: "))
    assert result.stderr == snapshot


def test_at_least_fifteen_distinct_messages():
    assert len(BROKEN) >= 15
