from django.urls import path

from delivery import views_live
from integrations import converters, views, views_blueprint, views_dashboard, views_sources

assert converters.IdConverter  # registers <id:...>: a row id no longer than a key can be

app_name = "integrations"
urlpatterns = [
    path("", views.installed, name="installed"),
    path("library/", views.library, name="library"),
    path("library/<str:key>/install/", views.install, name="install"),
    path("sources/", views_sources.sources, name="sources"),
    path("<id:pk>/", views.detail, name="detail"),
    path("<id:pk>/edit/", views.edit, name="edit"),
    path("<id:pk>/toggle/", views.toggle, name="toggle"),
    path("<id:pk>/delete/", views.delete, name="delete"),
    # The blueprint editor, its preview and history.
    path("<id:pk>/blueprint/", views_blueprint.blueprint, name="blueprint"),
    path("<id:pk>/blueprint/preview/", views_blueprint.blueprint_preview, name="blueprint_preview"),
    path("<id:pk>/blueprint/reset/", views_blueprint.blueprint_reset, name="blueprint_reset"),
    path(
        "<id:pk>/blueprint/revisions/<id:number>/rollback/",
        views_blueprint.blueprint_rollback,
        name="blueprint_rollback",
    ),
    # Dashboard, delivery log and replay.
    path("<id:pk>/dashboard/", views_dashboard.dashboard, name="dashboard"),
    path("<id:pk>/deliveries/", views_dashboard.deliveries, name="deliveries"),
    path(
        "<id:pk>/deliveries/<id:delivery_id>/",
        views_dashboard.delivery,
        name="delivery",
    ),
    path("<id:pk>/replay/", views_dashboard.replay, name="replay"),
    path("<id:pk>/send-test/", views_dashboard.send_test, name="send_test"),
    # Live Events.
    path("<id:pk>/live/", views_live.live, name="live"),
    path(
        "<id:pk>/live/deliveries/<id:delivery_id>.json",
        views_live.delivery_json,
        name="live_delivery",
    ),
]
