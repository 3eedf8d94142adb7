from .campaign import (
    Campaign,
    CampaignStatus,
    EmailTemplate,
    EmailTemplateKind,
    ReminderRule,
    ReminderStream,
)
from .copy import AnswerCopy
from .delivery import Delivery, DeliveryKind, DeliveryStatus
from .export import ExportLog
from .invitation import Invitation, InvitationKind
from .response import (
    Answer,
    AnswerRevision,
    Response,
    ResponseMunicipality,
    ResponseStatus,
)

__all__ = [
    "Answer",
    "AnswerCopy",
    "AnswerRevision",
    "Campaign",
    "CampaignStatus",
    "Delivery",
    "DeliveryKind",
    "DeliveryStatus",
    "EmailTemplate",
    "EmailTemplateKind",
    "ExportLog",
    "Invitation",
    "InvitationKind",
    "ReminderRule",
    "ReminderStream",
    "Response",
    "ResponseMunicipality",
    "ResponseStatus",
]
