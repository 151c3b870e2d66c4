from django.urls import path

from enlace.partners import views

app_name = "partners"

urlpatterns = [
    path("customers/", views.customer_list, name="customer_list"),
    path("customers/new/", views.customer_create, name="customer_create"),
    path("customers/options/", views.customer_options, name="customer_options"),
    path("groups/<int:pk>/", views.group_detail, name="group_detail"),
    path("suppliers/", views.supplier_list, name="supplier_list"),
    path("suppliers/new/", views.supplier_create, name="supplier_create"),
    path("suppliers/<int:pk>/added/", views.supplier_added, name="supplier_added"),
    path("suppliers/<int:pk>/invite/", views.supplier_invite, name="supplier_invite"),
    path("suppliers/<int:pk>/invite/add/", views.supplier_invite_add, name="supplier_invite_add"),
    path(
        "suppliers/<int:pk>/invite/remove/<int:index>/",
        views.supplier_invite_remove,
        name="supplier_invite_remove",
    ),
    path("suppliers/<int:pk>/invite/send/", views.supplier_invite_send, name="supplier_invite_send"),
    path("suppliers/invite-selected/", views.supplier_invite_selected, name="supplier_invite_selected"),
]
