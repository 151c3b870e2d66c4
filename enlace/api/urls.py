from django.urls import path

from enlace.api import views

app_name = "api"

urlpatterns = [
    path("api-keys/", views.key_list, name="key_list"),
    path("api-keys/<int:pk>/revoke/", views.key_revoke, name="key_revoke"),
    path("webhooks/", views.webhook_list, name="webhook_list"),
    path("webhooks/<int:pk>/", views.webhook_detail, name="webhook_detail"),
    path("webhooks/<int:pk>/remove/", views.webhook_remove, name="webhook_remove"),
]
