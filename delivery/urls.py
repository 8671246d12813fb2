from django.urls import path

from delivery import views_demo, views_health

urlpatterns: list = [
    path("demo/", views_demo.shop, name="demo"),
    path("healthz", views_health.healthz, name="healthz"),
]
