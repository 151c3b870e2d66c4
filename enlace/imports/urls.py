from django.urls import path, re_path

from enlace.imports import views

app_name = "imports"

urlpatterns = [
    path("", views.batch_list, name="batch_list"),
    path("<int:pk>/", views.batch_detail, name="batch_detail"),
    path("<int:pk>/errors.xlsx", views.error_report, name="error_report"),
    path("<slug:slug>/", views.upload, name="upload"),
    re_path(r"^(?P<slug>[a-z-]+)/template\.(?P<extension>xlsx|csv)$", views.template, name="template"),
]
