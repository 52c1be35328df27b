# jobrun's own chores (https://just.systems)

# Install jobrun and its test tools, editable, into the active environment
install:
    pip install -e '.[test]'

# Run the test suite
test *ARGS:
    pytest -q {{ARGS}}

# Update the CLI output snapshots after an intended change
snapshots:
    pytest -q tests/cli --snapshot-update

# Static checks
lint:
    python -m pip install -q ruff
    ruff check runner tests bench --select E,F,W,B --ignore E501,B905 --exclude runner/syntax/_jobfile_parser.py

# Time `jobrun analyze` on generated 10k and 100k-job workflows
bench:
    bench/analyze.sh

# Time jobrun against make, ninja, just, Task and doit (../shared/bench)
peers:
    bench/peers.sh

# Regenerate the standalone Jobfile parser after changing grammar/jobfile.lark
parser:
    python -m runner.syntax.build_parser
