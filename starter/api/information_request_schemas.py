"""Bodies of the information requests' part of the JSON API."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from commerce.documents import Answer
from domain.information_requests import DocumentKind, RequestStatus
from starter.services.documents import download_url
from starter.services.information_requests import RequestWithAnswers


class AnswerFile(BaseModel):
    id: str
    filename: str
    content_type: str
    size: int
    sha256: str
    # Staff-only: the file's exact bytes as an attachment.
    download_url: str


class InformationAnswer(BaseModel):
    text: str
    received_at: datetime
    files: list[AnswerFile]

    @classmethod
    def of(cls, answer: Answer) -> InformationAnswer:
        return cls(
            text=answer.text,
            received_at=answer.received_at,
            files=[
                AnswerFile(
                    id=f.id,
                    filename=f.filename,
                    content_type=f.content_type,
                    size=f.size,
                    sha256=f.sha256,
                    download_url=download_url(f.id),
                )
                for f in answer.files
            ],
        )


class InformationRequest(BaseModel):
    id: str
    reference: str
    lead_id: str
    status: RequestStatus
    message: str
    documents: list[DocumentKind]
    due: date
    # When the applicant's link stops working: the end of `due` in the shop's time zone.
    expires_at: datetime
    created_by: str
    created_at: datetime
    closed_at: datetime | None
    answers: list[InformationAnswer]

    @classmethod
    def of(cls, found: RequestWithAnswers) -> InformationRequest:
        r = found.request
        return cls.model_validate(
            {
                "id": r.id,
                "reference": r.reference,
                "lead_id": r.lead_id,
                "status": r.status,
                "message": r.message,
                "documents": r.documents,
                "due": r.due,
                "expires_at": r.expires_at,
                "created_by": r.created_by,
                "created_at": r.created_at,
                "closed_at": r.closed_at,
                "answers": [InformationAnswer.of(a) for a in found.answers],
            }
        )
