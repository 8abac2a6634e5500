"""Fair selection of citizens' panels: LEXIMIN over quota-satisfying panels, the legacy greedy method, draws.

Typical use (all pure Python, no Django):

    instance = make_instance(quotas, respondents, panel_size)     # SortitionError on bad input
    selection = leximin(instance)                                 # InfeasibleQuotas if impossible
    panel = draw_panel(selection.distribution, seed)              # same (distribution, seed) -> same panel
    alternates = draw_alternates(instance, panel, 5, seed)

`selection.to_dict()` and `Distribution.from_dict()` round-trip through JSON for the audit record.
"""

from .csvio import load_instance, parse_quotas, parse_respondents
from .diagnose import ensure_feasible, smallest_relaxation
from .draw import Alternate, AuditRandom, Seed, draw_alternates, draw_panel, first_replacement, verify_panel
from .errors import InfeasibleQuotas, Relaxation, SortitionError
from .legacy import legacy, legacy_draw
from .leximin import Progress, leximin
from .model import Category, Instance, Quota, Respondent, make_instance, panel_meets_quotas
from .result import Distribution, PanelType, Selection, WeightedPanel

__all__ = [
    "Alternate",
    "AuditRandom",
    "Category",
    "Distribution",
    "InfeasibleQuotas",
    "Instance",
    "PanelType",
    "Progress",
    "Quota",
    "Relaxation",
    "Respondent",
    "Seed",
    "Selection",
    "SortitionError",
    "WeightedPanel",
    "draw_alternates",
    "draw_panel",
    "ensure_feasible",
    "first_replacement",
    "legacy",
    "legacy_draw",
    "leximin",
    "load_instance",
    "make_instance",
    "panel_meets_quotas",
    "parse_quotas",
    "parse_respondents",
    "smallest_relaxation",
    "verify_panel",
]
