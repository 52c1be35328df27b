"""`jobrun create`: a realistic, runnable 14-job CI/CD sample workflow.

Every command is portable (`echo`, `sleep`, and Python code run by the same
interpreter as jobrun), so the sample runs to completion on any machine in a
few seconds; deploy_production only runs on the `main` branch and is skipped
elsewhere, which still counts as success.
"""

from __future__ import annotations

from typing import Any


def _py(text: str) -> str:
    return text.strip() + "\n"


def sample_workflow(name: str = "Sample CI/CD Pipeline") -> dict[str, Any]:
    jobs: list[dict[str, Any]] = [
        {"id": "setup", "name": "Prepare workspace", "description": "Create the build directories.",
         "command": "echo preparing workspace && mkdir -p .sample-build/dist && sleep 0.2",
         "tags": ["setup"]},
        {"id": "install_deps", "name": "Install dependencies", "dependencies": ["setup"],
         "command": "echo installing dependencies && sleep 0.5", "timeout": 120,
         "retry_config": {"max_attempts": 3, "initial_delay": 1.0, "backoff_factor": 2.0, "max_delay": 10.0},
         "tags": ["setup"]},
        {"id": "lint", "name": "Lint sources", "dependencies": ["install_deps"],
         "command": "echo linting && sleep 0.3", "tags": ["quality"]},
        {"id": "build_frontend", "name": "Build frontend", "dependencies": ["install_deps"],
         "job_type": "python", "command": _py("""
import pathlib, time
time.sleep(0.4)
pathlib.Path('.sample-build/dist/app.js').write_text('console.log("hello")\\n')
print('frontend built')
"""), "environment": {"NODE_ENV": "production"}, "tags": ["build", "frontend"],
         "resource_limits": {"max_memory_mb": 512}},
        {"id": "build_backend", "name": "Build backend", "dependencies": ["install_deps"],
         "job_type": "python", "command": _py("""
import pathlib, time
time.sleep(0.5)
pathlib.Path('.sample-build/dist/server.txt').write_text('backend v1\\n')
print('backend built')
"""), "tags": ["build", "backend"], "resource_limits": {"max_memory_mb": 512}},
        {"id": "test_frontend", "name": "Frontend unit tests", "dependencies": ["build_frontend"],
         "job_type": "python", "command": _py("""
import pathlib
assert 'hello' in pathlib.Path('.sample-build/dist/app.js').read_text()
print('frontend tests passed')
"""), "tags": ["test", "frontend"]},
        {"id": "test_backend", "name": "Backend unit tests", "dependencies": ["build_backend"],
         "job_type": "python", "command": _py("""
import pathlib
assert pathlib.Path('.sample-build/dist/server.txt').read_text().startswith('backend')
print('backend tests passed')
"""), "tags": ["test", "backend"], "timeout": 60},
        {"id": "security_scan", "name": "Security scan", "dependencies": ["build_backend"],
         "command": "echo scanning dependencies for known vulnerabilities && sleep 0.3",
         "tags": ["quality", "security"]},
        {"id": "integration_tests", "name": "Integration tests",
         "dependencies": ["test_frontend", "test_backend"],
         "command": "echo running integration tests && sleep 0.5", "timeout": 300,
         "retry_config": {"max_attempts": 2, "initial_delay": 1.0}, "tags": ["test"]},
        {"id": "package", "name": "Package release",
         "dependencies": ["lint", "integration_tests", "security_scan"],
         "job_type": "python", "command": _py("""
import pathlib, tarfile
with tarfile.open('.sample-build/release.tar.gz', 'w:gz') as tar:
    tar.add('.sample-build/dist', arcname='dist')
print('packaged', pathlib.Path('.sample-build/release.tar.gz').stat().st_size, 'bytes')
"""), "tags": ["release"]},
        {"id": "deploy_staging", "name": "Deploy to staging", "dependencies": ["package"],
         "command": "echo deploying to staging && sleep 0.3", "environment": {"DEPLOY_ENV": "staging"},
         "tags": ["deploy"]},
        {"id": "smoke_tests", "name": "Smoke tests on staging", "dependencies": ["deploy_staging"],
         "job_type": "python", "command": _py("""
import os
print('smoke testing', os.environ.get('TARGET', 'staging'))
"""), "environment": {"TARGET": "staging"}, "tags": ["test", "deploy"]},
        {"id": "deploy_production", "name": "Deploy to production", "dependencies": ["smoke_tests"],
         "command": "echo deploying to production && sleep 0.3",
         "environment": {"DEPLOY_ENV": "production"}, "conditions": {"only_if_branch": "main"},
         "tags": ["deploy"]},
        {"id": "notify", "name": "Notify the team", "dependencies": ["deploy_production"],
         "command": "echo pipeline finished", "conditions": {"run_if": "always"}, "tags": ["notify"]},
    ]
    return {
        "name": name,
        "version": "1.0.0",
        "description": "Build, test and deploy pipeline (a sample written by jobrun create)",
        "global_config": {"max_retries": 1, "timeout": 600, "max_concurrent_jobs": 4},
        "environment": {"CI": "true", "BUILD_DIR": ".sample-build"},
        "jobs": jobs,
    }
