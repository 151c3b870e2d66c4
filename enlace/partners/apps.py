from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "enlace.partners"
