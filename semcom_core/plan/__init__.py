"""Split planner (issue 29; paper 002, section 3.1.1, eq. 1): the best (split, k) for a device, an edge,
a link and constraints, from the measured sweep tables and the cost model. `core` holds the pure maths
(feasibility, Pareto fronts, choice, binding constraint), `planner` builds candidates and plans,
`presets` the energy figures with their sources."""
from semcom_core.plan.core import (  # noqa: F401
                                   CONSTRAINTS,
                                   OBJECTIVES,
                                   Candidate,
                                   Constraints,
                                   binding_constraint,
                                   choose,
                                   feasible_set,
                                   fronts,
                                   is_feasible,
                                   pareto_front,
                                   reason,
                                   violations,
)
from semcom_core.plan.planner import (  # noqa: F401
                                   Plan,
                                   PlanInputs,
                                   build_candidates,
                                   inputs_from,
                                   plan,
)
