from django.core.checks import run_checks
from django.test import override_settings


def test_a_standalone_start_passes_the_system_checks():
    assert [e.id for e in run_checks() if e.id.startswith("signal.")] == []


@override_settings(STANDALONE=False, SECRET_KEY_FROM_ENV="", ENCRYPTION_KEYS_FROM_ENV=[])
def test_distributed_mode_without_secrets_is_stopped_with_a_fix():
    errors = {e.id: e for e in run_checks(tags=["security"])}
    assert "signal.E001" in errors and "SECRET_KEY" in errors["signal.E001"].hint
    assert "signal.E002" in errors and "Fernet" in errors["signal.E002"].hint


@override_settings(REDIS_URL="redis://127.0.0.1:1/0")
def test_an_unreachable_redis_is_stopped_with_a_fix():
    errors = {e.id: e for e in run_checks()}
    assert "signal.E003" in errors
    assert "unset it" in errors["signal.E003"].hint


@override_settings(DEBUG=True, ALLOWED_HOSTS=["signal.example.com"])
def test_debug_with_public_hosts_is_refused():
    assert "signal.E004" in {e.id for e in run_checks(tags=["security"])}


@override_settings(SIGNAL_ENCRYPTION_KEYS=["not-a-key"])
def test_an_invalid_encryption_key_is_refused():
    assert "signal.E005" in {e.id for e in run_checks(tags=["security"])}


@override_settings(REDIS_URL="redis://:hunter2@127.0.0.1:1/0")
def test_the_redis_check_never_prints_the_password():
    (error,) = [e for e in run_checks() if e.id == "signal.E003"]
    assert "hunter2" not in error.msg


def _deploy_check(**env: str) -> str:
    import os
    import secrets
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SIGNAL_HTTPS")}
    environ |= {"SECRET_KEY": secrets.token_urlsafe(50), "DEBUG": "false"}
    environ |= {"PYTHONPATH": str(root)} | env
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=root,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result.stdout + result.stderr


def test_behind_tls_the_deploy_check_is_clean():
    assert "no issues (0 silenced)" in _deploy_check(SIGNAL_HTTPS="1")


def test_without_tls_the_deploy_check_names_what_https_would_fix():
    output = _deploy_check()
    assert "security.W004" in output and "security.W012" in output
