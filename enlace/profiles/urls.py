from django.urls import path

from enlace.profiles import views

app_name = "profiles"

urlpatterns = [
    path("company-profile/", views.overview, name="overview"),
    path("company-profile/company/", views.edit_company, name="edit_company"),
    path("company-profile/contacts/", views.edit_contacts, name="edit_contacts"),
    path("company-profile/bank-accounts/", views.edit_bank_accounts, name="edit_bank_accounts"),
    path("suppliers/<int:pk>/profile/", views.supplier_profile, name="supplier_profile"),
]
