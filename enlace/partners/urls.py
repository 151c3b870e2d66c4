from django.urls import path

from enlace.partners import views

app_name = "partners"

urlpatterns = [
    path("customers/", views.customer_list, name="customer_list"),
    path("customers/new/", views.customer_create, name="customer_create"),
    path("customers/options/", views.customer_options, name="customer_options"),
]
