"""Each buyer's supplier questionnaire, one URL per step: its admins publish, edit and withdraw
questions (its members read them); a supplier's people answer a buyer's questions on that
buyer's review page."""

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from enlace.lib.downloads import private_download
from enlace.lib.errors import DomainError
from enlace.lib.forms import TextField
from enlace.organizations.decorators import staff_required
from enlace.partners.models import PartnerGroup
from enlace.profiles import access, questionnaires
from enlace.profiles.document_views import upload_within_limit
from enlace.profiles.models import Question
from enlace.profiles.question_forms import answers_form
from enlace.profiles.review_views import _buyer, buyer_review_page
from enlace.profiles.views import company_person_required

Kind = Question.Kind
# How many files of the largest size one save of the answers takes.
FILES_AT_ONCE = 3


class QuestionForm(forms.Form):
    text = TextField(label=gettext_lazy("Question"), max_length=questionnaires.TEXT_LENGTH)
    help_text = TextField(
        label=gettext_lazy("Explanation for the supplier"),
        max_length=questionnaires.HELP_LENGTH,
        required=False,
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind of answer"), choices=Kind.choices)
    choices = forms.CharField(
        label=gettext_lazy("Options (one per line, for a choice question)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    required = forms.BooleanField(label=gettext_lazy("Required before submitting"), required=False)
    groups = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Only for suppliers in these groups (none: every supplier)"),
        queryset=PartnerGroup.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["groups"].queryset = PartnerGroup.objects.filter(organization=organization)

    def definition(self) -> dict:
        data = self.cleaned_data
        return {**data, "choices": data["choices"].splitlines()}


def _question(request, key):
    try:
        return questionnaires.current_question(request.organization, key)
    except DomainError:
        raise Http404 from None


@staff_required
def questionnaire(request):
    """The organization's questionnaire: admins edit it, members read it."""
    context = {
        "questions": questionnaires.current_questions(request.organization),
        "edits": request.membership.is_admin,
    }
    return render(request, "profiles/questionnaire.html", context)


def _edit(request, *, question=None):
    initial = None
    if question is not None:
        initial = {
            "text": question.text,
            "help_text": question.help_text,
            "kind": question.kind,
            "choices": "\n".join(question.choices),
            "required": question.required,
            "groups": list(question.groups.all()),
        }
    form = QuestionForm(
        request.POST if request.method == "POST" else None, initial=initial, organization=request.organization
    )
    if request.method == "POST" and form.is_valid():
        try:
            questionnaires.publish_question(
                organization=request.organization,
                by=request.user,
                key=question.key if question else None,
                **form.definition(),
            )
        except DomainError as error:
            field = error.extra.get("field")
            form.add_error(field if field in form.fields else None, error.message)
        else:
            messages.success(request, _("The question was published."))
            return redirect("profiles:questionnaire")
    return render(request, "profiles/question_form.html", {"form": form, "question": question})


@staff_required(admin=True)
def add_question(request):
    return _edit(request)


@staff_required
def edit_question(request, key):
    question = _question(request, key)
    if not request.membership.is_admin:
        raise PermissionDenied
    return _edit(request, question=question)


@require_POST
@staff_required
def withdraw_question(request, key):
    question = _question(request, key)
    if not request.membership.is_admin:
        raise PermissionDenied
    questionnaires.withdraw_question(organization=request.organization, by=request.user, key=question.key)
    messages.success(request, _("The question was withdrawn; the answers given stay readable."))
    return redirect("profiles:questionnaire")


@company_person_required
@upload_within_limit(files=FILES_AT_ONCE)
def answer(request, company, organization_id):
    partner = _buyer(company, organization_id)
    if request.method != "POST":
        return redirect("profiles:buyer_review", organization_id=partner.organization_id)
    form = answers_form(company, partner.organization, request.POST, request.FILES)
    if form is not None and form.is_valid():
        try:
            questionnaires.save_answers(
                organization=partner.organization, company=company, by=request.user, raw=form.cleaned_data
            )
        except questionnaires.AnswerErrors as error:
            for name, message in error.errors.items():
                form.add_error(name, message)
        else:
            messages.success(request, _("Your answers were saved."))
            return redirect("profiles:buyer_review", organization_id=partner.organization_id)
    return buyer_review_page(request, company, partner, answers=form, status=400)


@company_person_required
def answer_file(request, company, organization_id, key):
    """The file the company answered one of the buyer's questions with, for its people."""
    partner = _buyer(company, organization_id)
    return _file_of(questionnaires.answer_file(organization=partner.organization, company=company, key=key))


def supplier_answer_file(request, pk, key):
    """The file one of the buyer's suppliers answered a question with, for the buyer's staff."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    partner = access.supplier_of(request.membership, pk)
    if partner is None:
        raise Http404
    answer = questionnaires.answer_file(organization=request.organization, company=partner.company, key=key)
    if answer is not None:
        access.note_buyer_read(
            organization=request.organization,
            company=partner.company,
            by=request.user,
            name=answer.value["name"],
        )
    return _file_of(answer)


def _file_of(answer):
    if answer is None:
        raise Http404
    value = answer.value
    return private_download(questionnaires.readable_answer_file(answer), value["name"], value["content_type"])
