"""The intake's field-name lists name real fields: a renamed column fails here, not silently."""

from __future__ import annotations

from app.models.base import table_of
from app.models.intakes import Intake
from app.schemas.intakes import NOT_NULL_FIELDS, IntakeRead, IntakeUpdate
from app.services.intakes import rules

COLUMNS = {column.key: column for column in table_of(Intake).columns}


def test_agreement_fields_are_columns_shown_in_the_read_model() -> None:
    assert set(rules.AGREEMENT_FIELDS) <= set(COLUMNS)
    assert set(rules.AGREEMENT_FIELDS) <= set(IntakeRead.model_fields)
    assert len(set(rules.AGREEMENT_FIELDS)) == len(rules.AGREEMENT_FIELDS)


def test_material_and_hiring_manager_fields_are_agreement_fields() -> None:
    assert set(rules.AGREEMENT_FIELDS) >= rules.MATERIAL_FIELDS
    assert set(rules.AGREEMENT_FIELDS) >= rules.HIRING_MANAGER_FIELDS


def test_what_a_hiring_manager_may_change_can_be_changed() -> None:
    assert set(IntakeUpdate.model_fields) >= rules.HIRING_MANAGER_FIELDS


def test_fields_null_cannot_clear_are_updatable_and_not_nullable_columns() -> None:
    assert set(NOT_NULL_FIELDS) <= set(IntakeUpdate.model_fields)
    nullable = sorted(name for name in NOT_NULL_FIELDS if COLUMNS[name].nullable)
    assert nullable == []
