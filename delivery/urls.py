from django.urls import path

from delivery import views_demo

urlpatterns: list = [
    path("demo/", views_demo.shop, name="demo"),
]
