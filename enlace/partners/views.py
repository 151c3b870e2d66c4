"""The customer master: list, search and add the organization's customers."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from enlace.lib.errors import DomainError
from enlace.organizations.decorators import staff_required
from enlace.partners.forms import PartnerForm
from enlace.partners.models import Partner
from enlace.partners.selectors import search_partners
from enlace.partners.services import create_partner


@staff_required
def customer_list(request):
    query = request.GET.get("q", "")
    customers = search_partners(organization=request.organization, kind=Partner.Kind.CUSTOMER, query=query)
    page = Paginator(customers, 50).get_page(request.GET.get("page"))
    template = "partners/_customer_rows.html" if request.htmx else "partners/customer_list.html"
    return render(request, template, {"page": page, "q": query})


@staff_required(admin=True)
def customer_create(request):
    form = PartnerForm(request.POST or None, organization=request.organization, code_required=True)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            partner = create_partner(organization=request.organization, kind=Partner.Kind.CUSTOMER, **data)
        except DomainError as error:
            form.add_error(error.extra.get("field"), error.message)
        else:
            messages.success(request, _("Customer %(name)s was added.") % {"name": partner.name})
            return redirect("partners:customer_list")
    return render(request, "partners/customer_form.html", {"form": form})


@staff_required
def customer_options(request):
    """Customers matching what the admin types in the Add portal user form (htmx)."""
    query = request.GET.get("customer_search", "")
    customers = search_partners(organization=request.organization, kind=Partner.Kind.CUSTOMER, query=query)
    return render(request, "partners/_customer_options.html", {"customers": customers[:20]})
