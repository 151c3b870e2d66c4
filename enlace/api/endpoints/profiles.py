"""A supplier's company profile and the organization's review of it, under /suppliers/{id}.

No API key reads bank account numbers in full: keys carry no permissions of their own (each
acts for its whole organization), so the numbers are masked for every key, as for a buyer's
members on the pages.
"""

import uuid
from datetime import datetime

from django.http import Http404
from ninja import Field, Router, Schema

from enlace.api.schemas import Error, Id
from enlace.lib.downloads import private_download
from enlace.partners.models import Partner
from enlace.profiles import access, questionnaires, reviews
from enlace.profiles.documents import readable_file
from enlace.profiles.fields import REVIEW_FIELDS
from enlace.profiles.models import Document, ProfileReview, ProfileVersion, Question, ReviewStep
from enlace.profiles.services import current_data
from enlace.profiles.uploads import EXTENSIONS

router = Router(tags=["Suppliers"])
ERRORS = {400: Error, 401: Error, 404: Error, 409: Error, 422: Error, 429: Error}
A_FILE = {
    "responses": {
        200: {
            "description": "The file, as a download.",
            "content": {kind: {"schema": {"type": "string", "format": "binary"}} for kind in EXTENSIONS},
        }
    }
}


class ProfileOut(Schema):
    supplier_id: int
    version: int | None = Field(description="The latest version; null before the first save.")
    saved_at: datetime | None
    data: dict = Field(description="The profile; bank account numbers masked (their last four characters).")


class CommentOut(Schema):
    field: str
    text: str


class StepOut(Schema):
    action: str = Field(description=", ".join(ReviewStep.Action.values))
    version: int | None
    at: datetime
    reason: str = Field(description="A rejection's reason.")
    fields: list[str] = Field(description="A reopening's critical fields that changed.")
    comments: list[CommentOut] = Field(description="A request for changes' comments, per field.")


class ReviewDetail(Schema):
    state: str = Field(description=", ".join(ProfileReview.State.values))
    version: int | None = Field(description="The version submitted, or approved.")
    updated_at: datetime | None
    steps: list[StepOut]


class ProfileVersionRef(Schema):
    version: int | None = Field(description="The profile's latest version.")


class ReviewOut(Schema):
    review: ReviewDetail
    profile: ProfileVersionRef


class RejectIn(Schema):
    reason: str = Field(..., max_length=reviews.REASON_LENGTH)


class ChangesIn(Schema):
    comments: dict[str, str] = Field(
        ...,
        description="A comment per field to correct: "
        + ", ".join(REVIEW_FIELDS)
        + ", or question.<key> for one of your questions.",
    )


class FileAnswerOut(Schema):
    name: str
    content_type: str
    size: int = Field(description="In bytes.")


class AnswerOut(Schema):
    value: str | bool | list[str] | FileAnswerOut = Field(
        description="Text; a number as text; a date as YYYY-MM-DD; true or false; a list of options;"
        " for a file, its name, type and size (GET …/answers/{question}/file reads it)."
    )
    version: int = Field(description="The version of the question it answered.")
    text: str = Field(description="The wording it answered.")
    answered_at: datetime


class QuestionAnswerOut(Schema):
    question: str = Field(description="The question's key, the same across its versions.")
    text: str = Field(description="The question's wording now.")
    kind: str = Field(description=", ".join(Question.Kind.values))
    required: bool
    version: int = Field(description="The question's version now.")
    answer: AnswerOut | None = Field(description="Null while unanswered.")


def _supplier(request, partner_id) -> Partner:
    return access.supplier_in(request.organization, partner_id)


def _review(request, partner) -> dict:
    return reviews.review_payload(organization=request.organization, company=partner.company)


@router.get(
    "/{partner_id}/profile", response={200: ProfileOut, **ERRORS}, operation_id="get_supplier_profile"
)
def get_profile(request, partner_id: Id):
    """The supplier's company profile as it stands (its latest version)."""
    partner = _supplier(request, partner_id)
    version = ProfileVersion.objects.filter(company=partner.company).first()
    return {
        "supplier_id": partner.pk,
        "version": version.number if version else None,
        "saved_at": version.created_at if version else None,
        "data": access.masked(current_data(partner.company)),
    }


@router.get(
    "/{partner_id}/answers",
    response={200: list[QuestionAnswerOut], **ERRORS},
    operation_id="get_supplier_answers",
)
def get_answers(request, partner_id: Id):
    """The organization's questions asked of the supplier, each with its answer."""
    partner = _supplier(request, partner_id)
    return questionnaires.answers_payload(organization=request.organization, company=partner.company)


@router.get(
    "/{partner_id}/answers/{question}/file",
    response=ERRORS,
    openapi_extra=A_FILE,
    operation_id="get_supplier_answer_file",
)
def get_answer_file(request, partner_id: Id, question: uuid.UUID):
    """The file the supplier answered one of your file questions with."""
    partner = _supplier(request, partner_id)
    answer = questionnaires.answer_file(
        organization=request.organization, company=partner.company, key=question
    )
    if answer is None:
        raise Http404
    value = answer.value
    return _read(
        request, partner, questionnaires.readable_answer_file(answer), value["name"], value["content_type"]
    )


@router.get(
    "/{partner_id}/documents/{document_id}/file",
    response=ERRORS,
    openapi_extra=A_FILE,
    operation_id="get_supplier_document_file",
)
def get_document_file(request, partner_id: Id, document_id: uuid.UUID):
    """The file of one of the profile's documents (`id` in the profile's `documents`), this
    version's or an earlier one's."""
    partner = _supplier(request, partner_id)
    document = Document.objects.filter(company=partner.company, public_id=document_id).first()
    if document is None:
        raise Http404
    return _read(request, partner, readable_file(document), document.name, document.content_type)


def _read(request, partner, file, name: str, content_type: str):
    """The file as a download, recorded in the organization's audit trail."""
    access.note_buyer_read(organization=request.organization, company=partner.company, by=None, name=name)
    return private_download(file, name, content_type)


@router.get("/{partner_id}/review", response={200: ReviewOut, **ERRORS}, operation_id="get_supplier_review")
def get_review(request, partner_id: Id):
    """The organization's review of the supplier's profile, with its timeline."""
    return _review(request, _supplier(request, partner_id))


@router.post(
    "/{partner_id}/review/approve",
    response={200: ReviewOut, **ERRORS},
    operation_id="approve_supplier_profile",
)
def approve(request, partner_id: Id):
    """Approve the submitted profile (409 in any other state); the supplier's people are told."""
    partner = _supplier(request, partner_id)
    reviews.approve_profile(organization=request.organization, company=partner.company, by=None)
    return _review(request, partner)


@router.post(
    "/{partner_id}/review/reject", response={200: ReviewOut, **ERRORS}, operation_id="reject_supplier_profile"
)
def reject(request, partner_id: Id, payload: RejectIn):
    """Reject the submitted profile, saying why (required)."""
    partner = _supplier(request, partner_id)
    reviews.reject_profile(
        organization=request.organization, company=partner.company, by=None, reason=payload.reason
    )
    return _review(request, partner)


@router.post(
    "/{partner_id}/review/request-changes",
    response={200: ReviewOut, **ERRORS},
    operation_id="request_supplier_profile_changes",
)
def request_changes(request, partner_id: Id, payload: ChangesIn):
    """Send the submitted profile back with a comment on each field to correct (one at least)."""
    partner = _supplier(request, partner_id)
    reviews.request_changes(
        organization=request.organization, company=partner.company, by=None, comments=payload.comments
    )
    return _review(request, partner)
