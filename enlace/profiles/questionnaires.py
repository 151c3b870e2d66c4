"""Each buyer's supplier questionnaire: the questions a buyer's admins publish (asked of every
supplier, or only of those in some partner groups), and each company's answers to them.

A question is versioned: publishing an edit writes its next version and retires the one before,
and an answer points to the version it answered, so it keeps the wording it answered. A company
submits its profile to a buyer only once it answered every required question that buyer asks it
(`missing_required`, checked by profiles.reviews.submit_profile).

A file question is answered with a PDF, JPEG or PNG file, checked as a profile document is
(profiles.uploads) and stored like one, under a random name: only the company's people and the
buyer's staff read it, through the views that check who asks.
"""

import datetime
from contextlib import ExitStack
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enlace.audit.models import AuditEvent
from enlace.audit.services import record
from enlace.lib.errors import DomainError
from enlace.lib.forms import clean_text
from enlace.organizations.models import Membership
from enlace.partners.models import Partner, PartnerGroup
from enlace.profiles.access import supplier_record
from enlace.profiles.fields import REVIEW_FIELDS
from enlace.profiles.models import Answer, Question, documents_storage
from enlace.profiles.stored_files import stored_upload
from enlace.profiles.uploads import check_upload

Kind = Question.Kind
TEXT_LENGTH = 300
HELP_LENGTH = 300
SHORT_ANSWER_LENGTH = 300
LONG_ANSWER_LENGTH = 5000
MAX_CHOICES = 30
MAX_QUESTIONS = 100
CHOICE_KINDS = frozenset({Kind.ONE_CHOICE, Kind.CHOICES})
YES, NO = "yes", "no"


def current_questions(organization):
    """The organization's questionnaire as published now, in its order."""
    return Question.objects.filter(organization=organization, retired_at=None).prefetch_related("groups")


def _check_admin(organization, by) -> None:
    if not Membership.objects.filter(organization=organization, user=by, role=Membership.Role.ADMIN).exists():
        raise DomainError("admins_only", _("Only your organization's administrators edit the questionnaire."))


def _cleaned_definition(organization, *, text, kind, help_text, choices, groups):
    text, help_text = clean_text((text or "").strip()), clean_text((help_text or "").strip())
    if not text:
        raise DomainError("text_required", _("Write the question."), field="text")
    if len(text) > TEXT_LENGTH:
        raise DomainError(
            "too_long", _("Write at most %(max)s characters.") % {"max": TEXT_LENGTH}, field="text"
        )
    if len(help_text or "") > HELP_LENGTH:
        raise DomainError(
            "too_long", _("Write at most %(max)s characters.") % {"max": HELP_LENGTH}, field="help_text"
        )
    if kind not in Kind.values:
        raise DomainError("unknown_kind", _("Choose a kind of answer."), field="kind")
    options = []
    for option in choices or []:
        option = clean_text(option.strip())
        if len(option) > TEXT_LENGTH:
            raise DomainError(
                "too_long", _("Write at most %(max)s characters.") % {"max": TEXT_LENGTH}, field="choices"
            )
        if option and option not in options:
            options.append(option)
    if kind in CHOICE_KINDS and len(options) < 2:
        raise DomainError("choices_required", _("Give at least two options, one per line."), field="choices")
    if len(options) > MAX_CHOICES:
        raise DomainError(
            "too_many_choices", _("Give at most %(max)s options.") % {"max": MAX_CHOICES}, field="choices"
        )
    groups = list(groups or [])
    if any(group.organization_id != organization.pk for group in groups):
        raise DomainError("unknown_group", _("Choose groups of your organization."), field="groups")
    return text, help_text, options if kind in CHOICE_KINDS else [], groups


@transaction.atomic
def publish_question(
    *, organization, by, text, kind, required=False, help_text="", choices=(), groups=(), key=None
) -> Question:
    """Publish a new question (`key` None) or the next version of question `key`, which retires
    the version before it; the answers given keep pointing to the version they answered."""
    _check_admin(organization, by)
    text, help_text, choices, groups = _cleaned_definition(
        organization, text=text, kind=kind, help_text=help_text, choices=choices, groups=groups
    )
    fields = {
        "text": text,
        "kind": kind,
        "required": bool(required),
        "help_text": help_text,
        "choices": choices,
    }
    if key is None:
        if current_questions(organization).count() >= MAX_QUESTIONS:
            raise DomainError(
                "too_many_questions",
                _("A questionnaire holds at most %(max)s questions.") % {"max": MAX_QUESTIONS},
            )
        last = current_questions(organization).order_by("-position").first()
        question = Question.objects.create(
            organization=organization, published_by=by, position=(last.position + 1) if last else 1, **fields
        )
    else:
        previous = _current(organization, key, lock=True)
        unchanged = all(getattr(previous, name) == value for name, value in fields.items())
        if unchanged and set(previous.groups.all()) == set(groups):
            return previous
        previous.retired_at = timezone.now()
        previous.save(update_fields=["retired_at"])
        question = Question.objects.create(
            organization=organization,
            key=previous.key,
            version=previous.version + 1,
            position=previous.position,
            published_by=by,
            **fields,
        )
    question.groups.set(groups)
    record(
        organization=organization,
        action=AuditEvent.Action.QUESTIONS_PUBLISHED,
        actor=by,
        detail=f"{question.text} (v{question.version})",
    )
    return question


@transaction.atomic
def withdraw_question(*, organization, by, key) -> Question:
    """Stop asking question `key`; the answers given stay readable with their wording."""
    _check_admin(organization, by)
    question = _current(organization, key, lock=True)
    question.retired_at = timezone.now()
    question.save(update_fields=["retired_at"])
    record(
        organization=organization,
        action=AuditEvent.Action.QUESTIONS_PUBLISHED,
        actor=by,
        detail=f"- {question.text}",
    )
    return question


def _current(organization, key, *, lock=False) -> Question:
    questions = Question.objects.filter(organization=organization, key=key, retired_at=None)
    question = (questions.select_for_update() if lock else questions).first()
    if question is None:
        raise DomainError("unknown_question", _("This question is not in the questionnaire."))
    return question


def current_question(organization, key) -> Question:
    """The version published now of the organization's question `key`; DomainError if none."""
    return _current(organization, key)


def _supplier_groups(company, organizations) -> dict[int, set[int]]:
    """The partner groups the company's supplier record is in at each of `organizations`."""
    groups: dict[int, set[int]] = {}
    for organization_id, group_id in PartnerGroup.objects.filter(
        partners__organization__in=organizations,
        partners__company=company,
        partners__kind=Partner.Kind.SUPPLIER,
    ).values_list("organization_id", "pk"):
        groups.setdefault(organization_id, set()).add(group_id)
    return groups


def _asked(question: Question, group_ids: set[int]) -> bool:
    """A question is asked of every supplier, or only of those in one of its groups."""
    groups = {group.pk for group in question.groups.all()}
    return not groups or bool(groups & group_ids)


def questions_for(*, organization, company) -> list[Question]:
    """The questions the buyer asks the company, in the questionnaire's order."""
    group_ids = _supplier_groups(company, [organization]).get(organization.pk, set())
    return [question for question in current_questions(organization) if _asked(question, group_ids)]


def missing_required_counts(*, company, organizations) -> dict[int, int]:
    """For each buyer (by id), how many required questions it asks the company that the
    company has not answered; a few queries, however many buyers."""
    groups = _supplier_groups(company, organizations)
    answered = set(
        Answer.objects.filter(company=company, organization__in=organizations).values_list(
            "organization_id", "key"
        )
    )
    counts = {organization.pk: 0 for organization in organizations}
    required = Question.objects.filter(organization__in=organizations, retired_at=None, required=True)
    for question in required.prefetch_related("groups"):
        asked = _asked(question, groups.get(question.organization_id, set()))
        if asked and (question.organization_id, question.key) not in answered:
            counts[question.organization_id] += 1
    return counts


def answers_of(*, organization, company) -> dict:
    """The company's answers to the buyer's questions, by question key, with the version answered."""
    return {
        answer.key: answer
        for answer in Answer.objects.filter(organization=organization, company=company).select_related(
            "question", "answered_by"
        )
    }


def missing_required(*, organization, company) -> list[Question]:
    """The required questions the buyer asks the company that it has not answered."""
    answered = set(
        Answer.objects.filter(organization=organization, company=company).values_list("key", flat=True)
    )
    return [
        q
        for q in questions_for(organization=organization, company=company)
        if q.required and q.key not in answered
    ]


def clean_answer(question: Question, raw):
    """The value to keep for `raw` (text, a list of texts for several choices, an uploaded file
    for a file question) as an answer to `question`; None when blank. DomainError for a value
    the question does not take."""
    if question.kind == Kind.FILE:
        if not raw:
            return None
        if not hasattr(raw, "read"):
            raise DomainError("file_required", _("Choose a file."))
        checked = check_upload(raw)
        return {"name": checked.name, "content_type": checked.content_type, "size": checked.size}
    if question.kind == Kind.CHOICES:
        picked = [str(option).strip() for option in (raw or []) if str(option).strip()]
        if any(option not in question.choices for option in picked):
            raise DomainError("unknown_choice", _("Choose among the options given."))
        return [option for option in question.choices if option in picked] or None
    if isinstance(raw, list | tuple):
        raise DomainError("one_value", _("Give one answer."))
    value = "" if raw is None else str(raw).strip()
    if not value:
        return None
    if question.kind in (Kind.SHORT_TEXT, Kind.LONG_TEXT):
        limit = SHORT_ANSWER_LENGTH if question.kind == Kind.SHORT_TEXT else LONG_ANSWER_LENGTH
        if len(value) > limit:
            raise DomainError("too_long", _("Write at most %(max)s characters.") % {"max": limit})
        return value
    if question.kind == Kind.YES_NO:
        if value not in (YES, NO):
            raise DomainError("yes_or_no", _("Answer yes or no."))
        return value == YES
    if question.kind == Kind.ONE_CHOICE:
        if value not in question.choices:
            raise DomainError("unknown_choice", _("Choose among the options given."))
        return value
    if question.kind == Kind.NUMBER:
        try:
            number = Decimal(value.replace(",", "."))
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or len(value) > 30:
            raise DomainError("not_a_number", _("Write a number, such as 1500 or 12.5."))
        return str(number)
    if question.kind == Kind.DATE:
        try:
            return datetime.date.fromisoformat(value).isoformat()
        except ValueError:
            raise DomainError(
                "not_a_date", _("Write a date as year-month-day, such as 2026-03-31.")
            ) from None
    raise DomainError("unknown_kind", _("This question cannot be answered."))


class AnswerErrors(DomainError):
    """Some answers were refused: `errors` maps each question key to its message."""

    def __init__(self, errors: dict):
        super().__init__("invalid_answers", _("Correct the answers marked."))
        self.errors = errors


def save_answers(*, organization, company, by, raw: dict) -> list[Answer]:
    """Save the company's answers to the buyer's questions (`raw`: question key as text → what
    the form sent); a blank answer clears the one given, but for a file question, which keeps
    its file unless sent a new one or False (remove it). Nothing is saved, and no file kept, if
    any is refused. A required question may stay blank here: submitting the profile needs it."""
    questions = questions_for(organization=organization, company=company)
    values, uploads, errors = {}, {}, {}
    for question in questions:
        name = str(question.key)
        if name not in raw or (question.kind == Kind.FILE and raw[name] is None):
            continue
        try:
            values[question] = clean_answer(question, raw[name])
        except DomainError as error:
            errors[name] = error.message
        else:
            if question.kind == Kind.FILE and values[question] is not None:
                uploads[question] = raw[name]
    if errors:
        raise AnswerErrors(errors)
    with ExitStack() as files:
        stored = {
            question: files.enter_context(stored_upload(upload)) for question, upload in uploads.items()
        }
        return _save(organization, company, by, values, stored)


@transaction.atomic
def _save(organization, company, by, values: dict, stored: dict) -> list[Answer]:
    existing = answers_of(organization=organization, company=company)
    saved, changed = [], []
    for question, value in values.items():
        answer = existing.get(question.key)
        if value is None:
            if answer is not None:
                _forget_file(answer)
                answer.delete()
                changed.append(question)
            continue
        if (
            answer is not None
            and answer.value == value
            and answer.question_id == question.pk
            and question not in stored
        ):
            saved.append(answer)
            continue
        # Only a new upload reaches here for a file question (none keeps the answer as it is).
        file = stored.get(question, "")
        if answer is not None and answer.file and answer.file.name != file:
            _forget_file(answer)
        answer, _created = Answer.objects.update_or_create(
            organization=organization,
            company=company,
            key=question.key,
            defaults={"question": question, "value": value, "file": file, "answered_by": by},
        )
        saved.append(answer)
        changed.append(question)
    if changed:
        record(
            organization=organization,
            action=AuditEvent.Action.QUESTIONS_ANSWERED,
            actor=by,
            partner=supplier_record(organization, company),
            detail=f"{company.name}: {len(changed)}",
        )
    return saved


def _forget_file(answer: Answer) -> None:
    """Delete the file of an answer replaced or removed, once that is saved."""
    if answer.file:
        name = answer.file.name
        transaction.on_commit(lambda: documents_storage().delete(name))


def answer_file(*, organization, company, key):
    """The company's answer to the buyer's file question `key`, with its file; None if none."""
    return Answer.objects.filter(organization=organization, company=company, key=key).exclude(file="").first()


def readable_answer_file(answer: Answer):
    """The answer's stored file, opened for reading."""
    return documents_storage().open(answer.file.name, "rb")


def shown_value(answer: Answer) -> str:
    """An answer as people read it."""
    value = answer.value
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, list):
        return ", ".join(value)
    if isinstance(value, dict):
        return value["name"]
    return str(value)


def read_answers(*, organization, company) -> list[dict]:
    """The buyer's questions asked of the company, each with its answer (None: not answered) and
    the answer as people read it; the answer's `question` is the version it answered."""
    answers = answers_of(organization=organization, company=company)
    entries = []
    for question in questions_for(organization=organization, company=company):
        answer = answers.get(question.key)
        entries.append(
            {"question": question, "answer": answer, "shown": shown_value(answer) if answer else ""}
        )
    return entries


def answers_payload(*, organization, company) -> list[dict]:
    """The buyer's questions asked of the company with their answers, as the API tells them."""
    return [
        {
            "question": str(entry["question"].key),
            "text": entry["question"].text,
            "kind": entry["question"].kind,
            "required": entry["question"].required,
            "version": entry["question"].version,
            "answer": None
            if entry["answer"] is None
            else {
                "value": entry["answer"].value,
                "version": entry["answer"].question.version,
                "text": entry["answer"].question.text,
                "answered_at": entry["answer"].answered_at,
            },
        }
        for entry in read_answers(organization=organization, company=company)
    ]


def review_fields(organization) -> dict:
    """What the buyer's review comments on: the profile's fields and each of its questions."""
    return {**REVIEW_FIELDS, **{q.review_field: q.text for q in current_questions(organization)}}
