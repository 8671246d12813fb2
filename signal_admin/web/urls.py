from django.urls import path

from signal_admin.web import converters
from signal_admin.web.views import (
    actions,
    blueprint,
    dashboard,
    delivery_page,
    integrations,
    live,
    sources,
)

assert converters.IdConverter  # registers <id:...>: a row id no longer than a key can be

app_name = "integrations"
urlpatterns = [
    path("", integrations.installed, name="installed"),
    path("library/", integrations.library, name="library"),
    path("library/<str:key>/install/", integrations.install, name="install"),
    path("sources/", sources.sources, name="sources"),
    path("<id:pk>/", integrations.detail, name="detail"),
    path("<id:pk>/edit/", integrations.edit, name="edit"),
    path("<id:pk>/toggle/", integrations.toggle, name="toggle"),
    path("<id:pk>/delete/", integrations.delete, name="delete"),
    # The blueprint editor, its preview and history.
    path("<id:pk>/blueprint/", blueprint.blueprint, name="blueprint"),
    path("<id:pk>/blueprint/preview/", blueprint.blueprint_preview, name="blueprint_preview"),
    path("<id:pk>/blueprint/reset/", blueprint.blueprint_reset, name="blueprint_reset"),
    path(
        "<id:pk>/blueprint/revisions/<id:number>/rollback/",
        blueprint.blueprint_rollback,
        name="blueprint_rollback",
    ),
    # Dashboard, delivery log and replay.
    path("<id:pk>/dashboard/", dashboard.dashboard, name="dashboard"),
    path("<id:pk>/deliveries/", dashboard.deliveries, name="deliveries"),
    path(
        "<id:pk>/deliveries/<id:delivery_id>/",
        delivery_page.delivery,
        name="delivery",
    ),
    path("<id:pk>/replay/", actions.replay, name="replay"),
    path("<id:pk>/send-test/", actions.send_test, name="send_test"),
    # Live Events.
    path("<id:pk>/live/", live.live, name="live"),
    path(
        "<id:pk>/live/deliveries/<id:delivery_id>.json",
        live.delivery_json,
        name="live_delivery",
    ),
]
