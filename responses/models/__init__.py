from .campaign import (
    Campaign,
    CampaignStatus,
    EmailTemplate,
    EmailTemplateKind,
    ReminderRule,
    ReminderStream,
)
from .delivery import Delivery, DeliveryKind, DeliveryStatus
from .export import ExportLog
from .follow_up import FollowUpItem, FollowUpStatus
from .invitation import Invitation, InvitationKind
from .open_answers import AnswerCode, OpenAnswerReview
from .publication import ResultsPublication
from .response import (
    Answer,
    AnswerRevision,
    Response,
    ResponseMunicipality,
    ResponseStatus,
)

__all__ = [
    "Answer",
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
    "OpenAnswerReview",
    "ReminderRule",
    "ReminderStream",
    "Response",
    "ResponseMunicipality",
    "ResponseStatus",
    "ResultsPublication",
]
