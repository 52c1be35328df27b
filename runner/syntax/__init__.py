"""Readers and writers of workflow files: `dsl` (Jobfile), `data` (YAML and
JSON) and `emit` (the way back, for `convert` and `create`)."""
