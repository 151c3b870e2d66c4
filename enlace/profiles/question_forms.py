"""The form a supplier's people answer one buyer's questions with: one field per question,
named by the question's key; profiles.questionnaires checks the values."""

from django import forms
from django.utils.translation import gettext_lazy

from enlace.profiles import questionnaires
from enlace.profiles.models import Question

Kind = Question.Kind

YES_NO = [("", "—"), (questionnaires.YES, gettext_lazy("Yes")), (questionnaires.NO, gettext_lazy("No"))]


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
    return forms.CharField(**common)


class AnswersForm(forms.Form):
    """One field per question the buyer asks the company, named by the question's key."""

    def __init__(self, *args, questions, answers, **kwargs):
        super().__init__(*args, **kwargs)
        for question in questions:
            name = str(question.key)
            self.fields[name] = _answer_field(question)
            self.fields[name].required_question = question.required
            answer = answers.get(question.key)
            if answer is not None:
                value = answer.value
                if isinstance(value, bool):
                    value = questionnaires.YES if value else questionnaires.NO
                self.initial[name] = value


def answers_form(company, organization, data=None) -> AnswersForm | None:
    questions = questionnaires.questions_for(organization=organization, company=company)
    if not questions:
        return None
    answers = questionnaires.answers_of(organization=organization, company=company)
    return AnswersForm(data, questions=questions, answers=answers)
