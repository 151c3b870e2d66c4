from django.apps import AppConfig


class ProfilesConfig(AppConfig):
    name = "enlace.profiles"
