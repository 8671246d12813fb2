"""No generic template, view or pipeline module names a destination: each destination
speaks only from its own folder (integrations/destinations/<name>/), through the contract.
"""

import re
from pathlib import Path

from tests.architecture.graph import ROOT

DESTINATIONS = ROOT / "integrations" / "destinations"
# The generic code: the pipeline, the project and its web layer, the pages and their assets,
# and the integrations app outside the destinations' folders and the registry.
GENERIC = ("delivery", "signal_admin", "templates", "static", "integrations")
NOT_GENERIC = (DESTINATIONS, ROOT / "integrations" / "catalog.py")
TEXT = {".py", ".html", ".js", ".css", ".txt", ".md", ".json", ".svg"}
# Files that still name a destination, with how many lines do: none.
KNOWN_MENTIONS: dict[str, int] = {}


def destination_names() -> set[str]:
    """Each destination folder's name, and the destinations the product page names."""
    folders = {p.name for p in DESTINATIONS.iterdir() if (p / "__init__.py").exists()}
    return folders | {"mixpanel", "amplitude"}


def generic_files() -> list[Path]:
    return [
        path
        for top in GENERIC
        for path in sorted((ROOT / top).rglob("*"))
        if path.is_file()
        and path.suffix in TEXT
        and "__pycache__" not in path.parts
        and not any(path == skip or skip in path.parents for skip in NOT_GENERIC)
    ]


def mentions() -> dict[str, list[str]]:
    """The lines of generic files naming a destination (any case), by file."""
    pattern = re.compile("|".join(sorted(destination_names())), re.IGNORECASE)
    found: dict[str, list[str]] = {}
    for path in generic_files():
        lines = path.read_text(encoding="utf-8").splitlines()
        hits = [f"{n}: {line.strip()}" for n, line in enumerate(lines, 1) if pattern.search(line)]
        if hits:
            found[str(path.relative_to(ROOT))] = hits
    return found


def test_it_scans_the_templates_the_web_layer_and_the_pipeline():
    scanned = {str(p.relative_to(ROOT)) for p in generic_files()}
    assert {"templates/base.html", "delivery/sender.py", "signal_admin/web/health.py"} <= scanned
    assert "integrations/models.py" in scanned and "integrations/catalog.py" not in scanned
    assert not any(name.startswith("integrations/destinations/") for name in scanned)


def test_no_generic_template_view_or_module_names_a_destination():
    unknown = {path: hits for path, hits in mentions().items() if path not in KNOWN_MENTIONS}
    assert unknown == {}


def test_the_known_mentions_only_shrink():
    grown = {
        path: hits
        for path, hits in mentions().items()
        if len(hits) > KNOWN_MENTIONS.get(path, len(hits))
    }
    assert grown == {}


def test_each_known_mention_is_still_there_else_it_is_deleted_from_the_list():
    assert set(KNOWN_MENTIONS) - set(mentions()) == set()
