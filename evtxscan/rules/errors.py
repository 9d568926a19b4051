"""One exception tree for the rule stage: every way a rule can be unusable.

A rule that cannot be run exactly is skipped with a one-line reason; the reason is
``str(exc)`` of one of these, whatever format the rule was written in and whatever step
(reading, parsing, compiling) found the problem.  Callers catch ``RuleError``.
"""

from __future__ import annotations


class RuleError(ValueError):
    """A rule (or a rule file) cannot be used; ``str()`` is the one-line reason and
    ``name`` the rule's name when it is known."""

    def __init__(self, reason: str, name: str = "") -> None:
        super().__init__(" ".join(str(reason).split()) or type(self).__name__)
        self.name = name


class RuleLoadError(RuleError):
    """The file or its metadata cannot become a ``Rule``."""


class UnsupportedQuery(RuleError):
    """The query cannot be run by the single-event engine."""


class CompileError(RuleError):
    """The condition uses something the engine cannot run exactly."""


class RegexError(CompileError):
    """A regular expression the linear-time engine (RE2) cannot run as written."""
