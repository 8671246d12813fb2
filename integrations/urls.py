from django.urls import path

from delivery import views_live
from integrations import views, views_dashboard, views_sources

app_name = "integrations"
urlpatterns = [
    path("", views.installed, name="installed"),
    path("library/", views.library, name="library"),
    path("library/<str:key>/install/", views.install, name="install"),
    path("sources/", views_sources.sources, name="sources"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/toggle/", views.toggle, name="toggle"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    # Dashboard, delivery log and replay.
    path("<int:pk>/dashboard/", views_dashboard.dashboard, name="dashboard"),
    path("<int:pk>/deliveries/", views_dashboard.deliveries, name="deliveries"),
    path(
        "<int:pk>/deliveries/<int:delivery_id>/",
        views_dashboard.delivery,
        name="delivery",
    ),
    path("<int:pk>/replay/", views_dashboard.replay, name="replay"),
    path("<int:pk>/send-test/", views_dashboard.send_test, name="send_test"),
    # Live Events.
    path("<int:pk>/live/", views_live.live, name="live"),
    path(
        "<int:pk>/live/deliveries/<int:delivery_id>.json",
        views_live.delivery_json,
        name="live_delivery",
    ),
]
