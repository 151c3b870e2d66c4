from django.urls import path

from enlace.profiles import review_views, views

app_name = "profiles"

urlpatterns = [
    path("company-profile/", views.overview, name="overview"),
    path("company-profile/company/", views.edit_company, name="edit_company"),
    path("company-profile/contacts/", views.edit_contacts, name="edit_contacts"),
    path("company-profile/bank-accounts/", views.edit_bank_accounts, name="edit_bank_accounts"),
    path("suppliers/<int:pk>/profile/", views.supplier_profile, name="supplier_profile"),
    path("company-profile/buyers/<int:organization_id>/", review_views.buyer_review, name="buyer_review"),
    path(
        "company-profile/buyers/<int:organization_id>/submit/",
        review_views.submit_to_buyer,
        name="submit_to_buyer",
    ),
    path("suppliers/<int:pk>/profile/review/approve/", review_views.approve, name="review_approve"),
    path("suppliers/<int:pk>/profile/review/reject/", review_views.reject, name="review_reject"),
    path("suppliers/<int:pk>/profile/review/changes/", review_views.request_changes, name="review_changes"),
]
