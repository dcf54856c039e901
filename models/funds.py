"""Budgets and expenses. Money is integer fen (分); services convert to Decimal yuan."""

from datetime import date, datetime

from sqlalchemy import BigInteger, Column, Index, UniqueConstraint
from sqlmodel import Field

from models.base import Recorded

# Longest texts of a budget line or an expense: the services check typed text against them and
# the forms limit their fields to them.
MAX_PAYEE = 100
MAX_PURPOSE = 300
MAX_RECEIPT_NO = 60
MAX_APPROVAL_REF = 100
MAX_EXCEPTION_REASON = 500


class ExceptionStatus:
    """Where a justified exception stands: a clerk's reason waits for the district admin
    (pending), who approves it or returns it with a note. Only an approved one is excused."""

    none = ""
    pending = "pending"
    approved = "approved"
    returned = "returned"


class Budget(Recorded, table=True):
    __table_args__ = (UniqueConstraint("township_id", "year", "category"),)

    id: int | None = Field(default=None, primary_key=True)
    township_id: int = Field(foreign_key="township.id", index=True)
    year: int
    category: str = Field(max_length=40)
    amount_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    district_share_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    township_share_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    # Why a record that breaks a fund rule was saved anyway, and the district admin's decision
    # on it (``ExceptionStatus``; a returned exception carries the admin's note).
    exception_reason: str = Field(default="", max_length=MAX_EXCEPTION_REASON)
    exception_status: str = Field(default="", max_length=20)
    exception_note: str = Field(default="", max_length=MAX_EXCEPTION_REASON)
    exception_decided_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    exception_decided_at: datetime | None = None


class Expense(Recorded, table=True):
    __table_args__ = (
        Index("ix_expense_township_occurred", "township_id", "occurred_on"),
        Index("ix_expense_receipt", "receipt_no"),
        # Covers the year's sums per unit, category and month: the fund screens read the index
        # alone, not the table.
        Index(
            "ix_expense_year_unit",
            "budget_year",
            "township_id",
            "category",
            "amount_fen",
            "occurred_on",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    township_id: int = Field(foreign_key="township.id")
    occurred_on: date
    budget_year: int
    category: str = Field(max_length=40)
    amount_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    payee: str = Field(max_length=MAX_PAYEE)
    purpose: str = Field(max_length=MAX_PURPOSE)
    receipt_no: str = Field(max_length=MAX_RECEIPT_NO)
    presidium_approved: bool = False
    approval_ref: str = Field(default="", max_length=MAX_APPROVAL_REF)
    # Why a record that breaks a fund rule was saved anyway, and the district admin's decision
    # on it (``ExceptionStatus``; a returned exception carries the admin's note).
    exception_reason: str = Field(default="", max_length=MAX_EXCEPTION_REASON)
    exception_status: str = Field(default="", max_length=20)
    exception_note: str = Field(default="", max_length=MAX_EXCEPTION_REASON)
    exception_decided_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    exception_decided_at: datetime | None = None
