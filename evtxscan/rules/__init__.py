"""Detection rules: Elastic detection-rules TOML files run with Elasticsearch semantics.

``load_rules()`` reads rule files into a ``RuleSet`` (what loaded, what was skipped and
why); ``RuleEngine(ruleset.rules).match(event)`` returns the rules one ECS event fires.
Nothing here imports Textual or knows about outputs.
"""

from .engine import RuleEngine, event_categories
from .loader import default_rules_path, format_listing, load_rule_file, load_rules
from .model import Rule, RuleSet, SkippedRule

__all__ = [
    "Rule",
    "RuleEngine",
    "RuleSet",
    "SkippedRule",
    "default_rules_path",
    "event_categories",
    "format_listing",
    "load_rule_file",
    "load_rules",
]
