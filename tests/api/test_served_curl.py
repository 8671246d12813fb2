"""The product page's curl, run verbatim (host and token aside) against a real daphne."""

import json
import shlex
import shutil
import subprocess

import httpx
import pytest

from integrations.models import Integration

SEED_CURL = """curl -X POST http://localhost:8084/v1/admin/integration-catalog/mixpanel/install \\
  -H "Authorization: Bearer YOUR_TOKEN" \\
  -H "Content-Type: application/json" \\
  -d '{
    "name": "Mixpanel",
    "variant": "default",
    "config": {
      "project_token": "abc123def456789",
      "api_secret": "your_api_secret",
      "eu_data_residency": false
    },
    "delivery_mode": "server_side"
  }'"""

pytestmark = pytest.mark.slow


def run_curl(command: str) -> tuple[int, str]:
    """Run the command with curl, or, where curl is absent, send exactly its request."""
    argv = shlex.split(command.replace("\\\n", ""))  # as sh reads line continuations
    if shutil.which("curl"):
        done = subprocess.run(
            [*argv, "-sS", "-w", "\n%{http_code}"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        body, _, status = done.stdout.rpartition("\n")
        assert status.isdigit(), done.stderr
        return int(status), body
    args = iter(argv[1:])
    method, url, headers, data = "GET", "", {}, None
    for arg in args:
        if arg == "-X":
            method = next(args)
        elif arg == "-H":
            name, _, value = next(args).partition(":")
            headers[name.strip()] = value.strip()
        elif arg == "-d":
            data = next(args)
        else:
            url = arg
    response = httpx.request(method, url, headers=headers, content=data, timeout=30)
    return response.status_code, response.text


def test_the_product_page_curl_answers_201_from_a_running_server(
    daphne_server, transactional_db, api_token
):
    command = SEED_CURL.replace("http://localhost:8084", daphne_server).replace(
        "YOUR_TOKEN", api_token
    )

    status, body = run_curl(command)

    assert status == 201, body
    assert json.loads(body)["name"] == "Mixpanel"
    assert "your_api_secret" not in body
    assert Integration.objects.get().secrets["api_secret"] == "your_api_secret"
