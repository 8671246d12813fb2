"""The layers, by construction: `integrations` at the bottom, `delivery` above it, the web
layer (`signal_admin.web`) on top, importing both and imported by neither.

Read from the source with `ast` (tests/architecture/graph.py): a lazy import inside a
function counts as much as one at the top of a module.
"""

from tests.architecture.graph import ALL_IMPORTS, MODULES, WEB, Import, cycles, layer, within

# The project's entry points wire the web layer into Django and daphne.
WEB_WIRING = ("signal_admin.urls", "signal_admin.asgi", "signal_admin.standalone")
# The registry names each destination's entry; the destinations' folders import themselves.
DESTINATIONS = "integrations.destinations"
DESTINATION_CONTRACT = "integrations.destinations.base"
REGISTRY = "integrations.catalog"
# Import edges that close a cycle today, each with what removes it: none.
KNOWN_CYCLE_EDGES: set[tuple[str, str]] = set()


def _imports(source_layer: str, target: str) -> list[str]:
    return [
        str(found)
        for found in ALL_IMPORTS
        if layer(found.source) == source_layer and within(found.target, target)
    ]


def test_it_reads_a_graph_where_every_project_import_names_a_module_of_this_tree():
    assert len(MODULES) > 50 and len(ALL_IMPORTS) > 100
    assert [str(found) for found in ALL_IMPORTS if found.target not in MODULES] == []


def test_integrations_imports_neither_delivery_nor_the_web_layer():
    assert _imports("integrations", "delivery") == []
    assert _imports("integrations", "signal_admin") == []


def test_delivery_imports_integrations_only_never_the_web_layer_or_the_project():
    assert _imports("delivery", "signal_admin") == []


def test_only_the_project_entry_points_import_the_web_layer():
    outside = [
        str(found)
        for found in ALL_IMPORTS
        if within(found.target, WEB)
        and layer(found.source) != "web"
        and found.source not in WEB_WIRING
    ]
    assert outside == []


def _names_a_destination(found: Import) -> bool:
    target = found.target
    if not within(target, DESTINATIONS) or within(target, DESTINATION_CONTRACT):
        return False
    # `from integrations.destinations import mixpanel` names one too.
    return target != DESTINATIONS or any(name != "base" for name in found.names)


def test_the_generic_packages_import_no_destination_module():
    generic = [
        str(found)
        for found in ALL_IMPORTS
        if not within(found.source, DESTINATIONS)
        and found.source != REGISTRY
        and _names_a_destination(found)
    ]
    assert generic == []


def _package(module: str) -> str:
    return module.split(".")[0]


def test_the_packages_import_each_other_without_a_cycle():
    edges = {(_package(f.source), _package(f.target)) for f in ALL_IMPORTS}
    assert cycles({(a, b) for a, b in edges if a != b}) == []


def _module_edges() -> set[tuple[str, str]]:
    return {(f.source, f.target) for f in ALL_IMPORTS if f.source != f.target}


def test_no_module_takes_part_in_an_import_cycle():
    assert cycles(_module_edges() - KNOWN_CYCLE_EDGES) == []


def test_each_known_cycle_edge_still_exists_else_it_is_deleted_from_the_list():
    assert KNOWN_CYCLE_EDGES - _module_edges() == set()


def _app(module: str) -> str:
    return layer(module)


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def test_no_private_name_is_imported_from_a_module_of_another_app():
    private = [
        str(found)
        for found in ALL_IMPORTS
        if _app(found.source) != _app(found.target)
        and (
            any(_private(name) for name in found.names)
            or any(_private(part) for part in found.target.split("."))
        )
    ]
    assert private == []
