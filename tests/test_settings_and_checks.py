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
