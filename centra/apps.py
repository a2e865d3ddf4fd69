from django.apps import AppConfig


class CentraConfig(AppConfig):
    name = "centra"
    verbose_name = "Centra"
