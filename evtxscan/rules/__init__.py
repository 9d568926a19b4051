"""Detection rules: Elastic detection-rules TOML and Sigma YAML, each with its own semantics.

``load_rules()`` reads rule files of every registered format (``formats.py``) into a
``RuleSet`` (what loaded, what was skipped and why); ``RuleEngine(ruleset.rules)
.match(event)`` returns the rules one ECS event fires.  Nothing here imports Textual or
knows about outputs.
"""

from .engine import RuleEngine, event_categories
from .errors import RuleError
from .formats import Compiled, RuleFormat, formats, register
from .loader import (MAX_RULE_COST, default_rules_path, format_listing, load_rule_file,
                     load_rules)
from .model import Rule, RuleSet, SkippedRule

__all__ = [
    "Compiled",
    "MAX_RULE_COST",
    "Rule",
    "RuleEngine",
    "RuleError",
    "RuleFormat",
    "RuleSet",
    "SkippedRule",
    "default_rules_path",
    "event_categories",
    "format_listing",
    "formats",
    "load_rule_file",
    "load_rules",
    "register",
]
