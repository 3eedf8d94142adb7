"""The instrument: a versioned questionnaire loaded from a YAML definition file.

Rows here are a copy of the definition file (surveys/instruments/*.yaml); the file is
the source of truth and `manage.py load_instrument` is the only writer.
Conditions are stored as the JSON expressions of the file and evaluated only by
surveys.branching.
"""

from __future__ import annotations

from django.db import models

from surveys.types import type_choices


class Instrument(models.Model):
    code = models.SlugField(max_length=60)
    version = models.CharField(max_length=20)
    title = models.CharField(max_length=200)
    intro = models.TextField(blank=True)
    privacy = models.TextField(blank=True)
    definitions = models.JSONField(
        default=list, blank=True
    )  # [{"term": ..., "text": ...}]
    source_sha256 = models.CharField(max_length=64, blank=True)
    locked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code", "version"]
        verbose_name = "vragenlijst"
        verbose_name_plural = "vragenlijsten"
        constraints = [
            models.UniqueConstraint(
                fields=["code", "version"], name="instrument_unique_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.version})"


class Section(models.Model):
    instrument = models.ForeignKey(
        Instrument, on_delete=models.CASCADE, related_name="sections"
    )
    code = models.SlugField(max_length=60)
    order = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    intro = models.TextField(blank=True)

    class Meta:
        ordering = ["instrument", "order"]
        verbose_name = "thema"
        verbose_name_plural = "thema's"
        constraints = [
            models.UniqueConstraint(
                fields=["instrument", "code"], name="section_unique_code"
            ),
            models.UniqueConstraint(
                fields=["instrument", "order"], name="section_unique_order"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    instrument = models.ForeignKey(
        Instrument, on_delete=models.CASCADE, related_name="questions"
    )
    section = models.ForeignKey(
        Section, on_delete=models.CASCADE, related_name="questions"
    )
    code = models.CharField(
        max_length=40
    )  # stable across waves: answers compare by code
    number = models.PositiveSmallIntegerField()
    order = models.PositiveSmallIntegerField()
    # Choices come from the registry, so a registered type is a valid value.
    type = models.CharField(max_length=20, choices=type_choices)
    text = models.TextField()
    help_text = models.TextField(blank=True)
    required = models.BooleanField(default=True)
    condition = models.JSONField(null=True, blank=True)
    settings = models.JSONField(default=dict, blank=True)  # max_length, min, max, ...
    # Where the question comes from (report table/figure) and whether its wording
    # was reconstructed rather than quoted; both go into the codebook.
    source = models.CharField(max_length=300, blank=True)
    reconstructed = models.BooleanField(default=False)

    class Meta:
        ordering = ["instrument", "order"]
        verbose_name = "vraag"
        verbose_name_plural = "vragen"
        constraints = [
            models.UniqueConstraint(
                fields=["instrument", "code"], name="question_unique_code"
            ),
            models.UniqueConstraint(
                fields=["instrument", "order"], name="question_unique_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}. {self.text[:80]}"


class Option(models.Model):
    """An answer option; for a matrix question these are the scale columns."""

    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="options"
    )
    code = models.CharField(max_length=60)
    label = models.CharField(max_length=300)
    order = models.PositiveSmallIntegerField()
    exclusive = models.BooleanField(default=False)
    is_other = models.BooleanField(default=False)

    class Meta:
        ordering = ["question", "order"]
        verbose_name = "antwoordoptie"
        verbose_name_plural = "antwoordopties"
        constraints = [
            models.UniqueConstraint(
                fields=["question", "code"], name="option_unique_code"
            ),
        ]

    def __str__(self) -> str:
        return self.label


class MatrixRow(models.Model):
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="rows"
    )
    code = models.CharField(max_length=60)
    label = models.CharField(max_length=300)
    order = models.PositiveSmallIntegerField()
    condition = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["question", "order"]
        verbose_name = "matrixrij"
        verbose_name_plural = "matrixrijen"
        constraints = [
            models.UniqueConstraint(
                fields=["question", "code"], name="matrixrow_unique_code"
            ),
        ]

    def __str__(self) -> str:
        return self.label
