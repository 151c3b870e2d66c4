from django.urls import path

from enlace.partners import supplier_views, views

app_name = "partners"

urlpatterns = [
    path("customers/", views.customer_list, name="customer_list"),
    path("customers/new/", views.customer_create, name="customer_create"),
    path("customers/options/", views.customer_options, name="customer_options"),
    path("suppliers/", supplier_views.supplier_list, name="supplier_list"),
    path("suppliers/new/", supplier_views.supplier_create, name="supplier_create"),
    path("suppliers/<int:pk>/added/", supplier_views.supplier_added, name="supplier_added"),
    path("suppliers/<int:pk>/invite/", supplier_views.supplier_invite, name="supplier_invite"),
    path(
        "suppliers/invite-selected/", supplier_views.supplier_invite_selected, name="supplier_invite_selected"
    ),
]
