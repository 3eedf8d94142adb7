"""Question types: one class per type, registered by code (see base.py).

    from surveys.types import kind
    kind(question).validate(question, value)

Register a new type with `register(MyType())`; the instrument loader, the
respondent form, review/mail display, exports, imports and results all consult the
registry, so nothing else needs to change but one answer partial template.
"""

from surveys.types.base import (
    DEFAULT_MAX_LENGTH,
    LIST_SEPARATOR,
    NOT_POSTED,
    OTHER_MAX_LENGTH,
    OTHER_SUFFIX,
    CellError,
    Column,
    QuestionLike,
    QuestionType,
    SettingRule,
    StatVariable,
    get_type,
    is_answered,
    kind,
    register,
    type_choices,
    type_codes,
    unregister,
)
from surveys.types.choice import MultipleChoice, SingleChoice
from surveys.types.matrix import Matrix
from surveys.types.municipalities import Municipalities
from surveys.types.scalar import Number, Text

for _type in (
    SingleChoice(),
    MultipleChoice(),
    Matrix(),
    Text(),
    Number(),
    Municipalities(),
):
    register(_type)

__all__ = [
    "StatVariable",
    "DEFAULT_MAX_LENGTH",
    "LIST_SEPARATOR",
    "NOT_POSTED",
    "OTHER_MAX_LENGTH",
    "OTHER_SUFFIX",
    "CellError",
    "Column",
    "Matrix",
    "MultipleChoice",
    "Municipalities",
    "Number",
    "QuestionLike",
    "QuestionType",
    "SettingRule",
    "SingleChoice",
    "Text",
    "get_type",
    "is_answered",
    "kind",
    "register",
    "type_choices",
    "type_codes",
    "unregister",
]
