from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from signal_admin.web.api.root import api

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="integrations:installed"), name="home"),
    # Clients that ask for /favicon.ico without reading the page's <link rel="icon">.
    path("favicon.ico", RedirectView.as_view(url=f"{settings.STATIC_URL}favicon.svg")),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("django-admin/", admin.site.urls),
    path("integrations/", include("signal_admin.web.urls")),
    path("v1/admin/", api.urls),
    path("", include("signal_admin.web.urls_public")),
]
