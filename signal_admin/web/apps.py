from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "signal_admin.web"
    label = "web"
    verbose_name = "Web"

    def ready(self) -> None:
        from signal_admin import checks  # noqa: F401  (registers the system checks)
