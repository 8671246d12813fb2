from django.urls import path

from signal_admin.web.views import demo, healthz, sdk

urlpatterns: list = [
    path("demo/", demo.shop, name="demo"),
    path("demo/snippet.js", demo.snippet_js, name="demo_snippet"),
    path("healthz", healthz.healthz, name="healthz"),
    path(
        "v1/projects/<str:write_key>/settings",
        sdk.segment_settings,
        name="segment-settings",
    ),
    path("sourceConfig/", sdk.rudderstack_source_config, name="rudderstack-source-config"),
]
