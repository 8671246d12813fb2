"""Checks on a rendered section editor that hold for every destination."""

from django.http import HttpResponse


def section_titles(response: HttpResponse) -> list[str]:
    """The editor's section titles, in the order the page shows them."""
    return [b.section.title for b in response.context["sections"]]


def assert_every_field_has_help(response: HttpResponse) -> None:
    """Every visible field of every section (each row of the rows sections too) has help,
    except the formset's own ORDER and DELETE."""
    for bound in response.context["sections"]:
        forms = bound.form.forms if bound.section.rows else [bound.form]
        for form in forms:
            for field in form.visible_fields():
                if field.name not in ("ORDER", "DELETE"):
                    assert field.help_text, f"{bound.key}.{field.name} has no help"
