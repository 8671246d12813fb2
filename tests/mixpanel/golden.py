"""Golden-file helpers for Mixpanel: its fixtures under `tests/fixtures/mixpanel/` and the config
they patch (see tests/support/golden.py for a case's shape and SIGNAL_REGOLD=1)."""

from integrations.destinations.mixpanel.entry import MIXPANEL

# The shared helpers, re-exported: this destination's tests import them from here.
from tests.support.golden import NOW as NOW
from tests.support.golden import Golden
from tests.support.golden import assert_golden as assert_golden
from tests.support.golden import case_id as case_id
from tests.support.golden import expected_path as expected_path
from tests.support.golden import merged as merged

CONFIG = {"project_token": "abc123def456789", "api_secret": "secret-xyz"}
GOLDEN = Golden(MIXPANEL, CONFIG)
FIXTURES = GOLDEN.fixtures
cases = GOLDEN.cases
run_case = GOLDEN.run_case
