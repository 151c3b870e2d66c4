from django.urls import path

from enlace.profiles import document_views, question_views, review_views, views

app_name = "profiles"

urlpatterns = [
    path("company-profile/", views.overview, name="overview"),
    path("company-profile/company/", views.edit_company, name="edit_company"),
    path("company-profile/contacts/", views.edit_contacts, name="edit_contacts"),
    path("company-profile/bank-accounts/", views.edit_bank_accounts, name="edit_bank_accounts"),
    path("company-profile/documents/", document_views.documents, name="documents"),
    path("company-profile/documents/add/", document_views.add, name="add_document"),
    path(
        "company-profile/documents/<uuid:public_id>/replace/", document_views.replace, name="replace_document"
    ),
    path("company-profile/documents/<uuid:public_id>/remove/", document_views.remove, name="remove_document"),
    path("documents/<uuid:public_id>/", document_views.document_file, name="document_file"),
    path("suppliers/<int:pk>/profile/", views.supplier_profile, name="supplier_profile"),
    path("company-profile/buyers/<int:organization_id>/", review_views.buyer_review, name="buyer_review"),
    path(
        "company-profile/buyers/<int:organization_id>/submit/",
        review_views.submit_to_buyer,
        name="submit_to_buyer",
    ),
    path(
        "company-profile/buyers/<int:organization_id>/answers/",
        question_views.answer,
        name="answer_questions",
    ),
    path(
        "company-profile/buyers/<int:organization_id>/answers/<uuid:key>/file/",
        question_views.answer_file,
        name="answer_file",
    ),
    path(
        "suppliers/<int:pk>/profile/answers/<uuid:key>/file/",
        question_views.supplier_answer_file,
        name="supplier_answer_file",
    ),
    path("supplier-questionnaire/", question_views.questionnaire, name="questionnaire"),
    path("supplier-questionnaire/add/", question_views.add_question, name="add_question"),
    path("supplier-questionnaire/<uuid:key>/edit/", question_views.edit_question, name="edit_question"),
    path(
        "supplier-questionnaire/<uuid:key>/withdraw/",
        question_views.withdraw_question,
        name="withdraw_question",
    ),
    path("suppliers/<int:pk>/profile/review/approve/", review_views.approve, name="review_approve"),
    path("suppliers/<int:pk>/profile/review/reject/", review_views.reject, name="review_reject"),
    path("suppliers/<int:pk>/profile/review/changes/", review_views.request_changes, name="review_changes"),
]
