from .bestuur_answer import BestuurAnswer
from .campaign import (
    Campaign,
    CampaignStatus,
    EmailTemplate,
    EmailTemplateKind,
    ReminderRule,
    ReminderStream,
)
from .copy import AnswerCopy, MirrorCopy
from .coverage_event import CoverageEvent, CoverageEventKind
from .delivery import Delivery, DeliveryKind, DeliveryStatus
from .export import ExportLog, ResponseExportRow
from .follow_up import FollowUpItem, FollowUpStatus
from .invitation import Invitation, InvitationKind
from .open_answers import AnswerCode, OpenAnswerReview
from .publication import ResultsPublication
from .response import (
    COVERING_CLAIMS,
    Answer,
    AnswerRevision,
    ClaimStatus,
    Response,
    ResponseMunicipality,
    ResponseStatus,
)

__all__ = [
    "COVERING_CLAIMS",
    "BestuurAnswer",
    "ClaimStatus",
    "CoverageEvent",
    "CoverageEventKind",
    "Answer",
    "AnswerCopy",
    "AnswerCode",
    "AnswerRevision",
    "Campaign",
    "CampaignStatus",
    "Delivery",
    "DeliveryKind",
    "DeliveryStatus",
    "EmailTemplate",
    "EmailTemplateKind",
    "ExportLog",
    "FollowUpItem",
    "FollowUpStatus",
    "Invitation",
    "InvitationKind",
    "MirrorCopy",
    "OpenAnswerReview",
    "ReminderRule",
    "ReminderStream",
    "Response",
    "ResponseExportRow",
    "ResponseMunicipality",
    "ResponseStatus",
    "ResultsPublication",
]
