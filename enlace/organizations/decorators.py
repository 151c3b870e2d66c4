from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


def staff_required(view=None, *, admin=False):
    """The view needs a logged-in member of an organization (an admin when admin=True)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.membership is None or (admin and not request.membership.is_admin):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator(view) if view else decorator
