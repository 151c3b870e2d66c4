from django.contrib.auth import views as auth_views
from django.urls import path

from enlace.accounts import registration, staff_views, supplier_registration, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.set_password, name="set_password"),
    path("a/<str:token>/", views.activation_link, name="activation_link"),
    path("activate/", views.activate, name="activate"),
    path("r/<str:token>/", registration.registration_link, name="registration_link"),
    path("register/", registration.register, name="register"),
    path("supplier/register/", supplier_registration.register, name="supplier_register"),
    path("users/", staff_views.user_list, name="user_list"),
    path("users/new/", staff_views.user_create, name="user_create"),
    path("users/<int:pk>/", staff_views.user_detail, name="user_detail"),
    path("users/<int:pk>/resend/", staff_views.user_resend, name="user_resend"),
]
