"""The activities of information requests: the emails with the applicant's link, a request's
end at its due date, closing the requests when the lead is decided, and each answer's note in
the Sales CRM. Their inputs hold ids only: the message and the answer are read from Commerce.
"""

from __future__ import annotations

from dataclasses import dataclass

from temporalio import activity

from accounts.request_links import request_token
from activities.errors import crm_faults_as_activity_errors
from activities.mail.sender import EmailActivities
from activities.models import SendEmailInput
from commerce.documents import Documents
from commerce.information_requests import InformationRequests
from domain.request import Model
from sales.builtin import BuiltinSales
from sales.builtin.answer_notes import note_answer
from sales.dataverse import DataverseSales
from sales.dataverse.answer_notes import AttachedFile, write_answer_notes
from sales.port import SalesBackend

# The applicant's page; its link carries the token as `token`.
PAGE_PATH = "/partner/information"


class InformationEmailInput(Model):
    email: SendEmailInput
    request_id: str
    # The applicant's emails carry the request's link, made when the email is sent.
    with_link: bool = False


class RequestRefInput(Model):
    request_id: str


class CloseRequestsInput(Model):
    reference: str


class AnswerNoteInput(Model):
    reference: str
    # The run's lead id (with Dynamics 365, ours, mapped to the lead's GUID).
    lead_id: str
    request_id: str
    answer_id: str


@dataclass(frozen=True)
class RequestLinks:
    """What makes a request's link: the token secret and the shop's address."""

    token_secret: str
    store_url: str

    def url(self, request_id: str, salt: str, locale: str) -> str:
        """The page in the applicant's language."""
        token = request_token(self.token_secret, request_id, salt)
        return f"{self.store_url.rstrip('/')}{PAGE_PATH}?token={token}&lang={locale}"


# What the request's email answers when the request is no longer stored: withdrawn by the web
# app, which could not hear whether the run took it, or erased.
REQUEST_GONE = "request_gone"


class InformationRequestActivities:
    def __init__(
        self,
        requests: InformationRequests,
        documents: Documents,
        email: EmailActivities,
        sales: SalesBackend,
        links: RequestLinks,
    ) -> None:
        self._requests = requests
        self._documents = documents
        self._email = email
        self._sales = sales
        self._links = links

    @activity.defn
    async def send_information_email(self, data: InformationEmailInput) -> str:
        """The email through the outbox (at most once); the applicant's with its link."""
        email = data.email
        if data.with_link:
            salt = await self._requests.token_salt(data.request_id)
            if salt is None:
                # Discarded (the run was told of it, but its teller never heard back and
                # withdrew it) or erased: there is nothing to link to, and nothing to send.
                return REQUEST_GONE
            url = self._links.url(data.request_id, salt, email.locale)
            email = email.model_copy(update={"context": {**email.context, "sign_in_url": url}})
        return await self._email.send_email(email)

    @activity.defn
    async def settle_information_request(self, data: RequestRefInput) -> str | None:
        """At the due date: expired if unanswered, else closed; the request's status."""
        return await self._requests.settle(data.request_id)

    @activity.defn
    async def close_information_requests(self, data: CloseRequestsInput) -> int:
        return await self._requests.close_all(data.reference)

    @activity.defn
    async def note_information_answer(self, data: AnswerNoteInput) -> None:
        """The answer on the lead: a timeline entry here, notes with the files in Dynamics."""
        answers = await self._documents.answers(data.request_id)
        answer = next((a for a in answers if a.id == data.answer_id), None)
        if answer is None:
            return  # erased meanwhile
        if isinstance(self._sales, BuiltinSales):
            names = ", ".join(f.filename for f in answer.files)
            body = f"Information received for request {data.request_id}" + (
                f" with {len(answer.files)} file(s): {names}" if answer.files else ""
            )
            await note_answer(self._sales.db, data.lead_id, answer.id, body)
            return
        assert isinstance(self._sales, DataverseSales)
        files = [AttachedFile(f.id, f.filename, f.content_type) for f in answer.files]
        with crm_faults_as_activity_errors():
            await write_answer_notes(
                self._sales, data.lead_id, answer.id, answer.text, files, self._content
            )

    async def _content(self, file_id: str) -> bytes | None:
        """One file's bytes, opened, when its note is written; None when it is gone."""
        found = await self._documents.file(file_id)
        return None if found is None else found[1]
