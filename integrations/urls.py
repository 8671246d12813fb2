from django.urls import path

from integrations import views

app_name = "integrations"
urlpatterns = [
    path("", views.installed, name="installed"),
    path("library/", views.library, name="library"),
    path("library/<str:key>/install/", views.install, name="install"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/toggle/", views.toggle, name="toggle"),
    path("<int:pk>/delete/", views.delete, name="delete"),
]
