from django.urls import path

from delivery import views_demo, views_health, views_sdk

urlpatterns: list = [
    path("demo/", views_demo.shop, name="demo"),
    path("demo/snippet.js", views_demo.snippet_js, name="demo_snippet"),
    path("healthz", views_health.healthz, name="healthz"),
    path(
        "v1/projects/<str:write_key>/settings",
        views_sdk.segment_settings,
        name="segment-settings",
    ),
    path("sourceConfig/", views_sdk.rudderstack_source_config, name="rudderstack-source-config"),
]
