from django.contrib.auth import views as auth_views
from django.urls import path

from enlace.accounts.views import (
    activation,
    login,
    password_reset,
    registration,
    staff,
    supplier_registration,
    two_factor,
)

app_name = "accounts"

urlpatterns = [
    path("login/", login.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", login.set_password, name="set_password"),
    path("password/forgot/", password_reset.forgot_password, name="forgot_password"),
    path("password/forgot/sent/", password_reset.reset_requested, name="password_reset_requested"),
    path("p/<str:token>/", password_reset.reset_link, name="password_reset_link"),
    path("password/reset/", password_reset.choose_password, name="password_reset"),
    path("login/code/", two_factor.verify, name="two_factor_verify"),
    path("two-factor/", two_factor.overview, name="two_factor"),
    path("two-factor/setup/", two_factor.setup, name="two_factor_setup"),
    path("two-factor/recovery-codes/", two_factor.recovery_codes, name="two_factor_recovery_codes"),
    path("two-factor/disable/", two_factor.disable, name="two_factor_disable"),
    path("a/<str:token>/", activation.activation_link, name="activation_link"),
    path("activate/", activation.activate, name="activate"),
    path("r/<str:token>/", registration.registration_link, name="registration_link"),
    path("register/", registration.register, name="register"),
    path("supplier/register/", supplier_registration.register, name="supplier_register"),
    path("supplier/register/code/", supplier_registration.enter_code, name="supplier_register_code"),
    path(
        "supplier/register/account/",
        supplier_registration.create_account,
        name="supplier_register_account",
    ),
    path("supplier/register/restart/", supplier_registration.restart, name="supplier_register_restart"),
    path("users/", staff.user_list, name="user_list"),
    path("users/new/", staff.user_create, name="user_create"),
    path("users/<int:pk>/", staff.user_detail, name="user_detail"),
    path("users/<int:pk>/edit/", staff.user_edit, name="user_edit"),
    path("users/<int:pk>/resend/", staff.user_resend, name="user_resend"),
    path("users/<int:pk>/disable/", staff.user_disable, name="user_disable"),
    path("users/<int:pk>/enable/", staff.user_enable, name="user_enable"),
    path("users/<int:pk>/password-reset/", staff.user_password_reset, name="user_password_reset"),
    path("users/<int:pk>/two-factor/reset/", two_factor.reset, name="user_two_factor_reset"),
]
