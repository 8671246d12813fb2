"""Saving an integration's blueprint: validated, versioned, and never silently overwritten.

Shared by the editor pages and the Management API, for every destination. Each save is a
`BlueprintRevision`; the integration's `blueprint_revision` names the one it holds, and a
writer says which revision it edited (`expected`), so a save made from a stale copy is
refused with `StaleBlueprint` instead of undoing someone else's change.
"""

import copy
import difflib
import json
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from integrations.blueprint_paths import path_parts
from integrations.models import BlueprintRevision, Integration
from integrations.nul import nul_fields


class StaleBlueprint(Exception):
    """The blueprint changed since the writer read it; `current` is the revision it holds."""

    def __init__(self, current: int) -> None:
        super().__init__(f"The blueprint is at revision {current}.")
        self.current = current


class InvalidBlueprint(Exception):
    """The destination's schema refused the blueprint; `problems` are `path: message`."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems

    def by_path(self) -> dict[str, str]:
        """The problems keyed by their path (`events[2].rename`); joined where one repeats."""
        fields: dict[str, str] = {}
        for problem in self.problems:
            path, sep, message = problem.partition(": ")
            path, message = (path, message) if sep else ("blueprint", problem)
            fields[path] = f"{fields[path]}; {message}" if path in fields else message
        return fields


@dataclass(frozen=True)
class Origin:
    """Whether the blueprint is the variant's shipped one, and which version it came from."""

    customised: bool
    variant: str
    version: str
    shipped_version: str


def etag(integration: Integration) -> str:
    """The HTTP entity tag of the integration's current blueprint."""
    return f'"{integration.pk}.{integration.blueprint_revision}"'


def revision_of(tag: str, integration: Integration) -> int | None:
    """The revision an `If-Match` value names for this integration; None if it names none."""
    prefix = f"{integration.pk}."
    value = tag.strip().removeprefix("W/").strip('"')
    number = value.removeprefix(prefix)
    if not value.startswith(prefix) or not number.isdigit() or len(number) > 9:
        return None
    return int(number)


def shipped(integration: Integration) -> dict[str, Any]:
    """The variant's blueprint as the destination ships it."""
    return copy.deepcopy(integration.destination.load_blueprint(integration.variant))


def origin(integration: Integration) -> Origin:
    destination = integration.destination
    return Origin(
        customised=integration.blueprint != shipped(integration),
        variant=integration.variant,
        version=integration.blueprint_version,
        shipped_version=destination.blueprint_version,
    )


def problems_of(integration: Integration, data: Any) -> list[str]:
    """Every problem with `data` as this integration's blueprint, each as `path: message`."""
    nul = nul_fields(data, "")
    if nul:  # PostgreSQL cannot store them: say so before the schema looks at anything
        return [f"{path or 'blueprint'}: {message}" for path, message in nul.items()]
    return list(integration.destination.validate_blueprint(data))


def record_install(integration: Integration, author: str = "") -> BlueprintRevision:
    """Revision 1: the shipped blueprint the integration was installed with."""
    return BlueprintRevision.objects.create(
        integration=integration,
        number=1,
        blueprint=integration.blueprint,
        blueprint_version=integration.blueprint_version,
        kind=BlueprintRevision.INSTALL,
        author=author,
    )


def save(
    integration_id: int,
    data: Any,
    *,
    expected: int | None,
    author: str,
    comment: str = "",
    kind: str = BlueprintRevision.EDIT,
) -> tuple[Integration, BlueprintRevision | None]:
    """Store `data` as the next revision; None in place of it when nothing changed.

    `expected` is the revision the writer edited (None only for callers that hold the row
    already, such as a reset asked for without a version check). Raises `StaleBlueprint`,
    `InvalidBlueprint`, or `Integration.DoesNotExist`.
    """
    with transaction.atomic():
        integration = Integration.objects.select_for_update(no_key=True).get(pk=integration_id)
        if expected is not None and expected != integration.blueprint_revision:
            raise StaleBlueprint(integration.blueprint_revision)
        problems = problems_of(integration, data)
        if problems:
            raise InvalidBlueprint(problems)
        if data == integration.blueprint and kind == BlueprintRevision.EDIT:
            return integration, None
        integration.blueprint = data
        version = data.get("version")
        if isinstance(version, str) and version:
            integration.blueprint_version = version[:20]
        integration.blueprint_revision += 1
        integration.save(
            update_fields=["blueprint", "blueprint_version", "blueprint_revision", "updated_at"]
        )
        revision = BlueprintRevision.objects.create(
            integration=integration,
            number=integration.blueprint_revision,
            blueprint=data,
            blueprint_version=integration.blueprint_version,
            kind=kind,
            author=author[:150],
            comment=comment[:500],
        )
    return integration, revision


def rollback(
    integration: Integration, number: int, *, expected: int | None, author: str
) -> tuple[Integration, BlueprintRevision | None]:
    """Save revision `number`'s blueprint again, as a new revision. Raises DoesNotExist."""
    target = integration.revisions.get(number=number)
    return save(
        integration.pk,
        copy.deepcopy(target.blueprint),
        expected=expected,
        author=author,
        comment=f"Rolled back to revision {number}",
        kind=BlueprintRevision.ROLLBACK,
    )


def reset(
    integration: Integration, *, expected: int | None, author: str
) -> tuple[Integration, BlueprintRevision | None]:
    """Save the variant's shipped blueprint again, as a new revision."""
    return save(
        integration.pk,
        shipped(integration),
        expected=expected,
        author=author,
        comment=f"Reset to the shipped {integration.variant} blueprint",
        kind=BlueprintRevision.RESET,
    )


def pretty(blueprint: Any) -> str:
    """The blueprint as the editors and diffs show it: indented JSON, keys in their order."""
    return json.dumps(blueprint, indent=2, ensure_ascii=False)


def diff(before: Any, after: Any, *, before_name: str, after_name: str) -> str:
    """A unified diff of two blueprints' pretty JSON ('' when they are equal)."""
    lines = difflib.unified_diff(
        pretty(before).splitlines(),
        pretty(after).splitlines(),
        fromfile=before_name,
        tofile=after_name,
        lineterm="",
    )
    return "\n".join(lines)


def revision_diff(revision: BlueprintRevision) -> str:
    """What this revision changed against the one before it ('' for revision 1)."""
    previous = (
        revision.integration.revisions.filter(number__lt=revision.number)
        .order_by("-number")
        .first()
    )
    if previous is None:
        return ""
    return diff(
        previous.blueprint,
        revision.blueprint,
        before_name=f"revision {previous.number}",
        after_name=f"revision {revision.number}",
    )


def _line_index(value: Any, path: tuple, line: int, index: dict[tuple, int]) -> int:
    """Record the line each path starts on in `pretty(value)`; return the lines it spans."""
    index[path] = line
    if not isinstance(value, dict | list) or not value:
        return 1
    items = value.items() if isinstance(value, dict) else enumerate(value)
    current = line + 1
    for key, item in items:
        current += _line_index(item, (*path, key), current, index)
    return current - line + 1


def lines_of(blueprint: Any, problems: list[str]) -> list[dict[str, Any]]:
    """Each problem with its path, message and the line of `pretty(blueprint)` it is on."""
    index: dict[tuple, int] = {}
    _line_index(blueprint, (), 1, index)
    located = []
    for path, message in InvalidBlueprint(problems).by_path().items():
        parts = path_parts(path)
        while parts and parts not in index:
            parts = parts[:-1]  # an unknown field's parent, at least
        located.append({"path": path, "message": message, "line": index.get(parts, 1)})
    return located
