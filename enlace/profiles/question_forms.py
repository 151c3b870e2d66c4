"""The form a supplier's people answer one buyer's questions with: one field per question,
named by the question's key; profiles.questionnaires checks the values."""

from dataclasses import dataclass

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy

from enlace.profiles import questionnaires
from enlace.profiles.models import Question

Kind = Question.Kind

YES_NO = [("", "—"), (questionnaires.YES, gettext_lazy("Yes")), (questionnaires.NO, gettext_lazy("No"))]


ACCEPTED_FILES = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


@dataclass(frozen=True)
class AnsweredFile:
    """The file a question was answered with, as the file input shows it (its name, a link)."""

    name: str
    url: str

    def __str__(self):
        return self.name


class AnswerFileInput(forms.ClearableFileInput):
    """The file input with the file given, a box to remove it, and another file to replace it."""

    template_name = "profiles/widgets/answer_file.html"
    initial_text = gettext_lazy("Current file")
    input_text = gettext_lazy("Replace with")
    clear_checkbox_label = gettext_lazy("Remove the file")


def _answer_field(question: Question):
    """The form field a supplier answers `question` with; the domain checks the value."""
    common = {"label": question.text, "required": False, "help_text": question.help_text}
    if question.kind == Kind.LONG_TEXT:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), **common)
    if question.kind == Kind.YES_NO:
        return forms.ChoiceField(choices=YES_NO, widget=forms.RadioSelect, **common)
    if question.kind == Kind.ONE_CHOICE:
        return forms.ChoiceField(
            choices=[("", "—"), *((c, c) for c in question.choices)], widget=forms.RadioSelect, **common
        )
    if question.kind == Kind.CHOICES:
        return forms.MultipleChoiceField(
            choices=[(c, c) for c in question.choices], widget=forms.CheckboxSelectMultiple, **common
        )
    if question.kind == Kind.NUMBER:
        return forms.CharField(widget=forms.TextInput(attrs={"inputmode": "decimal"}), **common)
    if question.kind == Kind.DATE:
        return forms.CharField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if question.kind == Kind.FILE:
        return forms.FileField(widget=AnswerFileInput(attrs={"accept": ACCEPTED_FILES}), **common)
    return forms.CharField(**common)


class AnswersForm(forms.Form):
    """One field per question the buyer asks the company, named by the question's key."""

    def __init__(self, *args, questions, answers, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.file_questions = set()
        for question in questions:
            name = str(question.key)
            self.fields[name] = _answer_field(question)
            self.fields[name].required_question = question.required
            if question.kind == Kind.FILE:
                self.file_questions.add(name)
            answer = answers.get(question.key)
            if answer is None:
                continue
            value = answer.value
            if isinstance(value, bool):
                value = questionnaires.YES if value else questionnaires.NO
            if answer.file:
                url = reverse("profiles:answer_file", args=[organization.pk, question.key])
                value = AnsweredFile(questionnaires.shown_value(answer), url)
            self.initial[name] = value

    def clean(self):
        cleaned = super().clean()
        for name in self.file_questions:
            # A file question sent without a new file keeps its file (the input's "clear" box
            # sends False, to remove it).
            if name in cleaned and cleaned[name] is not False and not hasattr(cleaned[name], "read"):
                cleaned[name] = None
        return cleaned


def answers_form(company, organization, data=None, files=None) -> AnswersForm | None:
    questions = questionnaires.questions_for(organization=organization, company=company)
    if not questions:
        return None
    answers = questionnaires.answers_of(organization=organization, company=company)
    return AnswersForm(data, files, questions=questions, answers=answers, organization=organization)
